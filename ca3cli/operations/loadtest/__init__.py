"""`ca3 load-test`: drive real load through the producer Service and record both autoscalers going up and down.

Pure parts (model, timeline analysis, report texts, the plot) work on data; the edges are `cluster` (kubectl and
Prometheus readings), `job` (the load generator's Job and NetworkPolicy) and `run` (the sampling loop).
"""
