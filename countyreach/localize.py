"""Input warnings and input errors in the user's language.

The checks that warn or refuse write English text where they are (in modules that know no
language: readers, the store, the planner), and the store keeps a plan's warnings as that
text. A Chinese user reads them through the catalogue's ``message`` vocabulary: each entry's
English text is a template (``lead {lead} lies {m} m outside ...``) that a message is read
back against, and the Chinese template is written with the values read. A message no entry
matches is shown as written, so nothing a check says is ever lost; ``tests/test_localize.py``
runs the real checks and fails on a message that reaches a Chinese user in English.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from functools import cache, lru_cache

from countyreach.errors import RowErrors
from countyreach.i18n import Vocabulary, catalogue, list_text, outcome_label, t
from geo.errors import LocatedError, named_first

__all__ = ["localize", "note_text", "error_text", "message_of"]

# Where a message names a stored county, a file's row or a lead: the frame around what
# the catalogue translates (the ids themselves are the user's and stay as typed).
_STORE = re.compile(r"^county (?P<county>\S+) \(store\)(?:, (?P<what>leads|officers))?: ")
_PATH = re.compile(r"[/\\]|\.\w+$")  # what a file's name has and a sentence has not
_ROW = re.compile(r"^row (?P<row>\d+): ")
_ID_SUFFIX = re.compile(r" \((?P<col>lead_id|officer_id|branch_id) (?P<id>[^()]*)\)$")
#: Pieces inside a template's value that are translated where they stand.
_PIECES = ((re.compile(r"(\d+) \(as row (\d+)\)"), "piece_as_row"),
           (re.compile(r"(\d+) \(([^()\s]+)\)"), "piece_row_id"),
           (re.compile(r" \((\d+) rows: ([\d, …]+)\)"), "piece_rows_of_industry"),
           (re.compile(r": rows ([\d, ]+)"), "piece_clash_rows"),
           (re.compile(r" \(rows ([\d, ]+)\)"), "piece_rows_in_brackets"),
           (re.compile(r" \((\d+) villages?\)"), "piece_villages"),
           (re.compile(r" \(assumed branch\)$"), "piece_assumed_branch"),
           # a time or a duration the checker compared, with its exact seconds
           (re.compile(r" \((\d+) s\)"), "piece_seconds"),
           (re.compile(r"\b(\d+) min\b"), "piece_minutes"),
           (re.compile(r"; and (\d+) more$"), "piece_semicolon_and_more"),
           (re.compile(r" and (\d+) more$"), "piece_and_more"))
#: A list of rows (``2, 3, 5, …``; a row may carry its id, ``8 (B0008)``) and the ``"; "``
#: between the items of a list after a row or a bracket (``'bakery' (2 rows: 3, 4); 'tea'
#: ...``): the checks join them in English, a Chinese reader has them with the catalogue's
#: list separators (``file_list_sep``, ``summary_list_sep``). Whole numbers only: a
#: coordinate pair (``35.5, 115.0``) is no list of rows.
_LISTED_ROW = r"(?<![\d.])\d+(?![\d.])(?:\s?[（(][^（）()]*[）)])?"
_ROW_LIST = re.compile(rf"{_LISTED_ROW}(?:, (?:{_LISTED_ROW}|…))+")
_ITEM_SEP = re.compile(r"(?<=[)）行]); ")


#: A template's pieces: its literal words and the names of the values between them.
_Parts = tuple[tuple[str, str | None], ...]
#: Readings of one message by one template weighed at most (a message is a sentence or
#: two: a template with a few values has a handful).
_MAX_READINGS = 64


@cache
def _templates() -> tuple[tuple[re.Pattern[str], str, int, _Parts], ...]:
    """Each ``message`` entry's English template as a pattern, with its key, how many
    characters of it are its own words (not values), fewest first, and its pieces."""
    out = []
    for (ctx, key), text in catalogue("en").items():
        if ctx != Vocabulary.MESSAGE.value or key.startswith("word_"):
            continue  # a word is translated only where a template says one stands
        parts, seen, literal_chars = [], set(), 0
        pieces = tuple((literal, name or None)
                       for literal, name, _, _ in string.Formatter().parse(text))
        for literal, name in pieces:
            parts.append(re.escape(literal))
            literal_chars += len(literal)
            if name:
                # a value the message says twice (a coordinate system: "read as X ... if
                # its coordinates are X") is the same text both times
                parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
                seen.add(name)
        out.append((literal_chars, re.compile("".join(parts) + "$", re.S), key, pieces))
    # fewest words of its own first: of two readings that explain as much (:func:`_best`),
    # the one met first wins
    out.sort(key=lambda entry: entry[0])
    return tuple((pattern, key, chars, pieces) for chars, pattern, key, pieces in out)


def _readings(pieces: _Parts, text: str) -> list[dict[str, str]]:
    """Every way ``text`` reads as the template of ``pieces`` (each value not empty, a value
    named twice the same text), in the order the template's pattern tries them: its own
    match first."""
    found: list[dict[str, str]] = []

    def walk(i: int, pos: int, values: dict[str, str]) -> None:
        if len(found) >= _MAX_READINGS:
            return
        literal, name = pieces[i]
        if not text.startswith(literal, pos):
            return
        pos += len(literal)
        if name is None:  # the template's last words: the message ends with them
            if pos == len(text):
                found.append(dict(values))
            return
        if name in values:
            if text.startswith(values[name], pos):
                walk(i + 1, pos + len(values[name]), values)
            return
        after = pieces[i + 1][0] if i + 1 < len(pieces) else ""
        if i + 1 >= len(pieces):  # the last value: the rest of the message
            if pos < len(text):
                found.append({**values, name: text[pos:]})
            return
        ends = range(pos + 1, len(text) + 1) if not after else (
            m.start() for m in re.finditer(f"(?={re.escape(after)})", text[pos + 1:]))
        for end in ends:
            end = end if not after else end + pos + 1
            walk(i + 1, end, {**values, name: text[pos:end]})

    walk(0, 0, {})
    return found


def _value(name: str, value: str, lang: str) -> str:
    """A value read from a message, in ``lang``: a word of the message (a placeholder named
    ``..._word``: ``start``, ``skills``) through the catalogue's ``word_`` entries, a list the
    code joined with ``", "`` (``..._list``: ids as typed; ``..._words``: words, each through
    ``word_``) or a tuple of outcome codes (``..._outcomes``: each named as the app names it)
    joined with the language's list separator, a value that is a message itself
    (the reason inside another) translated whole, else its pieces."""
    if name.endswith("_word"):
        return _word(value, lang)
    if name.endswith("_outcomes"):  # the store's codes, as Python wrote their tuple
        return list_text((f"{outcome_label(c, lang)}（{c}）"
                          for c in re.findall(r"'([^']*)'", value)), lang)
    if name.endswith(("_list", "_words")):
        items = value.split(", ")
        # a list cut short ends "and 3 more": a piece, read after the list is joined
        return _pieces(list_text([_word(v, lang) for v in items]
                                 if name.endswith("_words") else items, lang), lang)
    inner = _match(value, lang)
    return inner if inner is not None else _pieces(value, lang)


def _word(value: str, lang: str) -> str:
    word = catalogue(lang).get((Vocabulary.MESSAGE.value, f"word_{value}"))
    return value if word is None else word


@lru_cache(maxsize=4096)  # bounded: a server translates messages naming ever new rows
def _best(text: str) -> tuple[int, str, tuple[tuple[str, str], ...]] | None:
    """The template that explains most of ``text`` in its own words: ``(characters
    explained, key, values)``, or ``None`` when none matches.

    A template's words count, and so do those of templates its values match in turn (a
    reason inside a message). Where one template extends another ("..., {max} (it reads
    like a longitude ...)", or a reason followed by "; if the file came from that map,
    give --crs {crs}"), the shorter one also matches, its last value swallowing the rest
    untranslated: the reading that explains more wins.
    """
    found: tuple[int, str, tuple[tuple[str, str], ...]] | None = None
    for pattern, key, chars, pieces in _templates():
        if not pattern.match(text):
            continue
        # a value's end is where the template's next words are met: not always first
        # ("{done} ({split}); {why}: {note}" where the reason holds ": "), so every reading
        # is weighed and the one whose values explain most wins; of equals, the pattern's
        for reading in _readings(pieces, text):
            values = tuple(reading.items())
            score = chars + sum(
                inner[0] for name, v in values if not name.endswith("_word")
                and v != text and (inner := _best(v)) is not None)
            # a tie is the same words read two ways: one template around the other, or the
            # other's last value swallowing the first's end; the one around (fewer words of
            # its own, met first) is how the message was built
            if found is None or score > found[0]:
                found = (score, key, values)
    return found


def _match(text: str, lang: str) -> str | None:
    """``text`` written with the ``lang`` template of the English one that explains most of
    it (:func:`_best`)."""
    best = _best(text)
    if best is None:
        return None
    found = catalogue(lang).get((Vocabulary.MESSAGE.value, best[1]))
    if found is None:
        return None
    return found.format(**{k: _value(k, v, lang) for k, v in best[2]})


def _pieces(value: str, lang: str) -> str:
    for pattern, key in _PIECES:
        def piece(m: re.Match[str], key: str = key) -> str:
            return t(key, lang, **{f"n{i}": g for i, g in enumerate(m.groups(), 1)})

        value = pattern.sub(piece, value)
    if lang == "en":
        return value
    value = _ROW_LIST.sub(lambda m: list_text(m.group(0).split(", "), lang), value)
    return _ITEM_SEP.sub(t("summary_list_sep", lang), value)


def localize(text: str, lang: str) -> str:
    """One message (a warning without its file, an error's reason) in ``lang``.

    Parameters
    ----------
    text : str
        As a check wrote it, in English.
    lang : {"zh", "en"}

    Returns
    -------
    str
        ``text`` itself in English, or when the catalogue has no template it matches.
    """
    if lang == "en":
        return text
    suffix = ""
    m = _ID_SUFFIX.search(text)
    if m:
        text = text[:m.start()]
        suffix = t(f"piece_{m.group('col')}", lang, id=m.group("id"))
    found = _match(text, lang)
    if found is not None:
        return found + suffix
    return text + (f" ({m.group('col')} {m.group('id')})" if m else "")


def note_text(note: str, lang: str, files: Sequence[str] = ()) -> str:
    """An input warning (``FILE: ...``, or a stored county's ``county X (store): ...``) in
    ``lang``: the file or county named as before, what it says translated.

    Parameters
    ----------
    note : str
        The warning as collected (:func:`countyreach.input_warnings.collected`) or kept with
        a stored plan (:func:`countyreach.services.store_notes.store_notes`).
    lang : {"zh", "en"}
    files : sequence of str
        File paths the note may begin with (a path may hold ``": "``).

    Returns
    -------
    str
    """
    if lang == "en":
        return note
    where, rest = "", note
    m = _STORE.match(note)
    if m:
        what = m.group("what")
        where = t("note_store_county", lang, county=m.group("county")) + (
            t(f"note_store_{what}", lang) if what else "")
        rest = note[m.end():]
    else:
        # a message naming no file (an appointment, a pinned lead) may hold ": " itself; one
        # naming a county's folder and then its file (plan-many) names both
        while True:
            head = rest.split(": ", 1)[0] if ": " in rest else ""
            path = next((p for p in (*files, *([head] if _PATH.search(head) else []))
                         if rest.startswith(f"{p}: ")), None)
            if path is None:
                break
            where = (f"{where}{t('note_row_sep', lang)}" if where else "") + path
            rest = rest[len(path) + 2:]
    row = _ROW.match(rest)
    if row:
        where = (f"{where}{t('note_row_sep', lang)}" if where else "") + t(
            "note_row", lang, row=row.group("row"))
        rest = rest[row.end():]
    body = localize(rest, lang)
    return f"{where}{t('note_sep', lang)}{body}" if where else body


def _where(file: str | None, row: int | None, field: str | None, lang: str,
           reason: str = "") -> str:
    parts = ([t("err_file", lang, file=file)] if file is not None else []) + (
        [t("note_row", lang, row=row)] if row is not None else [])
    if field is not None and not named_first(field, reason, parts):
        parts.append(t("err_field", lang, field=field))
    return t("note_row_sep", lang).join(parts) + t("note_sep", lang) if parts else ""


def error_text(exc: BaseException, lang: str) -> str:
    """An error as the CLI prints it after ``countyreach: error:``, in ``lang``: where (file,
    row, field), what, and for a file with several bad rows each of the others.

    Parameters
    ----------
    exc : BaseException
        Any error the CLI reports as a message (:data:`countyreach.errors.USER_ERRORS`).
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    if lang == "en" or not isinstance(exc, LocatedError):
        return str(exc) if lang == "en" else localize(str(exc), lang)
    if isinstance(exc, RowErrors) and exc.rows:
        first, rest = exc.rows[0], exc.rows[1:]
        lines = [_where(first.file, first.row, first.field, lang)
                 + localize(first.reason, lang),
                 t("err_more_rows", lang, n=len(rest), file=exc.file or "")]
        from countyreach.csvio import MAX_LISTED_ROW_ERRORS

        listed = rest[:MAX_LISTED_ROW_ERRORS - 1]
        lines += ["  " + _where(None, e.row, e.field, lang) + localize(e.reason, lang)
                  for e in listed]
        if len(rest) > len(listed):
            lines.append("  " + t("err_and_more", lang, n=len(rest) - len(listed)))
        return "\n".join(lines)
    return _where(exc.file, exc.row, exc.field, lang, exc.reason) + localize(exc.reason, lang)


def message_of(exc: BaseException, lang: str) -> str:
    """What went wrong, as a page says it in ``lang``: an error raised on purpose as
    :func:`error_text` says it, any other as written.

    Parameters
    ----------
    exc : BaseException
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    from countyreach.errors import USER_ERRORS

    return error_text(exc, lang) if isinstance(exc, USER_ERRORS) else str(exc)
