"""ca3cli/edges/template_cache.py: compiled templates kept in the user's cache folder are loaded instead of compiled,
only from folders and files no one else can write, never through a link, and anything wrong with them means the
templates are compiled again, with the same manifests."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest

from ca3cli.core import registry, render, template_values
from ca3cli.core.settings import Settings
from ca3cli.edges import template_cache, user_cache
from tests.files.conftest import Run, snapshot

Rendering = Callable[[Path | None], tuple[list[str], int]]
new_environment = render.environment.__wrapped__  # what a new process builds (tests set the process's one aside)


@pytest.fixture
def rendering(monkeypatch: pytest.MonkeyPatch) -> Rendering:
    """`rendering(home)`: the texts of milestone 9 rendered by a new process's Jinja with its cache in `home` (None: no
    cache), and how many templates it compiled rather than loaded."""

    def run(home: Path | None) -> tuple[list[str], int]:
        env = new_environment()
        template_cache.attach(env, {} if home is None else {"XDG_CACHE_HOME": str(home)})
        compiled: list[str] = []
        real = env.compile

        def counting(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
            compiled.append(str(name))
            return real(source, name, *args, **kwargs)

        monkeypatch.setattr(env, "compile", counting)
        monkeypatch.setattr(render, "environment", lambda: env)
        manifests = render.render(Settings(), template_values.placeholders(), registry.HIGHEST)
        return [m.text for m in manifests], len(compiled)

    return run


@pytest.fixture
def plain(rendering: Rendering) -> tuple[list[str], int]:
    """Milestone 9 rendered without a cache: the texts every cached render must match, and how many it compiled."""
    texts, compiled = rendering(None)
    assert compiled > 10
    return texts, compiled


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_second_run_loads_every_template_the_first_compiled(tmp_path: Path, rendering: Rendering,
                                                              plain: tuple[list[str], int]) -> None:
    assert rendering(tmp_path) == plain  # the first run compiles each template and keeps it
    kept = tmp_path / "ca3" / template_cache.FOLDER
    assert len(list(kept.iterdir())) == plain[1]
    assert {_mode(p) for p in kept.iterdir()} == {0o600}
    assert (_mode(tmp_path / "ca3"), _mode(kept)) == (0o700, 0o700)
    assert rendering(tmp_path) == (plain[0], 0)


def _loosen_home(home: Path) -> int:
    home.chmod(0o777)
    return 0  # nothing loaded


def _loosen_folder(home: Path) -> int:
    (home / "ca3" / template_cache.FOLDER).chmod(0o770)
    return 1  # the first; keeping it makes the folder private again, and each file in it is checked to be this user's


def _loosen_file(home: Path) -> int:
    next((home / "ca3" / template_cache.FOLDER).iterdir()).chmod(0o666)
    return 1  # that one template compiled again


# What is made writable by others, and how many templates the next run compiles (0: every one).
LOOSE: dict[str, Callable[[Path], int]] = {"the cache home is writable by others": _loosen_home,
                                           "the cache folder is writable by its group": _loosen_folder,
                                           "one file is writable by others": _loosen_file}


@pytest.mark.parametrize("case", sorted(LOOSE))
def test_what_another_user_could_have_written_is_compiled_again(case: str, tmp_path: Path, rendering: Rendering,
                                                                  plain: tuple[list[str], int]) -> None:
    rendering(tmp_path)
    refused = LOOSE[case](tmp_path)
    texts, compiled = rendering(tmp_path)
    assert texts == plain[0]
    assert compiled == (refused or plain[1])


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_file_another_user_owns_is_compiled_again(tmp_path: Path, rendering: Rendering,
                                                    plain: tuple[list[str], int]) -> None:
    rendering(tmp_path)
    os.chown(next((tmp_path / "ca3" / template_cache.FOLDER).iterdir()), 65534, 65534)
    assert rendering(tmp_path) == (plain[0], 1)


@pytest.mark.parametrize("where", ["ca3", "ca3/templates"])
def test_nothing_is_loaded_or_written_through_a_link_in_the_cache(where: str, tmp_path: Path, rendering: Rendering,
                                                                  plain: tuple[list[str], int]) -> None:
    home = tmp_path / "cache"
    rendering(home)
    planted = tmp_path / "elsewhere"
    (home / where).rename(planted)  # the compiled files a link now points to
    (home / where).symlink_to(planted)
    before = snapshot(planted)
    assert rendering(home) == plain  # compiled, not loaded through the link
    assert snapshot(planted) == before and (home / where).is_symlink()


def test_torn_or_foreign_files_are_compiled_again(tmp_path: Path, rendering: Rendering,
                                                  plain: tuple[list[str], int]) -> None:
    rendering(tmp_path)
    for index, path in enumerate(sorted((tmp_path / "ca3" / template_cache.FOLDER).iterdir())):
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2] if index % 2 else os.urandom(len(data)))
    assert rendering(tmp_path) == plain
    assert rendering(tmp_path) == (plain[0], 0)  # written whole again


def test_a_cache_that_cannot_be_made_stops_nothing(tmp_path: Path, rendering: Rendering,
                                                   plain: tuple[list[str], int]) -> None:
    (tmp_path / "ca3").write_text("not a folder\n")
    assert rendering(tmp_path) == plain
    assert rendering(tmp_path) == plain
    assert (tmp_path / "ca3").read_text() == "not a folder\n"


@pytest.mark.parametrize(("environ", "home"), [
    ({"XDG_CACHE_HOME": "/somewhere/cache", "HOME": "/home/u"}, "/somewhere/cache"),
    ({"XDG_CACHE_HOME": "", "HOME": "/home/u"}, "/home/u/.cache"),
    ({"XDG_CACHE_HOME": "relative/cache", "HOME": "/home/u"}, "/home/u/.cache"),  # the specification ignores it
    ({"HOME": "/home/u"}, "/home/u/.cache"),
    ({"HOME": "relative"}, None),
    ({}, None),
])
def test_the_cache_home_is_the_xdg_one(environ: dict[str, str], home: str | None) -> None:
    assert user_cache.home(environ) == (None if home is None else Path(home))


def test_the_key_changes_with_what_compiled_code_depends_on(monkeypatch: pytest.MonkeyPatch) -> None:
    env = new_environment()
    base = template_cache.fingerprint(env)
    assert template_cache.fingerprint(new_environment()) == base
    changed = {"trim_blocks": jinja2.Environment(loader=env.loader, **{**render.OPTIONS, "trim_blocks": False})}
    extra = new_environment()
    extra.filters["another"] = str
    changed["a filter"] = extra
    for name, other in changed.items():
        assert template_cache.fingerprint(other) != base, name
    monkeypatch.setattr(jinja2, "__version__", "0.0.1")
    assert template_cache.fingerprint(env) != base


def test_ca3_render_keeps_its_compiled_templates_in_the_users_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ca3: Callable[..., Run]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(render, "environment", functools.cache(new_environment))  # a new process's
    assert ca3("render", "-m", "1").code == 0
    assert len(list((tmp_path / "cache" / "ca3" / template_cache.FOLDER).glob("*.cache"))) > 10
