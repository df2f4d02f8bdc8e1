"""A plan's travel matrix as the store keeps it: one compressed binary value (revision 0012).

Until revision 0012 the day's matrix was kept as the JSON of
:func:`~countyreach.serialize.matrix_to_dict` (77 MB at 45 officers), and an officer's first
list decoded all of it (base64, zlib, int64 arrays) to keep their own 57 rows of 4,412. The
binary value holds, after a fixed header, the node ids (a zlib'd JSON list: an id may hold
any character) and the two arrays. Each array is little-endian in the narrowest unsigned
type its values fit, kept as one zlib stream a row after a table of where each row's stream
ends, so an officer's rows are read without the others'. :data:`~geo.types.UNREACHABLE`
is kept as the type's largest value, which no travel value kept in that type reaches, so it
comes back exact. An array with a value beyond uint32 is kept as int64.

:func:`pack_matrix` and :func:`unpack_matrix` are the only writer and reader (save_plan,
the plan readers and migration 0012 go through them); the reader checks what it reads and
raises :class:`~countyreach.errors.StoreError` when a value is damaged.
"""

from __future__ import annotations

import json
import struct
import threading
import weakref
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from countyreach.errors import StoreError
from geo.types import UNREACHABLE, TravelMatrix

__all__ = ["FORMAT", "pack_matrix", "unpack_matrix"]

#: The layout written by :func:`pack_matrix` (the header's format byte).
FORMAT = 1
_MAGIC = b"CRMX"
# magic, format, node count, the arrays' type codes; bytes of the ids, of each array
_HEADER = struct.Struct("<4sBIcc3Q")
# code -> little-endian dtype; the unsigned ones keep UNREACHABLE as their largest value
_DTYPES: dict[bytes, np.dtype[Any]] = {
    b"B": np.dtype("<u1"), b"H": np.dtype("<u2"), b"I": np.dtype("<u4"), b"q": np.dtype("<i8")}
_LEVEL = 6
# each live matrix's stored value (see pack_matrix); the app serves sessions on threads
_PACKED: weakref.WeakKeyDictionary[TravelMatrix, bytes] = weakref.WeakKeyDictionary()
_PACKED_LOCK = threading.Lock()


def _narrow(a: npt.NDArray[np.int64]) -> tuple[bytes, np.dtype[Any]]:
    """The code and dtype of the narrowest type holding ``a``'s values and UNREACHABLE."""
    reach = a[a != UNREACHABLE]
    top = int(reach.max()) if reach.size else 0
    for code in (b"B", b"H", b"I"):
        dt = _DTYPES[code]
        if top < int(np.iinfo(dt).max):  # the largest value is UNREACHABLE's
            return code, dt
    return b"q", _DTYPES[b"q"]


def _pack_array(a: npt.NDArray[np.int64]) -> tuple[bytes, bytes]:
    """The type code of ``a`` and its stored bytes: the row offsets, then the rows."""
    code, dt = _narrow(a)
    if code != b"q":
        a = np.where(a == UNREACHABLE, np.iinfo(dt).max, a)
    vals = np.ascontiguousarray(a, dtype=dt)
    # one stream a row, so that a reader wanting a few rows (an officer's) decompresses
    # those only: 10 % larger than one stream for the whole array at 4,412 nodes. Rows are
    # not split into byte planes as the JSON encoding is: 1 % smaller at that size, for a
    # transposing copy of every row read (measured)
    rows = [zlib.compress(r.tobytes(), _LEVEL) for r in vals]
    ends = np.cumsum([0, *map(len, rows)], dtype=np.uint64).astype("<u8")
    return code, ends.tobytes() + b"".join(rows)


def pack_matrix(matrix: TravelMatrix) -> bytes:
    """The stored value of ``matrix`` (read back by :func:`unpack_matrix`).

    Parameters
    ----------
    matrix : TravelMatrix

    Returns
    -------
    bytes
        Deterministic for a matrix (equal matrices give equal values), so a digest of it
        names the matrix.

    Notes
    -----
    A matrix is immutable, so its value is kept while the matrix lives: the manager page
    keeps each plan it makes or re-optimises over the day's matrix as a draft, and
    publishes it by saving it again, each of which would otherwise compress the matrix
    anew (~6 s at 4,412 nodes).
    """
    with _PACKED_LOCK:
        kept = _PACKED.get(matrix)
    if kept is None:
        kept = _pack(matrix)
        with _PACKED_LOCK:
            _PACKED[matrix] = kept
    return kept


def _pack(matrix: TravelMatrix) -> bytes:
    ids = zlib.compress(json.dumps(list(matrix.node_ids), ensure_ascii=False,
                                   separators=(",", ":")).encode(), _LEVEL)
    dur_code, dur = _pack_array(matrix.duration_s)
    dist_code, dist = _pack_array(matrix.distance_m)
    head = _HEADER.pack(_MAGIC, FORMAT, len(matrix), dur_code, dist_code, len(ids),
                        len(dur), len(dist))
    return head + ids + dur + dist


def _damaged(what: str) -> StoreError:
    return StoreError(f"a stored travel matrix is damaged ({what}); re-plan the day to "
                      f"store it again")


def _unpack_array(data: memoryview, code: bytes, n: int, rows: npt.NDArray[np.int64] | None,
                  name: str) -> npt.NDArray[np.int64]:
    dt = _DTYPES.get(code)
    if dt is None:
        raise _damaged(f"{name}: unknown value type {code!r}")
    table = 8 * (n + 1)
    if len(data) < table:
        raise _damaged(f"{name}: shorter than its row table")
    ends = np.frombuffer(data, dtype="<u8", count=n + 1).astype(np.int64) + table
    if ends[0] != table or ends[-1] != len(data) or bool((np.diff(ends) < 0).any()):
        raise _damaged(f"{name}: row table does not match its {len(data):,} bytes")
    wanted = range(n) if rows is None else rows.tolist()
    width = dt.itemsize * n
    parts = []
    for i in wanted:
        try:
            raw = zlib.decompress(data[ends[i]:ends[i + 1]])
        except zlib.error:
            raise _damaged(f"{name}: row {i} is not zlib data") from None
        if len(raw) != width:
            raise _damaged(f"{name}: row {i} holds {len(raw):,} bytes, not {width:,}")
        parts.append(raw)
    vals = np.frombuffer(b"".join(parts), dtype=dt).reshape(len(wanted), n)
    if rows is not None:  # only the columns asked for as well: an officer's nodes
        vals = vals[:, rows]
    res = vals.astype(np.int64)
    if dt.kind == "u":
        res[vals == np.iinfo(dt).max] = UNREACHABLE
    elif res.size and int(res.min()) < 0:
        raise _damaged(f"{name}: a negative value")
    return res


def unpack_matrix(blob: bytes, nodes: Sequence[str] | None = None) -> TravelMatrix:
    """The matrix :func:`pack_matrix` stored, whole or only between ``nodes``.

    Parameters
    ----------
    blob : bytes
        A stored value.
    nodes : sequence of str, optional
        Node ids to keep (in that order): only their rows and columns are turned into
        arrays, as :meth:`TravelMatrix.subset` would cut them. None: every node.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    StoreError
        The value is damaged: not this layout, a stream that does not decompress, arrays
        of the wrong size or type, node ids that are not a list of unique strings, or
        ``nodes`` naming a node the matrix lacks.
    """
    blob = bytes(blob)  # PostgreSQL drivers hand a memoryview
    if len(blob) < _HEADER.size:
        raise _damaged(f"{len(blob)} bytes, shorter than its header")
    magic, fmt, n, dur_code, dist_code, n_ids, n_dur, n_dist = _HEADER.unpack_from(blob)
    if magic != _MAGIC or fmt != FORMAT:
        raise _damaged(f"not a countyreach matrix of format {FORMAT}")
    if _HEADER.size + n_ids + n_dur + n_dist != len(blob):
        raise _damaged(f"{len(blob):,} bytes, not the {_HEADER.size + n_ids + n_dur + n_dist:,}"
                       f" its header names")
    at = _HEADER.size
    try:
        ids = json.loads(zlib.decompress(blob[at:at + n_ids]))
    except (zlib.error, ValueError):
        raise _damaged("node ids unreadable") from None
    if (not isinstance(ids, list) or len(ids) != n
            or not all(isinstance(x, str) for x in ids)):
        raise _damaged(f"node ids are not a list of {n} texts")
    rows = None
    if nodes is not None:
        index = {nid: i for i, nid in enumerate(ids)}
        missing = [x for x in nodes if x not in index]
        if missing:
            raise _damaged(f"lacks nodes {missing[:5]}")
        rows = np.array([index[x] for x in nodes], dtype=np.int64)
        ids = list(nodes)
    at += n_ids
    view = memoryview(blob)  # the arrays' rows read in place, not copied out first
    dur = _unpack_array(view[at:at + n_dur], dur_code, n, rows, "duration_s")
    dist = _unpack_array(view[at + n_dur:], dist_code, n, rows, "distance_m")
    try:
        return TravelMatrix(tuple(ids), dur, dist)
    except ValueError as e:  # duplicate or blank ids
        raise _damaged(str(e)) from None
