"""ca3.yaml is read by libyaml's parser where PyYAML has it, and what it reads is what PyYAML's own parser reads:
the same settings and the same line for every key; a file libyaml refuses is read again by PyYAML's, which says
what is wrong as before (tests/core/test_bad_input.py checks those sentences)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ca3cli.core import settings_file
from ca3cli.edges import config_file

TEXTS = {
    "written by ca3 init": config_file.render(),
    "flow style, quotes, nulls and numbers": (
        "namespace: 'demo'\nkafka: {replicas: 3, partitions: 12, resources: {cpu_limit: \"2\"}}\n"
        "images:\n  tag: ~\n  registry: \"ghcr.io/me\"  # a comment\nproducer:\n  rate_hz: 2.5e0\n  lines: 0x3\n"),
    "lists, a BOM-free UTF-8 name and block scalars": (
        "cluster:\n  context: kind-caf\u00e9\nnotes: |\n  two\n  lines\nitems:\n- a\n- [b, c]\n- {d: e}\n"),
}


def test_libyaml_reads_ca3_yaml_where_pyyaml_has_it() -> None:
    with_libyaml = getattr(yaml, "__with_libyaml__", False)
    assert (settings_file.LOADERS[0] is not settings_file.LOADERS[-1]) == with_libyaml


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_both_parsers_read_the_same_settings_and_lines(text: str) -> None:
    path = Path("ca3.yaml")
    read = [settings_file._load(loader, path, text) for loader in settings_file.LOADERS]
    assert all(found == read[-1] for found in read)
    data, lines = read[0]
    assert data and len(lines) >= len(data)
