"""`ca3 validate`: live checks for the verification criteria of milestones 1..N.

Each check is data (`Check`: id, how to gather evidence, how to decide) plus two small functions: `gather` talks to
the cluster through kubectl and port-forwards (the `Probe`), `decide` is pure and turns that evidence into
PASS / FAIL / WARN / SKIP with the value seen. The runner runs checks in parallel, each with its own timeout;
`report` turns results into summary counts, JSON and JUnit XML.
"""
