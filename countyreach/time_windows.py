"""The one reader of the times of day and visit windows a user writes in a file.

A leads file's ``windows`` cell says when a visit may start: ``08:00-11:30;14:00-18:00``.
Lenders type it by hand, in Excel or WPS with a Chinese input method, so besides ``-`` a
range may be written with ``~``, ``～``, ``—``, ``–`` or ``至``, and windows may be
separated by ``;``, ``；``, ``,``, ``，`` or ``、``: none of these can be read two ways, since
each window must be a range of two times. A time may be written as it is said, too:
``8点``, ``8点半``, ``8点30分``, ``8时30分``, ``下午5点半`` (17:30), ``5:30pm``. A cell that
still cannot be read is refused quoting what was typed (not a converted copy of it) and
showing the expected form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from countyreach.errors import InputError, LocatedError
from geo.types import Location
from routing.problem import DAY_S, Lead, TimeWindow, parse_hhmm

__all__ = ["WINDOWS_FORM", "clock", "parse_windows"]

#: The form a windows cell is written in, shown with every refusal.
WINDOWS_FORM = "08:00-11:30;14:00-18:00"

# After NFKC (full-width '～' is '~', '－' is '-', '，' is ',', '；' is ';'): the dashes and
# words a range is written with, and the marks a list of windows is separated by.
_RANGE_RE = re.compile(r"^([^-~—–−至到]+?)\s*(?:-|~|—+|–|−|至|到)\s*([^-~—–−至到]+)$")
_LIST_SEP_RE = re.compile(r"[;,、]")
# A time as it is said: an hour alone, or with 点/时 and minutes (半: 30), or HH:MM, after a
# part of the day (下午 5 is 17:00) or before am/pm. Plain HH:MM(:SS) is left to parse_hhmm.
_PARTS = "上午|早上|早晨|中午|下午|晚上"
_AMPM = r"am|pm|a\.m\.|p\.m\."
_SPOKEN_RE = re.compile(rf"^(?P<part>{_PARTS})?\s*(?P<h>\d{{1,2}})\s*(?:"
                        r"(?P<mark>点|时)\s*(?:(?P<half>半)|(?P<m>\d{1,2})\s*分?)?|:(?P<mm>\d{2}))?"
                        rf"\s*(?P<ampm>{_AMPM})?$", re.IGNORECASE)
_SAID_PART_RE = re.compile(rf"^({_PARTS})|({_AMPM})$", re.IGNORECASE)


def _as_said(text: str) -> str:
    """``text`` as ``HH:MM`` when written as a time is said (``下午5点半``: 17:30), else as is."""
    norm = unicodedata.normalize("NFKC", text).strip()
    m = _SPOKEN_RE.match(norm)
    if m is None or not (m["part"] or m["mark"] or m["ampm"] or m["mm"] is None):
        return text  # not spoken, or plain HH:MM: parse_hhmm reads (or refuses) it
    h = int(m["h"])
    minute = 30 if m["half"] else int(m["m"] or m["mm"] or 0)
    later = (m["part"] in ("下午", "晚上") or (m["ampm"] or "").lower().startswith("p"))
    if (later and h < 12) or (m["part"] == "中午" and 1 <= h <= 5):
        h += 12
    elif (m["ampm"] or "").lower().startswith("a") and h == 12:
        h = 0  # 12am is midnight
    if h > 24 or minute >= 60:
        return text  # refused quoting what was typed
    return f"{h:02d}:{minute:02d}"


def clock(text: str) -> int:
    """A time of day written in a file (``HH:MM``, at most ``24:00``), in seconds.

    Parameters
    ----------
    text : str
        ``08:30``, ``8:30`` or ``08:30:00``; or as said: ``8点半``, ``下午5点``, ``5:30pm``.

    Returns
    -------
    int
        Seconds since midnight.

    Raises
    ------
    InputError
        Not a time of day (the caller locates it).
    """
    try:
        t = parse_hhmm(_as_said(text))
    except LocatedError as exc:
        raise InputError(exc.reason) from None
    if t > DAY_S:
        raise InputError(f"{text!r} is not a time of day (00:00-24:00)")
    return t


# A county's leads share a handful of opening hours; reading 50,000 leads parsed and
# checked the same few texts 50,000 times (a third of reading the file). The windows are
# immutable, so every lead with the same text shares one tuple; errors are not cached.
@lru_cache(maxsize=4096)
def parse_windows(text: str) -> tuple[TimeWindow, ...]:
    """The visit windows of a ``windows`` cell, as typed.

    Parameters
    ----------
    text : str
        The cell as the user typed it (empty: no windows, any time).

    Returns
    -------
    tuple of TimeWindow
        In the order written.

    Raises
    ------
    InputError
        Quoting ``text`` and the expected form (:data:`WINDOWS_FORM`): a part that is not a
        range of two times, a time that is no time of day, a window that ends before it
        starts, or windows that overlap (the caller locates it).
    """
    norm = unicodedata.normalize("NFKC", text).strip()
    out = []
    for part in _LIST_SEP_RE.split(norm):
        part = part.strip()
        if not part:
            continue
        m = _RANGE_RE.match(part)
        if m is None:
            raise InputError(f"cannot read the windows {text!r}: write them like "
                             f"{WINDOWS_FORM} (start-end, windows separated by ';')")
        start, end = m.group(1), m.group(2)
        # 下午2点-5点 is 14:00-17:00, 2-5pm 14:00-17:00: the part of the day is said once
        said, said_end = _SAID_PART_RE.search(start), _SAID_PART_RE.search(end)
        if said is not None and said[1] and said_end is None:
            end = said[1] + end
        elif said_end is not None and said_end[2] and said is None:
            start += said_end[2]
        try:
            a, b = clock(start), clock(end)
        except InputError as exc:
            raise InputError(f"{exc.reason} in the windows {text!r} (write them like "
                             f"{WINDOWS_FORM})") from None
        if b < a:
            raise InputError(f"a window of {text!r} ends before it starts ({part}); a day "
                             f"ends at 24:00 (write windows like {WINDOWS_FORM})")
        out.append(TimeWindow(a, b))
    try:  # the routing model's own rules for a lead's windows (sorted, not overlapping)
        Lead("x", "x", Location(0, 0), "x", windows=tuple(out))
    except LocatedError as exc:
        raise InputError(f"{exc.reason} in the windows {text!r} (write "
                         f"them like {WINDOWS_FORM})") from None
    return tuple(out)

