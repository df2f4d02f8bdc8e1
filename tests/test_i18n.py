"""The message catalogue: every label the app uses is translated, English has no Chinese.

The app's text comes from ``countyreach/locale/<lang>/LC_MESSAGES/countyreach.po`` (gettext,
read with Babel). These tests find what a translator or a developer left undone: a key the
code uses that a catalogue lacks, an empty or fuzzy translation, placeholders that differ
between languages, Chinese left in the English catalogue, and literal text handed to a
Streamlit widget instead of a catalogue key.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from countyreach.i18n import LANGS, LOCALE_DIR, STRINGS, has_cjk, t

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py")),
           *sorted((REPO / "countyreach" / "services").glob("*.py"))]
#: Streamlit calls whose first argument is text the user reads.
TEXT_CALLS = {"title", "header", "subheader", "button", "link_button", "download_button",
              "selectbox", "multiselect", "text_input", "number_input", "slider", "checkbox",
              "toggle", "date_input", "segmented_control", "expander", "info", "warning",
              "error", "success", "caption", "metric", "form_submit_button", "file_uploader",
              "tabs", "toast", "dialog", "markdown", "write", "progress", "spinner"}


def _catalogue(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "countyreach.po").open("rb") as f:
        return read_po(f, locale=lang)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _used_keys() -> set[str]:
    """Literal keys passed to ``t(...)`` anywhere in the app's sources."""
    keys: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "t" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                keys.add(node.args[0].value)
    return keys


@pytest.mark.parametrize("lang", LANGS)
def test_no_key_is_in_a_catalogue_twice(lang: str) -> None:
    # a second entry of a key silently replaces the first: the message it translated loses
    # its template (a new msg_matrix_damaged once did)
    text = (LOCALE_DIR / lang / "LC_MESSAGES" / "countyreach.po").read_text(encoding="utf-8")
    keys = re.findall(r'^(?:msgctxt "([^"]*)"\n)?msgid "([^"]+)"$', text, flags=re.M)
    assert not {k for k in keys if keys.count(k) > 1}


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_has_no_empty_or_fuzzy_translation(lang: str) -> None:
    cat = _catalogue(lang)
    bad = [(m.context, m.id) for m in cat if m.id and (not m.string or m.fuzzy)]
    assert not bad, f"untranslated in {lang}: {bad[:10]}"


def test_every_key_the_app_uses_is_in_both_catalogues() -> None:
    used = _used_keys()
    assert len(used) > 100  # the scan found the app's keys
    for lang in LANGS:
        known = {m.id for m in _catalogue(lang) if m.context == "ui" and m.string}
        missing = sorted(used - known)
        assert not missing, f"keys missing from the {lang} catalogue: {missing}"


def test_languages_share_keys_and_placeholders() -> None:
    for key, texts in STRINGS.items():
        assert set(texts) == set(LANGS), key
        assert _fields(texts["zh"]) == _fields(texts["en"]), key


def test_english_catalogue_has_no_chinese() -> None:
    chinese = [(m.context, m.id, m.string) for m in _catalogue("en")
               if m.id and isinstance(m.string, str) and has_cjk(m.string)]
    assert not chinese, chinese[:10]


def test_widgets_get_text_from_the_catalogue_not_literals() -> None:
    """A string literal with words handed to a Streamlit call is text nobody translates."""
    words = re.compile(r"[A-Za-z]{3,}|[\u4e00-\u9fff]")
    found = []
    for path in [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in TEXT_CALLS and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                    and words.search(first.value):
                found.append(f"{path.name}:{node.lineno} {first.value!r}")
    assert not found, found


def test_t_formats_and_falls_back_to_the_key() -> None:
    assert t("signed_in", "en", user="wang", role="Manager") == "Signed in: wang (Manager)"
    assert t("signed_in", "zh", user="wang", role="经理").startswith("已登录")
    assert t("no-such-key", "en") == "no-such-key"
    assert t("page_manager", "fr") == t("page_manager", "en")


def test_keys_built_from_the_value_basis_are_in_both_catalogues() -> None:
    """Keys the pages build at run time (one per value basis) escape the literal-key scan."""
    from propensity import ValueBasisKind

    keys = {f"{stem}_{kind.value}" for kind in ValueBasisKind
            for stem in ("basis_name", "kpi_value", "basis_summary", "why_risk", "why_value")}
    keys |= {"part_line", "part_line_bare"}
    for lang in LANGS:
        known = {m.id for m in _catalogue(lang) if m.context == "ui" and m.string}
        assert not sorted(keys - known), f"missing from the {lang} catalogue"
    # the two bases never share a name: a value's label says which it is
    for lang in LANGS:
        assert t("basis_name_visit_caused", lang) != t("basis_name_uptake_if_visited", lang)
