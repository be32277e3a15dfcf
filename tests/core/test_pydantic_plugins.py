"""ca3 does not look for pydantic plugins (it uses none; the look reads every installed distribution's entry points),
unless the user set PYDANTIC_DISABLE_PLUGINS themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Counts the looks for entry points, then runs `ca3 render -m 1` through the CLI's real entry point.
PROBE = """
import importlib.metadata, sys
looks = []
real = importlib.metadata.entry_points
importlib.metadata.entry_points = lambda **kw: looks.append(kw.get("group")) or real(**kw)
sys.argv = ["ca3", "render", "-m", "1", "-o", "out"]
from ca3cli import cli
try:
    cli.main()
except SystemExit as exc:
    assert not exc.code, exc.code
print("pydantic" in looks)
"""


@pytest.mark.parametrize(("setting", "looked"), [(None, "False"), ("", "True")])
def test_a_render_looks_for_pydantic_plugins_only_when_the_user_asks(tmp_path: Path, setting: str | None,
                                                                     looked: str) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        environ["PYDANTIC_DISABLE_PLUGINS"] = setting
    environ["PYTHONPATH"] = str(ROOT)
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=environ, capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip().splitlines()[-1] == looked
