"""Dashboards as code: Python data (model.py) describing ca3's dashboards (catalogue.py), turned into Grafana JSON.

The same data feeds the Grafana dashboards ConfigMap (`provisioned_files`, a Jinja global), `ca3 evidence` (which
dashboard and panel to render) and the tests that evaluate every PromQL expression against a real Prometheus.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ca3cli.core.dashboards.catalogue import dashboards
from ca3cli.core.dashboards.model import Dashboard, Panel, Query, to_json

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

__all__ = ["Dashboard", "Panel", "Query", "dashboards", "provisioned_files", "to_json"]


def provisioned_files(settings: Settings, features: Mapping[str, bool]) -> dict[str, str]:
    """File name -> dashboard JSON text for the Grafana dashboards ConfigMap of this milestone."""
    return {
        f"{board.uid}.json": json.dumps(to_json(board), indent=2, sort_keys=True)
        for board in dashboards(settings, features)
    }
