"""The package's folders are its layers: core (pure) <- edges (I/O) <- operations <- commands; nothing imports
upwards, lazily or not, and no module sits outside a layer. Typer stays in the command layer, no command imports
another, and no function hides an import of a sibling package of its own layer (a lazy import there hid a loop)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ca3cli"
RANK = {"core": 0, "edges": 1, "operations": 2, "commands": 3}


COMMAND_HELPERS = {"common", "flags", "screens"}  # what the command modules share; each other module is one command


def _modules(node: ast.AST) -> list[str]:
    """The modules one import statement names (`from ca3cli.commands import up` names ca3cli.commands.up)."""
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def _named(node: ast.AST) -> list[str]:
    """The module an import takes, or the modules when it takes them from a layer (`from ca3cli.operations import
    deploy` takes ca3cli.operations.deploy)."""
    modules = _modules(node)
    if isinstance(node, ast.ImportFrom) and modules[0].count(".") == 1:
        return modules[1:]
    return modules[:1]


def _imports(path: Path, prefix: str = "ca3cli.") -> list[tuple[int, str]]:
    """Every module starting with `prefix` a file imports, at the top or inside a function, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith(prefix)]
    return found


def _function_imports(path: Path) -> list[tuple[int, str]]:
    """The ca3cli modules imported inside a function, with their line."""
    found = []
    for function in ast.walk(ast.parse(path.read_text())):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [(node.lineno, module) for node in ast.walk(function) for module in _named(node)
                      if module.startswith("ca3cli.")]
    return found


def typer_outside_commands(package: Path) -> list[str]:
    below = [path for path in sorted(package.rglob("*.py"))
             if path.relative_to(package).parts[0] not in ("commands", "cli.py")]
    return [f"{path.relative_to(package)}:{line} imports {module}" for path in below
            for line, module in _imports(path, "typer")]


def command_to_command_imports(package: Path) -> list[str]:
    wrong = []
    for path in sorted((package / "commands").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            for module in _named(node):
                parts = module.split(".")
                if parts[:2] == ["ca3cli", "commands"] and len(parts) > 2 and parts[2] not in COMMAND_HELPERS:
                    wrong.append(f"commands/{path.name}:{node.lineno} imports {module}")
    return wrong


def hidden_sibling_imports(package: Path) -> list[str]:
    """Imports inside a function of another top-level module or package of the same layer (within one package,
    e.g. an optional extra's module, they are allowed)."""
    wrong = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if len(parts) < 2:
            continue
        for line, module in _function_imports(path):
            target = module.split(".")[1:]
            if target[0] == parts[0] and len(target) > 1 and target[1] != parts[1]:
                wrong.append(f"{path.relative_to(package)}:{line} imports {module} inside a function")
    return wrong


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


def subprocess_outside_the_door(package: Path) -> list[str]:
    """Modules other than edges/process.py that import subprocess (every program starts through that door)."""
    return [f"{path.relative_to(package)}:{line} imports {module}" for path in sorted(package.rglob("*.py"))
            if path.relative_to(package) != Path("edges", "process.py")
            for line, module in _imports(path, "subprocess")]


def test_only_the_process_door_imports_subprocess() -> None:
    assert subprocess_outside_the_door(PACKAGE) == []


def test_the_check_finds_subprocess_imported_outside_the_door(tmp_path: Path) -> None:
    (tmp_path / "operations").mkdir()
    (tmp_path / "operations" / "build.py").write_text("def f():\n    import subprocess\n")
    (tmp_path / "operations" / "scan.py").write_text("from subprocess import run\n")
    assert subprocess_outside_the_door(tmp_path) == ["operations/build.py:2 imports subprocess",
                                                     "operations/scan.py:1 imports subprocess"]


def test_typer_is_imported_only_by_the_command_layer() -> None:
    assert typer_outside_commands(PACKAGE) == []


def test_no_command_module_imports_another() -> None:
    assert command_to_command_imports(PACKAGE) == []


def test_no_function_hides_an_import_of_a_sibling_in_its_layer() -> None:
    assert hidden_sibling_imports(PACKAGE) == []


def test_the_checks_find_typer_below_commands_a_command_importing_a_command_and_a_hidden_sibling(
        tmp_path: Path) -> None:
    for folder in ("operations", "commands", "operations/validate"):
        (tmp_path / folder).mkdir()
    (tmp_path / "operations" / "services.py").write_text(
        "import typer\n\ndef f():\n    from ca3cli.operations.validate import milestone\n")
    (tmp_path / "operations" / "validate" / "milestone.py").write_text(
        "def f():\n    from ca3cli.operations.validate import probe\n")
    (tmp_path / "operations" / "up.py").write_text("def f():\n    from ca3cli.operations import deploy\n")
    (tmp_path / "commands" / "up.py").write_text("from ca3cli.commands import deploy, common\n")
    assert typer_outside_commands(tmp_path) == ["operations/services.py:1 imports typer"]
    assert command_to_command_imports(tmp_path) == ["commands/up.py:1 imports ca3cli.commands.deploy"]
    assert hidden_sibling_imports(tmp_path) == [
        "operations/services.py:4 imports ca3cli.operations.validate inside a function",
        "operations/up.py:2 imports ca3cli.operations.deploy inside a function"]


@pytest.mark.parametrize("entry", sorted(p.name for p in PACKAGE.iterdir() if not p.name.startswith((".", "__py"))))
def test_every_module_lives_in_a_layer(entry: str) -> None:
    outside = {"__init__.py", "__main__.py", "cli.py", "py.typed", "templates", "schema"}
    assert entry in set(RANK) | outside, f"ca3cli/{entry} belongs in core/, edges/, operations/ or commands/"


# Every file ca3 writes or removes goes through ca3cli/edges/files.py (inside its folder, no link followed, atomic).
FILE_DOOR = Path("edges") / "files.py"
PATH_WRITES = {"write_text", "write_bytes", "unlink", "rmdir", "mkdir", "touch", "chmod", "lchmod", "symlink_to",
               "hardlink_to", "rename"}
OS_WRITES = {"open", "remove", "unlink", "rmdir", "mkdir", "makedirs", "rename", "renames", "replace", "chmod",
             "fchmod", "lchmod", "chown", "truncate", "link", "symlink", "mkfifo", "utime", "removedirs"}
SHUTIL_WRITES = {"copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree", "copymode", "copystat"}
TEMPFILE_WRITES = {"mkstemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"}
WRITE_MODES = set("wax+")


def _mode_of(call: ast.Call, position: int) -> str | None:
    """The constant mode of an open() call (positional `position` or mode=), None when there is none."""
    args = [*call.args[position:position + 1], *[k.value for k in call.keywords if k.arg == "mode"]]
    return args[0].value if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str) else None


def _bytes_buffers(tree: ast.AST) -> set[str]:
    """Names bound to io.BytesIO() in a module: a figure saved there stays in memory."""
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) in ("io.BytesIO", "BytesIO")
            for target in node.targets if isinstance(target, ast.Name)}


def _file_write(call: ast.Call, buffers: set[str]) -> str | None:
    """What `call` does to a file outside the door, or None."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "open" and set(_mode_of(call, 1) or "") & WRITE_MODES:
        return "open(..., write mode)"
    if not isinstance(func, ast.Attribute):
        return None
    owner = ast.unparse(func.value)
    name = func.attr
    if owner == "files":  # the door itself (ca3cli.edges.files)
        return None
    if owner == "os":
        return f"os.{name}" if name in OS_WRITES else None
    if owner == "shutil":
        return f"shutil.{name}" if name in SHUTIL_WRITES else None
    if owner == "tempfile":
        return f"tempfile.{name}" if name in TEMPFILE_WRITES else None
    if name == "open" and set(_mode_of(call, 0) or "") & WRITE_MODES:
        return ".open(..., write mode)"
    if name == "savefig" and not (call.args and isinstance(call.args[0], ast.Name) and call.args[0].id in buffers):
        return ".savefig(a path)"
    if name == "replace" and len(call.args) == 1 and not call.keywords:  # Path.replace(target); str.replace has two
        return ".replace(target)"
    return f".{name}()" if name in PATH_WRITES else None


def direct_writes(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package) == FILE_DOOR:
            continue
        tree = ast.parse(path.read_text())
        buffers = _bytes_buffers(tree)
        for node in ast.walk(tree):
            what = _file_write(node, buffers) if isinstance(node, ast.Call) else None
            if what is not None:
                found.append(f"{path.relative_to(package)}:{node.lineno} {what}")
    return found


def test_only_the_file_door_writes_or_removes_files() -> None:
    assert direct_writes(PACKAGE) == []


WRITES = {
    "path.write_text('x')": ".write_text()", "path.unlink()": ".unlink()", "folder.mkdir(parents=True)": ".mkdir()",
    "os.open(p, os.O_WRONLY)": "os.open", "os.replace(a, b)": "os.replace", "shutil.copy2(a, b)": "shutil.copy2",
    "open(p, 'w')": "open(..., write mode)", "open(p, mode='a')": "open(..., write mode)",
    "path.open('w')": ".open(..., write mode)", "fig.savefig('out.png')": ".savefig(a path)",
    "partial.replace(mp4)": ".replace(target)", "partial.rename(mp4)": ".rename()",
    "tempfile.mkstemp()": "tempfile.mkstemp", "p.chmod(0o644)": ".chmod()",
}
READS = ["open(p)", "path.open()", "path.read_text()", "text.replace('a', 'b')", "moment.replace(tzinfo=UTC)",
         "buffer = io.BytesIO()\nfig.savefig(buffer)", "shutil.which('kubectl')", "tempfile.TemporaryDirectory()",
         "files.rename(root, 'a', 'b')"]


@pytest.mark.parametrize("code", sorted(WRITES))
def test_the_check_finds_each_kind_of_direct_write(code: str, tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "m.py").write_text(code + "\n")
    assert direct_writes(tmp_path) == [f"core/m.py:1 {WRITES[code]}"]


@pytest.mark.parametrize("code", READS)
def test_the_check_lets_reads_and_memory_through(code: str, tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "m.py").write_text(code + "\n")
    assert direct_writes(tmp_path) == []


HEAVY = ("matplotlib", "playwright", "cryptography", "detect_secrets", "kubernetes_validate", "jsonschema", "jinja2",
         "yaml", "pydantic", "PIL", "pyte")


def test_loading_the_cli_for_help_imports_none_of_the_heavy_libraries() -> None:
    """`ca3 --help` and a typo's usage error stay quick: each heavy library loads in the command that uses it."""
    probe = f"import sys, ca3cli.cli; print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
