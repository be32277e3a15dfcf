"""Every rendered Grafana, Loki, Promtail, Alloy and Prometheus configuration uses only documented keys."""

from __future__ import annotations

import pytest

from ca3cli.core.configkeys import unknown_keys
from tests.observability.helpers import config_text, rendered

CONFIGS = [  # (kind, ConfigMap file, key, log agent)
    ("loki", "loki-configmap.yaml", "loki.yaml", "promtail"),
    ("promtail", "promtail-configmap.yaml", "promtail.yaml", "promtail"),
    ("alloy", "alloy-configmap.yaml", "config.alloy", "alloy"),
    ("grafana-datasources", "grafana-datasource-configmap.yaml", "datasources.yaml", "promtail"),
    ("grafana-dashboards", "grafana-dashboard-configmap.yaml", "provider.yaml", "promtail"),
    ("prometheus", "prometheus-configmap.yaml", "prometheus.yml", "promtail"),
]


@pytest.mark.parametrize("milestone", [5, 7, 8])
@pytest.mark.parametrize(("kind", "file", "key", "agent"), CONFIGS)
def test_rendered_configuration_uses_only_documented_keys(kind, file, key, agent, milestone):
    text = config_text(rendered(milestone, agent), file, key)
    assert unknown_keys(kind, text) == []


MISSPELLINGS = [  # (kind, file, key, agent, original, misspelt, reported)
    ("loki", "loki-configmap.yaml", "loki.yaml", "promtail", "limits_config:", "limit_config:", "limit_config"),
    ("loki", "loki-configmap.yaml", "loki.yaml", "promtail", "retention_enabled:", "retention_enable:",
     "compactor.retention_enable"),
    ("promtail", "promtail-configmap.yaml", "promtail.yaml", "promtail", "positions:", "position:", "position"),
    ("promtail", "promtail-configmap.yaml", "promtail.yaml", "promtail", "- cri: {}", "- cry: {}",
     "scrape_configs.pipeline_stages.cry"),
    ("alloy", "alloy-configmap.yaml", "config.alloy", "alloy", 'loki.write "loki"', 'loki.writer "loki"',
     "loki.writer"),
    ("alloy", "alloy-configmap.yaml", "config.alloy", "alloy", "forward_to = [loki.write", "forward = [loki.write",
     "loki.process.forward"),
    ("grafana-datasources", "grafana-datasource-configmap.yaml", "datasources.yaml", "promtail", "datasources:",
     "datasource:", "datasource"),
    ("grafana-datasources", "grafana-datasource-configmap.yaml", "datasources.yaml", "promtail", "isDefault:",
     "isdefault:", "datasources.isdefault"),
    ("grafana-dashboards", "grafana-dashboard-configmap.yaml", "provider.yaml", "promtail", "providers:",
     "provider:", "provider"),
    ("prometheus", "prometheus-configmap.yaml", "prometheus.yml", "promtail", "scrape_configs:", "scrape_config:",
     "scrape_config"),
]


@pytest.mark.parametrize(("kind", "file", "key", "agent", "original", "misspelt", "reported"), MISSPELLINGS)
def test_a_misspelt_key_is_reported(kind, file, key, agent, original, misspelt, reported):
    text = config_text(rendered(5, agent), file, key)
    assert original in text, "the test must change a key the rendered configuration really has"
    assert reported in unknown_keys(kind, text.replace(original, misspelt, 1))
