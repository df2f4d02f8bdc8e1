"""Interface text of the app in Chinese and English, from a gettext message catalogue.

Every label the app shows is an entry of the Babel/gettext catalogues in
``countyreach/locale/<lang>/LC_MESSAGES/countyreach.po``: the message id is a stable key
(``page_manager``), the message context says which vocabulary it belongs to (``ui`` for
interface text, ``industry``, ``drop_reason``, ``outcome``, ``plan_status``, and
``message``: English templates of input warnings and errors, :mod:`countyreach.localize`;
``cli``: the command line's help, keyed by its English text, :mod:`countyreach.cli_help`),
and the
translation is the text shown. Translators edit the ``.po`` files with any gettext tool;
``tests/test_i18n.py`` fails on a key missing from a catalogue, an empty or fuzzy
translation, and Chinese left in the English catalogue.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "LANGS",
    "Vocabulary",
    "LOCALE_DIR",
    "catalogue",
    "STRINGS",
    "INDUSTRY",
    "DROP_REASON",
    "OUTCOMES",
    "PLAN_STATUS",
    "has_cjk",
    "t",
    "list_text",
    "industry_label",
    "drop_reason_label",
    "outcome_label",
    "status_label",
    "format_yuan",
    "format_percent",
    "format_number",
    "cli_text",
]

#: Supported interface languages, the default first.
LANGS: tuple[str, ...] = ("zh", "en")
#: Where the catalogues live (one ``<lang>/LC_MESSAGES/countyreach.po`` per language).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "countyreach"


class Vocabulary(enum.StrEnum):
    """The message contexts of the catalogue: which table a key belongs to."""

    UI = "ui"
    INDUSTRY = "industry"
    DROP_REASON = "drop_reason"
    OUTCOME = "outcome"
    PLAN_STATUS = "plan_status"
    MESSAGE = "message"
    CLI = "cli"


@cache
def catalogue(lang: str) -> Mapping[tuple[str, str], str]:
    """The translations of ``lang``: ``(context, key) -> text`` (empty translations left out).

    Parameters
    ----------
    lang : {"zh", "en"}

    Returns
    -------
    mapping
        Read once per process from the language's ``.po`` file.
    """
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as f:
        cat = read_po(f, locale=lang, domain=DOMAIN)
    out: dict[tuple[str, str], str] = {}
    for msg in cat:
        if msg.id and isinstance(msg.id, str) and isinstance(msg.string, str) and msg.string:
            out[(msg.context or Vocabulary.UI.value, msg.id)] = msg.string
    return MappingProxyType(out)


def _table(vocab: Vocabulary) -> Mapping[str, Mapping[str, str]]:
    """One vocabulary as ``key -> {lang: text}`` (the shape pages and tests iterate)."""
    keys: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        for (ctx, key), text in catalogue(lang).items():
            if ctx == vocab.value:
                keys.setdefault(key, {})[lang] = text
    return MappingProxyType({k: MappingProxyType(v) for k, v in keys.items()})


STRINGS = _table(Vocabulary.UI)
INDUSTRY = _table(Vocabulary.INDUSTRY)
DROP_REASON = _table(Vocabulary.DROP_REASON)
OUTCOMES = _table(Vocabulary.OUTCOME)
PLAN_STATUS = _table(Vocabulary.PLAN_STATUS)

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese characters or full-width punctuation."""
    return bool(_CJK.search(text))


def _lookup(vocab: Vocabulary, key: str, lang: str) -> str | None:
    lang = lang if lang in LANGS else "en"
    return catalogue(lang).get((vocab.value, key)) or catalogue("en").get((vocab.value, key))


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """Interface text for ``key`` in ``lang``, formatted with ``fmt``.

    Parameters
    ----------
    key : str
        A ``ui`` message id of the catalogue.
    lang : {"zh", "en"}
        Interface language; unknown languages fall back to English.
    **fmt
        Values for ``{placeholders}`` in the text.

    Returns
    -------
    str
        The text; an unknown key is returned as is so a missing label is visible
        instead of crashing a page (the catalogue test finds it first).
    """
    text = _lookup(Vocabulary.UI, key, lang)
    if text is None:
        return key
    return text.format(**fmt) if fmt else text


def list_text(items: Iterable[str], lang: str) -> str:
    """``items`` as a sentence lists them in ``lang``: ``B1、B2`` in Chinese, ``B1, B2`` in
    English (the catalogue's ``file_list_sep``, so no list keeps the other's comma).

    Parameters
    ----------
    items : iterable of str
        Ids, names or words, each as shown.
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    return t("file_list_sep", lang).join(items)


def industry_label(code: str, lang: str) -> str:
    """Display name of an industry code (the code itself when unknown)."""
    return _lookup(Vocabulary.INDUSTRY, code, lang) or code


def drop_reason_label(reason: str, lang: str) -> str:
    """Display text of a :class:`~routing.plan.DropReason` value."""
    return _lookup(Vocabulary.DROP_REASON, str(reason), lang) or str(reason)


def outcome_label(code: str, lang: str) -> str:
    """Display text of a visit outcome code."""
    return _lookup(Vocabulary.OUTCOME, str(code), lang) or str(code)


def status_label(status: str, lang: str) -> str:
    """Display text of a :class:`~routing.plan.PlanStatus` value."""
    return _lookup(Vocabulary.PLAN_STATUS, str(status), lang) or str(status)


def format_yuan(value: float | None, lang: str = "zh") -> str:
    """Money as the app shows it: ``¥870,109`` (``—`` for a missing value)."""
    del lang  # the same in both languages: ¥ and thousands separators
    if value is None or value != value:
        return "—"
    return f"¥{value:,.0f}"


def format_percent(share: float | None, digits: int = 0) -> str:
    """A share 0..1 as ``41 %`` (``—`` for a missing value)."""
    if share is None or share != share:
        return "—"
    return f"{share * 100:.{digits}f} %"


def format_number(value: float | None, digits: int = 0) -> str:
    """A number with thousands separators (``—`` for a missing value)."""
    if value is None or value != value:
        return "—"
    return f"{value:,.{digits}f}"


def cli_text(text: str, lang: str) -> str:
    """The command line's help ``text`` (its English, the message id of the ``cli``
    context) in ``lang``; the English when the catalogue has no translation."""
    if lang == "en" or lang not in LANGS:
        return text
    return catalogue(lang).get((Vocabulary.CLI.value, text)) or text
