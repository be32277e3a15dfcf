"""The in-cluster HTTP services ca3 reaches through `kubectl port-forward`: their Service and port, in one place.

The names are the ones the templates give (templates/grafana, templates/prometheus, templates/logging).
"""

GRAFANA = ("svc/grafana-service", 3000)
PROMETHEUS = ("svc/prometheus-service", 9090)
LOKI = ("svc/loki-service", 3100)
INFLUXDB = ("svc/influxdb-service", 8086)
