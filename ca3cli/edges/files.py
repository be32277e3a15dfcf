"""The one door for every file ca3 writes or removes: only inside a folder it owns, never through a symbolic link,
and replaced atomically (a temporary file in the same folder, fsync, rename), so a crash or a full disk leaves the
old file or the new one, never half of one.

A path is walked part by part from its owned folder through directory descriptors opened with O_NOFOLLOW, so a link
anywhere at or below the owned folder is refused with a sentence naming it, and nothing can swap a folder for a
link between the check and the write. A failure of the system (a full disk, a read-only folder, a vanished file)
is one sentence (FileError, exit 2), never a traceback. tests/core/test_layers.py keeps every other module of
ca3cli from writing files itself.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import Literal, TextIO

from ca3cli.core import owned_paths
from ca3cli.core.errors import FileError

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
PUBLIC_FILE = 0o644
EXECUTABLE = 0o755
TEMP_SUFFIX = ".ca3-tmp"
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# `.<name>.<8 hex digits>.ca3-tmp`: one pattern for every name, rather than one compiled per file written
_TEMP = re.compile(rf"\.(.+)\.[0-9a-f]{{8}}{re.escape(TEMP_SUFFIX)}", re.DOTALL)
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

# errno -> (why, fix), completing "Cannot <do> <path> because <why>: <fix>, then run the command again."
_REASONS = {
    errno.ENOSPC: ("the disk is full", "free some space"),
    errno.EDQUOT: ("the disk quota is used up", "free some space"),
    errno.EROFS: ("its file system is read-only", "choose a folder on a writable disk"),
    errno.EACCES: ("permission was denied", "check the folder's owner and permissions, or choose another folder"),
    errno.EPERM: ("the operation is not permitted", "check the folder's owner and permissions"),
    errno.ENOENT: ("it (or its folder) vanished while ca3 was using it", "check that nothing else removes it"),
    errno.ENAMETOOLONG: ("its name is too long", "choose a shorter folder"),
    errno.ENOTDIR: ("a part of its path is a file, not a folder", "choose another folder"),
}

Kind = Literal["missing", "file", "link", "folder", "other"]


@dataclass(frozen=True)
class Found:
    """What is at a path below an owned folder, looked at without following links; `sha256` only for a file."""

    kind: Kind
    sha256: str | None = None
    where: Path | None = None  # the link or non-folder met on the way, when that is what stopped the look


def failure(exc: OSError, path: Path, doing: str = "write") -> FileError:
    """`exc` as one sentence about `path`: what failed, why, and the fix."""
    why, fix = _REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "check that path"))
    return FileError(f"Cannot {doing} {path} because {why}: {fix}, then run the command again.")


def _link_refusal(path: Path, target: str) -> FileError:
    return FileError(f"{path} is a symbolic link (to {target}) and ca3 never writes or removes through a link: replace "
                     "it with a real file or folder, or choose another folder, then run the command again.")


def _not_folder(path: Path) -> FileError:
    return FileError(f"{path} is not a folder, but ca3 needs a folder there: move it away, or choose another folder, "
                     "then run the command again.")


def _relative(relative: str | PurePath) -> PurePosixPath:
    try:
        return owned_paths.relative(relative)
    except ValueError as exc:
        raise FileError(f"ca3 refused to touch a path outside its folder because {exc}: this is a bug in ca3, please "
                        "report it with the command you ran.") from None


def _lstat(fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _refusal(fd: int, name: str, path: Path, exc: OSError, doing: str) -> FileError:
    """Why opening `name` as a folder failed: a link or a file in the way, else the system's reason."""
    found = _lstat(fd, name)
    if found is not None and stat.S_ISLNK(found.st_mode):
        return _link_refusal(path, os.readlink(name, dir_fd=fd))
    if found is not None and not stat.S_ISDIR(found.st_mode):
        return _not_folder(path)
    return failure(exc, path, doing)


def _open_root(root: Path, create: bool, doing: str) -> int:
    """A descriptor of the owned folder itself, which must not be a link; made (with its parents) when `create`."""
    if create and not root.is_dir():
        try:
            os.makedirs(root, exist_ok=True)
        except FileExistsError:
            pass  # a link or a file: said below
        except OSError as exc:
            raise failure(exc, root, doing) from None
    try:
        return os.open(root, _FOLDER)
    except OSError as exc:
        if root.is_symlink():
            raise _link_refusal(root, os.readlink(root)) from None
        if exc.errno == errno.ENOTDIR:
            raise _not_folder(root) from None
        raise failure(exc, root, doing) from None


class _Missing(Exception):
    """A folder on the way does not exist (and was not to be made)."""


@contextlib.contextmanager
def _folders(root: Path, parts: tuple[str, ...], *, create: bool, mode: int | None,
             doing: str) -> Iterator[list[int]]:
    """Descriptors of root and of each folder `parts` names below it, opened without following a link; folders are
    made when `create`, and set to `mode` (made or found) when it is given."""
    fds = [_open_root(root, create, doing)]
    try:
        for index, part in enumerate(parts):
            here = root.joinpath(*parts[:index + 1])
            try:
                if create and _lstat(fds[-1], part) is None:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, PRIVATE_FOLDER if mode is not None else 0o777, dir_fd=fds[-1])
                fds.append(os.open(part, _FOLDER, dir_fd=fds[-1]))
            except FileNotFoundError:
                if create:
                    raise FileError(f"{here} vanished while ca3 was making it: check that nothing else removes it, "
                                    "then run the command again.") from None
                raise _Missing from None
            except OSError as exc:
                raise _refusal(fds[-1], part, here, exc, doing) from None
            if mode is not None:
                os.fchmod(fds[-1], mode)
        yield fds
    finally:
        for fd in fds:
            os.close(fd)


def _check_target(fd: int, name: str, path: Path) -> None:
    """The file to be replaced may be a file or absent; never a link, a folder or anything else."""
    found = _lstat(fd, name)
    if found is None or stat.S_ISREG(found.st_mode):
        return
    if stat.S_ISLNK(found.st_mode):
        raise _link_refusal(path, os.readlink(name, dir_fd=fd))
    raise FileError(f"{path} is not a file, but ca3 writes a file there: move it away, then run the command again.")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _discard(fd: int, name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=fd)


def _sweep(fd: int, name: str) -> None:
    """Remove the temporary files an earlier write of `name` left when it was killed before its rename."""
    for entry in os.listdir(fd):
        left = _TEMP.fullmatch(entry)
        found = _lstat(fd, entry) if left is not None and left.group(1) == name else None
        if found is not None and stat.S_ISREG(found.st_mode):
            _discard(fd, entry)


def _same(fd: int, name: str, payload: bytes, mode: int) -> bool:
    """True when the file `name` (known to be a regular file or absent) holds exactly `payload` with `mode`."""
    found = _lstat(fd, name)
    if found is None or stat.S_IMODE(found.st_mode) != mode or found.st_size != len(payload):
        return False
    with os.fdopen(os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd), "rb") as handle:
        return handle.read() == payload


def _replace(root: Path, rel: PurePosixPath, payload: bytes, *, mode: int, folder_mode: int | None,
             mtime: float | None, durable: bool, keep_same: bool) -> bool:
    """Replace root/rel atomically (see write); with `keep_same`, not when it already holds `payload` with `mode`.
    True when the file was written."""
    target = root / rel
    try:
        with _folders(root, rel.parts[:-1], create=True, mode=folder_mode, doing="write") as fds:
            folder = fds[-1]
            _check_target(folder, rel.name, target)
            _sweep(folder, rel.name)
            if keep_same and _same(folder, rel.name, payload, mode):
                return False
            temp = f".{rel.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
            fd = os.open(temp, _NEW, mode, dir_fd=folder)
            try:
                try:
                    os.fchmod(fd, mode)  # the mode asked for, whatever the umask
                    _write_all(fd, payload)
                    if mtime is not None:
                        os.utime(fd, (mtime, mtime))
                    if durable:
                        os.fsync(fd)
                finally:
                    os.close(fd)
                os.rename(temp, rel.name, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                _discard(folder, temp)
                raise
            if durable:
                with contextlib.suppress(OSError):  # some file systems cannot fsync a folder; the rename is done
                    os.fsync(folder)
    except OSError as exc:
        raise failure(exc, target) from None
    return True


def _payload(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def write(root: Path, relative: str | PurePath, data: str | bytes, *, mode: int = PUBLIC_FILE,
          folder_mode: int | None = None, mtime: float | None = None, durable: bool = True) -> Path:
    """Replace root/relative atomically with `data` (text as UTF-8) and file `mode`; the folders on the way are made,
    and with `folder_mode` set to it whether made or found (private folders stay private). `mtime` keeps a copy's
    time. `durable=False` skips the fsyncs, for a scratch copy in a temporary folder that no crash needs to keep.
    Returns the path written."""
    rel = _relative(relative)
    _replace(root, rel, _payload(data), mode=mode, folder_mode=folder_mode, mtime=mtime, durable=durable,
             keep_same=False)
    return root / rel


def update(root: Path, relative: str | PurePath, data: str | bytes, *, mode: int = PUBLIC_FILE,
           folder_mode: int | None = None) -> bool:
    """write(), except that a file already holding exactly `data` with `mode` is left as it is (not written, not
    synced, its time kept), e.g. the manifests a render makes again. True when the file was written."""
    return _replace(root, _relative(relative), _payload(data), mode=mode, folder_mode=folder_mode, mtime=None,
                    durable=True, keep_same=True)


def copy(source_root: Path, source: str | PurePath, root: Path, relative: str | PurePath, *,
         mode: int = PUBLIC_FILE) -> Path | None:
    """root/relative replaced atomically by the bytes of source_root/source (read without following a link, so a
    committed link cannot pull a file from elsewhere into a submission), keeping its modification time; None when
    the source does not exist."""
    found = _read(source_root, source)
    if found is None:
        return None
    data, mtime = found
    return write(root, relative, data, mode=mode, mtime=mtime)


def append(root: Path, relative: str | PurePath, text: str, *, mode: int = PRIVATE_FILE) -> Path:
    """Add `text` to the end of root/relative (made with `mode`, and set to it), for a log written as a run goes."""
    fd, target = _open_in_place(root, relative, os.O_APPEND, mode)
    try:
        os.fchmod(fd, mode)
        _write_all(fd, text.encode("utf-8"))
    except OSError as exc:
        raise failure(exc, target) from None
    finally:
        os.close(fd)
    return target


def open_new(root: Path, relative: str | PurePath, *, mode: int = PUBLIC_FILE) -> TextIO:
    """root/relative emptied (or made) and open for text written as it comes, e.g. a recording of a session."""
    fd, _ = _open_in_place(root, relative, os.O_TRUNC, mode)
    return os.fdopen(fd, "w", encoding="utf-8")


def _open_in_place(root: Path, relative: str | PurePath, flag: int, mode: int) -> tuple[int, Path]:
    """root/relative opened for writing in place (made with `mode` when missing; `flag` says append or truncate),
    its folders made on the way, never through a link: for files written as a run goes, not replaced whole."""
    rel = _relative(relative)
    target = root / rel
    try:
        with _folders(root, rel.parts[:-1], create=True, mode=None, doing="write") as fds:
            _check_target(fds[-1], rel.name, target)
            return os.open(rel.name, os.O_WRONLY | flag | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode,
                           dir_fd=fds[-1]), target
    except OSError as exc:
        raise failure(exc, target) from None


def folder(root: Path, relative: str | PurePath = "", *, mode: int | None = None) -> Path:
    """Make sure root/relative is a real folder (made when missing, never a link); with `mode`, each folder below
    root on the way is set to it. Returns the folder."""
    rel = _relative(relative) if str(relative) not in ("", ".") else PurePosixPath()
    try:
        with _folders(root, rel.parts, create=True, mode=mode, doing="make"):
            pass
    except OSError as exc:
        raise failure(exc, root / rel, "make") from None
    return root / rel


def _check_private(fd: int, path: Path) -> None:
    """The folder or file open as `fd` must belong to this user and be writable by no one else."""
    found = os.fstat(fd)
    if found.st_uid != os.getuid() or found.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise FileError(f"{path} belongs to another user or others can write to it, so ca3 does not trust what it "
                        "holds: remove it (ca3 makes it again), then run the command again.")


def _read(root: Path, relative: str | PurePath, private: bool = False) -> tuple[bytes, float] | None:
    """The bytes and modification time of root/relative, None when it (or a folder on the way) does not exist; with
    `private`, root, each folder on the way and the file must be this user's and writable by no one else."""
    rel = _relative(relative)
    target = root / rel
    if not root.exists() and not root.is_symlink():
        return None
    try:
        with _folders(root, rel.parts[:-1], create=False, mode=None, doing="read") as fds:
            _check_target(fds[-1], rel.name, target)
            try:
                fd = os.open(rel.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fds[-1])
            except FileNotFoundError:
                return None
            with os.fdopen(fd, "rb") as handle:
                if private:
                    for index, opened in enumerate([*fds, handle.fileno()]):
                        _check_private(opened, root.joinpath(*rel.parts[:index]))
                return handle.read(), os.fstat(handle.fileno()).st_mtime
    except _Missing:
        return None
    except OSError as exc:
        raise failure(exc, target, "read") from None


def read(root: Path, relative: str | PurePath, *, private: bool = False) -> bytes | None:
    """The bytes of root/relative, None when it (or a folder on the way) does not exist; a link is refused. With
    `private` (what ca3 will run, e.g. a compiled template), a folder or file another user could have written is
    refused too."""
    found = _read(root, relative, private)
    return None if found is None else found[0]


def look(root: Path, relative: str | PurePath) -> Found:
    """What is at root/relative, without following a link and without changing anything."""
    rel = _relative(relative)
    if not root.is_dir() or root.is_symlink():
        return Found("link", where=root) if root.is_symlink() else Found("missing")
    fd = os.open(root, _FOLDER)
    try:
        for index, part in enumerate(rel.parts):
            found = _lstat(fd, part)
            here = root.joinpath(*rel.parts[:index + 1])
            last = index == len(rel.parts) - 1
            if found is None:
                return Found("missing")
            if stat.S_ISLNK(found.st_mode):
                return Found("link", where=here)
            if last and stat.S_ISREG(found.st_mode):
                with os.fdopen(os.open(part, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd), "rb") as handle:
                    return Found("file", owned_paths.digest(handle.read()))
            if last:
                return Found("folder" if stat.S_ISDIR(found.st_mode) else "other")
            if not stat.S_ISDIR(found.st_mode):
                return Found("other", where=here)
            child = os.open(part, _FOLDER, dir_fd=fd)
            os.close(fd)
            fd = child
        return Found("folder")
    except OSError as exc:
        raise failure(exc, root / rel, "read") from None
    finally:
        os.close(fd)


def remove(root: Path, relative: str | PurePath) -> list[Path]:
    """Delete the file root/relative (never a link or a folder; nothing when it is gone already), then each folder
    on its way that it leaves empty, up to but never root itself. Returns what was removed."""
    rel = _relative(relative)
    target = root / rel
    removed: list[Path] = []
    try:
        with _folders(root, rel.parts[:-1], create=False, mode=None, doing="remove") as fds:
            found = _lstat(fds[-1], rel.name)
            if found is None:
                return removed
            if not stat.S_ISREG(found.st_mode):
                _check_target(fds[-1], rel.name, target)
            os.unlink(rel.name, dir_fd=fds[-1])
            removed.append(target)
            for depth in range(len(rel.parts) - 1, 0, -1):
                try:
                    os.rmdir(rel.parts[depth - 1], dir_fd=fds[depth - 1])
                except OSError:
                    break  # not empty (or not ours to judge): stop climbing
                removed.append(root.joinpath(*rel.parts[:depth]))
    except _Missing:
        return removed
    except OSError as exc:
        raise failure(exc, target, "remove") from None
    return removed


def rename(root: Path, source: str | PurePath, target: str | PurePath) -> Path:
    """Move the file root/source over root/target (both in root's folders, neither a link), e.g. a finished video
    made under a temporary name."""
    src, dst = _relative(source), _relative(target)
    try:
        with (_folders(root, src.parts[:-1], create=False, mode=None, doing="rename") as src_fds,
              _folders(root, dst.parts[:-1], create=True, mode=None, doing="write") as dst_fds):
            _check_target(src_fds[-1], src.name, root / src)
            _check_target(dst_fds[-1], dst.name, root / dst)
            os.rename(src.name, dst.name, src_dir_fd=src_fds[-1], dst_dir_fd=dst_fds[-1])
    except _Missing:
        raise FileError(f"{root / src} vanished before ca3 could move it: run the command again.") from None
    except OSError as exc:
        raise failure(exc, root / dst) from None
    return root / dst


def discard(root: Path, relative: str | PurePath) -> None:
    """Remove the file root/relative if it is there (a temporary file after a failure); never a link or a folder."""
    with contextlib.suppress(FileError):
        remove(root, relative)


def private_folder(path: Path) -> Path:
    """`path` as a folder only its owner can enter (0700, made or found), checked from its parent so that neither
    it nor its parent is a link (e.g. .ca3/ and .ca3/secrets/)."""
    return folder(path.parent, path.name, mode=PRIVATE_FOLDER)


def set_mode(root: Path, relative: str | PurePath, mode: int) -> None:
    """Set the mode of the file root/relative (never through a link), e.g. a kept secret back to 0600."""
    rel = _relative(relative)
    target = root / rel
    try:
        with _folders(root, rel.parts[:-1], create=False, mode=None, doing="change") as fds:
            _check_target(fds[-1], rel.name, target)
            fd = os.open(rel.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fds[-1])
            try:
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
    except _Missing:
        raise FileError(f"{target} vanished while ca3 was using it: run the command again.") from None
    except OSError as exc:
        raise failure(exc, target, "change the mode of") from None
