"""Atomic, deterministic file writes.

A file is written to a temporary file in the same folder, flushed to disk and renamed over the
target, so an interrupted run never leaves half a file where a good one was. A run's reports are
written into a staging folder that replaces the report folder as one set (:class:`OutputDir`),
so the folder never holds files of two runs; inside it a file is written in place (the folder
as a whole is the unit that appears or not) and the folder is flushed to disk once, before it
replaces the reports, instead of file by file (a language's review pages and drafts are about
450 files: flushing each cost a re-run 2-3 s).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_STAGES: list[str] = []  # the open OutputDirs' staging folders (forked workers inherit them)


def _in_stage(path: Path) -> bool:
    full = os.path.abspath(path)
    return any(os.path.commonpath([full, s]) == s for s in _STAGES)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = "\n") -> Iterator[IO]:
    """Open a temporary file beside `path`; on success flush it to disk and rename it over
    `path`. Inside an :class:`OutputDir`'s staging folder the file is written in place (and
    removed again if writing fails): the folder is flushed and committed as one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    binary = "b" in mode
    if _STAGES and _in_stage(path):
        try:
            with (open(path, mode) if binary else open(path, mode, encoding=encoding, newline=newline)) as fh:
                yield fh
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            raise
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        with (os.fdopen(fd, mode) if binary else os.fdopen(fd, mode, encoding=encoding, newline=newline)) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def is_regular(path: str | os.PathLike) -> bool:
    """A regular file (a link to one counts): a pipe or device would hang a read or never end it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_regular(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file (a link to one counts). A pipe or a device (/dev/zero, a
    terminal) would hang a read or never end it, so it is an InputError, as is a missing file."""
    from pipeline.errors import InputError

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as e:
        raise InputError(path, f"cannot read file: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(path, "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a pipe or a device)")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise InputError(path, f"cannot read file: {e.strerror or e}") from None


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def iter_jsonl(text: str, where: str, what: str = "a JSON object") -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; InputError naming the line otherwise."""
    from pipeline.errors import InputError

    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{where}:{n}", f"invalid JSON: {e.msg}") from None
        except RecursionError:
            raise InputError(f"{where}:{n}", "invalid JSON: nested too deeply") from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}:{n}", f"each line must be {what}")
        yield n, obj




# --- run-level atomicity ------------------------------------------------------------------------

MANIFEST = ".sfia-qa-manifest.json"


class OutputDir:
    """A report folder written as one set: ``with OutputDir(out) as stage:`` gives a staging
    folder beside ``out`` to write into; on success the staging folder replaces ``out`` in one
    step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames), so ``out`` holds either
    the previous run's complete set or this run's, never a mix. On failure the staging folder is
    removed and ``out`` is left as it was.

    A lock file beside ``out`` (``.<name>.lock``, released by the kernel when the process ends)
    keeps a second run from writing into the same folder at the same time: it exits 2 with one
    line. Files in ``out`` that no run wrote (a ``.gitkeep``, a reviewer's own file) are carried
    over; files an earlier run wrote and this one did not (a language no longer present) go.
    """

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.stage: Path | None = None
        self._lock_fd: int | None = None

    def __enter__(self) -> Path:
        from pipeline.errors import ConfigError

        # a symlinked report folder: the reports go where it points, and the link stays
        out = self.out = Path(os.path.realpath(self.out))
        if out.parent == out:
            raise ConfigError(out, "the report folder cannot be the root folder: choose a folder of its own")
        here = Path(os.path.realpath("."))
        if out == here or out in here.parents or (out / ".git").exists():
            raise ConfigError(out, "the report folder holds the current folder or a repository, and a run "
                                   "replaces its folder as a whole: choose a folder of the reports' own")
        if out.exists() and not out.is_dir():
            raise ConfigError(out, "the report folder is a file (or a device), not a folder: choose another --out")
        if out.is_dir() and not _replaceable(out):
            raise ConfigError(out, "this folder holds files and is not a report folder (it has no "
                                   f"{MANIFEST}), and a run replaces its folder as a whole: choose a new "
                                   "or empty folder, or one an earlier run wrote")
        parent = out.parent if str(out.parent) else Path(".")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(out, f"cannot create the report folder: {e.strerror or e}") from None
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(out, f"cannot write in {parent}: permission denied; choose another --out")
        self._lock(parent)
        for old in parent.glob(f".{out.name}.staging-*"):
            shutil.rmtree(old, ignore_errors=True)  # left by a killed run: we hold the lock now
        try:
            self.stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=parent))
            os.chmod(self.stage, 0o777 & ~_umask())
            _STAGES.append(os.path.abspath(self.stage))
        except OSError as e:
            self._unlock()
            raise ConfigError(out, f"cannot write reports beside {out}: {e.strerror or e}") from None
        return self.stage

    def __exit__(self, exc_type, exc, tb):
        assert self.stage is not None
        with contextlib.suppress(ValueError):
            _STAGES.remove(os.path.abspath(self.stage))
        try:
            if exc_type is None:
                try:
                    self._commit()
                except BaseException as e:
                    shutil.rmtree(self.stage, ignore_errors=True)
                    if not isinstance(e, OSError) or e.errno is None:
                        raise
                    from pipeline.errors import ConfigError

                    raise ConfigError(self.out, f"cannot write the reports: {e.strerror or e}") from None
            else:
                shutil.rmtree(self.stage, ignore_errors=True)
        finally:
            self._unlock()
        return False

    def _commit(self) -> None:
        import json

        assert self.stage is not None
        out, stage = self.out, self.stage
        written = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
        if out.is_dir():
            _carry_over(out, stage, _manifest(out))
        write_text(stage / MANIFEST, json.dumps({"files": written}, indent=0) + "\n")
        _flush_tree(stage)  # every file on disk before the folder takes the reports' place
        if out.is_dir():
            if not _exchange(stage, out):
                old = out.with_name(f".{out.name}.old-{os.getpid()}")
                os.replace(out, old)
                os.replace(stage, out)
                stage = old
            shutil.rmtree(stage, ignore_errors=True)
        else:
            os.replace(stage, out)
        _fsync_dir(out.parent if str(out.parent) else Path("."))

    def _lock(self, parent: Path) -> None:
        import fcntl

        from pipeline.errors import ConfigError

        path = parent / f".{self.out.name}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ConfigError(self.out, "another sfia-qa run is writing reports to this folder; wait for it to "
                                        "finish (or choose another --out)") from None
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None


# What a new report folder may hold before its first run (kept, as any file no run wrote).
_PLACEHOLDERS = {".gitkeep", ".gitignore", ".keep"}


def _replaceable(out: Path) -> bool:
    """Whether a run may replace ``out`` with a copy plus its reports: a folder an earlier run
    wrote (its manifest says so), or one that holds nothing but placeholders (``.gitkeep``, a
    README). Anything else (a home folder, a project, a corpus folder) is somebody's."""
    if (out / MANIFEST).is_file():
        return True
    try:
        with os.scandir(out) as it:
            return all(e.name in _PLACEHOLDERS or (e.name.upper().startswith("README") and e.is_file(follow_symlinks=False))
                       for e in it)
    except OSError:
        return False


def _carry_over(out: Path, stage: Path, ours: set[str]) -> None:
    """Copy into ``stage`` what is in ``out`` that no run wrote, as it is: files with their modes
    and times, folders (empty ones too) with their modes, symbolic links as links (never what
    they point to), named pipes as pipes. Anything else (a socket, a device) cannot be copied:
    the run stops with exit 2 before ``out`` is touched."""
    from pipeline.errors import ConfigError

    # folders an earlier run made (they hold its files): this run makes its own, or none
    our_dirs = {parent for rel in ours for parent in Path(rel).parents if str(parent) != "."}
    folders: list[tuple[Path, Path]] = []
    for root, dirs, files in os.walk(out):
        for name in sorted(dirs) + sorted(files):
            src = Path(root) / name
            rel = src.relative_to(out).as_posix()
            dst = stage / rel
            if rel == MANIFEST or rel in ours:
                continue
            st = os.lstat(src)
            if stat.S_ISDIR(st.st_mode):
                if Path(rel) not in our_dirs:
                    dst.mkdir(parents=True, exist_ok=True)
                    folders.append((src, dst))
            elif os.path.lexists(dst):
                continue  # this run wrote it
            elif stat.S_ISLNK(st.st_mode):
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(os.readlink(src), dst)
            elif stat.S_ISREG(st.st_mode):
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
            elif stat.S_ISFIFO(st.st_mode):
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.mkfifo(dst, stat.S_IMODE(st.st_mode))
            else:
                raise ConfigError(src, "the report folder holds a socket or device file, which a run cannot "
                                       "carry over: move it out of the report folder")
    for src, dst in reversed(folders):  # modes last, innermost first: a read-only folder is filled by then
        shutil.copystat(src, dst, follow_symlinks=False)


def _manifest(out: Path) -> set[str]:
    import json

    try:
        return set(json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("files", []))
    except (OSError, ValueError, AttributeError):
        return set()


def _flush_tree(folder: Path) -> None:
    """Flush everything written into ``folder`` to disk; an error (a full disk, an I/O error met
    while writing back) is raised as OSError. Linux: one ``syncfs`` of the folder's file system,
    which reports write-back errors since Linux 5.8; elsewhere an fsync of each file and folder."""
    if _syncfs(folder):
        return
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def libc_function(name: str):
    """The C library's function ``name`` (errno kept for ctypes.get_errno), or None off Linux or
    where the C library lacks it (``malloc_trim`` is glibc's only). Looked up among the symbols
    the interpreter already has, so no ``ldconfig`` is run to find the library."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None


def _syncfs(folder: Path) -> bool:
    """``syncfs(2)`` on ``folder``'s file system; False when the platform has none."""
    import ctypes

    fn = libc_function("syncfs")
    if fn is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        if fn(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(folder))
    finally:
        os.close(fd)
    return True


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    fn = libc_function("renameat2")
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange)
    return rc == 0
