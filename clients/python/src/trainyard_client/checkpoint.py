"""Unpacking a checkpoint's tar archive as it streams in, all or nothing (``Client.save_checkpoint``).

The archive is unpacked into a scratch directory inside the destination, and its top entries are
moved into the destination only once the whole stream was read without an error: DATA_LOSS (which
comes after the last piece), ABORTED, an unsafe member or a broken archive leave nothing behind
but the destination directory itself. An entry already in the destination is never replaced.

Members are extracted with tarfile's ``"data"`` filter where the Python has one (3.8.17, 3.9.17,
3.10.12, 3.11.4 and later); on older ones :func:`_checked` applies the same rules that matter
here: nothing absolute, no ``..``, no link or write through a link out of the destination, no
device files, no set-id bits, and files owned by whoever unpacks them.
"""
from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from typing import Iterable, Iterator, List, Union

#: Whether this Python's tarfile has extraction filters (``filter="data"``).
_DATA_FILTER = hasattr(tarfile, "data_filter")

PathLike = Union[str, "os.PathLike[str]"]


def unpack_into(directory: PathLike, pieces: Iterable[bytes]) -> List[str]:
    """Unpacks the tar archive ``pieces`` make, in order, into ``directory`` (created if missing)
    and returns the paths of the entries placed there (a checkpoint has one: its directory, under
    its base name). Reads ``pieces`` to the end even after the end-of-archive marker, so an error
    that comes last is raised. Raises what ``pieces`` raises, ``tarfile.TarError`` for a broken
    or unsafe archive, ``FileExistsError`` when an entry is already in ``directory``; in every
    case nothing new is left in ``directory``."""
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".trainyard-unpack-", dir=directory)
    source = iter(pieces)
    try:
        reader = io.BufferedReader(_PieceReader(source), 1 << 20)
        with tarfile.open(fileobj=reader, mode="r|") as tf:
            _extract_all(tf, scratch)
        while reader.read(1 << 20):  # what follows the end-of-archive marker (and any error)
            pass
        entries = sorted(os.listdir(scratch))
        taken = [os.path.join(directory, e) for e in entries if os.path.lexists(os.path.join(directory, e))]
        if taken:
            raise FileExistsError(f"{', '.join(taken)} already exist{'s' if len(taken) == 1 else ''}")
        for e in entries:
            os.rename(os.path.join(scratch, e), os.path.join(directory, e))
        return [os.path.join(directory, e) for e in entries]
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()  # a generator: its call is cancelled
        shutil.rmtree(scratch, ignore_errors=True)


def _extract_all(tf: tarfile.TarFile, dest: str) -> None:
    if _DATA_FILTER:
        tf.extractall(dest, filter="data")  # type: ignore[call-arg]
    else:
        tf.extractall(dest, members=_checked(tf, dest))


def _inside(root: str, path: str) -> bool:
    return os.path.commonpath([root, path]) == root


def _checked(members: Iterable[tarfile.TarInfo], dest: str) -> Iterator[tarfile.TarInfo]:
    """Each member once it is safe to extract into ``dest``, else ``tarfile.ExtractError``.
    Checked one at a time just before extraction, so a symbolic link extracted earlier is
    resolved where it now points."""
    root = os.path.realpath(dest)
    for m in members:
        name = m.name
        if os.path.isabs(name) or name.startswith(("/", "\\")):
            raise tarfile.ExtractError(f"{name!r}: an absolute path")
        if ".." in name.replace("\\", "/").split("/"):
            raise tarfile.ExtractError(f"{name!r}: climbs out with '..'")
        target = os.path.realpath(os.path.join(root, name))
        if not _inside(root, target):
            raise tarfile.ExtractError(f"{name!r}: would be written outside {dest}")
        if m.isdev():
            raise tarfile.ExtractError(f"{name!r}: a device or FIFO")
        if m.issym():
            if os.path.isabs(m.linkname):
                raise tarfile.ExtractError(f"{name!r}: a link to the absolute path {m.linkname!r}")
            if not _inside(root, os.path.realpath(os.path.join(root, os.path.dirname(name), m.linkname))):
                raise tarfile.ExtractError(f"{name!r}: a link out of {dest}")
        elif m.islnk():
            if os.path.isabs(m.linkname) or not _inside(root, os.path.realpath(os.path.join(root, m.linkname))):
                raise tarfile.ExtractError(f"{name!r}: a hard link out of {dest}")
        if m.isdir():
            m.mode = (m.mode & 0o755) | 0o700  # the owner may write (and remove) what is inside
        elif m.isreg() or m.islnk():
            m.mode = (m.mode & 0o755) | 0o600
            if not m.mode & 0o100:
                m.mode &= ~0o011
        if hasattr(os, "geteuid"):  # as root, tarfile would chown to the archive's owners
            m.uid, m.gid, m.uname, m.gname = os.geteuid(), os.getegid(), "", ""
        yield m


class _PieceReader(io.RawIOBase):
    """A readable file of the pieces an iterator yields, in order."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._rest:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._rest = memoryview(piece)
        n = min(len(b), len(self._rest))
        b[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n
