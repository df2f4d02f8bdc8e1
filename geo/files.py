"""Files written whole or not at all (the road-graph cache, and above it plans and models),
and a file's digest (the one owner of how a file is hashed: the graph cache's key, the model
registry's and the county map files' checks, backups)."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

__all__ = ["file_sha256", "write_atomically"]


def write_atomically(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file renamed over it.

    A crash never leaves a half-written file next to a good one, and the temporary name is
    this writer's own (not the process id: a server's threads share one), so two writers
    of one path, processes or threads, cannot interleave their bytes; the last rename wins.
    The file gets the permissions the umask gives a new file.

    Parameters
    ----------
    path : str or Path
        The file; its folder is created if missing.
    data : bytes

    Returns
    -------
    pathlib.Path
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f"{p.name}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("xb") as f:
            f.write(data)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes (hex), read a megabyte at a time (a model or a road
    network is tens of megabytes).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
    """
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
