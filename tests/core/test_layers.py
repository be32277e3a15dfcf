"""The package's folders are its layers: core (pure) <- edges (I/O) <- operations <- commands; nothing imports
upwards, lazily or not, and no module sits outside a layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ca3cli"
RANK = {"core": 0, "edges": 1, "operations": 2, "commands": 3}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every ca3cli module a file imports, at the top or inside a function, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ca3cli."):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("ca3cli.")]
    return found


def upward_imports(package: Path) -> list[str]:
    wrong = []
    for path in sorted(package.rglob("*.py")):
        layer = path.relative_to(package).parts[0]
        for line, module in _imports(path) if layer in RANK else []:
            target = module.split(".")[1]
            if target in RANK and RANK[target] > RANK[layer]:
                wrong.append(f"{path.relative_to(package)}:{line} ({layer}) imports {module}")
    return wrong


def test_no_layer_imports_a_layer_above_it() -> None:
    assert upward_imports(PACKAGE) == []


def test_the_check_finds_an_upward_import_even_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "pure.py").write_text("def f():\n    from ca3cli.edges import kube\n")
    assert upward_imports(tmp_path) == ["core/pure.py:2 (core) imports ca3cli.edges"]


@pytest.mark.parametrize("entry", sorted(p.name for p in PACKAGE.iterdir() if not p.name.startswith((".", "__py"))))
def test_every_module_lives_in_a_layer(entry: str) -> None:
    outside = {"__init__.py", "__main__.py", "cli.py", "py.typed", "templates", "schema"}
    assert entry in set(RANK) | outside, f"ca3cli/{entry} belongs in core/, edges/, operations/ or commands/"
