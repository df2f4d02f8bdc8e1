"""Every input warning and error the code can write is matched by a template of the
catalogue's ``message`` vocabulary, so a Chinese user reads it in Chinese.

:mod:`countyreach.localize` reads an English message back against the catalogue's English
templates; a message reworded in the code and not in the catalogue would silently reach a
Chinese user in English. These tests find the messages where they are written (each
``warnings.warn`` and each error raised with a message, read from the source), fill every
value the code interpolates with a number, and translate the result: what stays English
is a message no template matches (or a template whose Chinese kept English words).
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from countyreach.localize import localize, note_text

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("countyreach", "geo", "routing", "propensity")
#: What a value the code interpolates becomes in a sample message: digits only, so that
#: any English left after translation is the message's own words.
SAMPLE = "7"
#: Errors a user never reads as a message (programming errors: a traceback is right).
NOT_USER_ERRORS = {"ValueError", "AssertionError", "AttributeError", "TypeError", "KeyError",
                   "RuntimeError", "NotImplementedError"}
#: Helpers that raise an input error with the message they are given (a table row's
#: ``err``, a schema's ``FieldProblem``, the geo and routing checks).
MESSAGE_HELPERS = {"err", "FieldProblem", "require", "_check"}
#: Modules whose warnings a user never reads (none: the simulation's warnings, which
#: ``simulate`` and ``sweep`` print, are templated too).
NOT_USER_WARNINGS: tuple[str, ...] = ()
#: Error messages that reach a Chinese user in English, still. Lower it as templates are
#: added; a test fails when it grows: a new message without a template, or a translated
#: one reworded in the code and not in the catalogue.
MAX_ENGLISH_ERRORS = 123
#: Two English words in a row (an abbreviation in capitals, ``CSV UTF-8``, is not prose).
_ENGLISH = re.compile(r"[a-z]{2,}[ ,;:']+[a-z]{2,}")


def _alternatives(node: ast.expr) -> list[str]:
    """The texts an expression building a message can take, each value a :data:`SAMPLE`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = [_alternatives(v.value) if isinstance(v, ast.FormattedValue) and isinstance(
            v.value, ast.IfExp) else [SAMPLE] if isinstance(v, ast.FormattedValue)
            else _alternatives(v) for v in node.values]
        return ["".join(p) for p in itertools.product(*parts)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a, b in itertools.product(_alternatives(node.left),
                                                    _alternatives(node.right))]
    if isinstance(node, ast.IfExp):
        return _alternatives(node.body) + _alternatives(node.orelse)
    return [SAMPLE]


def _calls() -> Iterator[tuple[str, str, ast.Call]]:
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(
                    f, ast.Attribute) else ""
                yield rel, name, node


def _messages(kind: str) -> list[tuple[str, str]]:
    """``(where, sample message)`` of every warning (``kind="warn"``), error (``"error"``)
    or assumption ``county init`` reports (``"assumption"``) written."""
    out = []
    for rel, name, call in _calls():
        f = call.func
        if kind == "warn":
            args = [call.args[0]] if (
                name == "warn" and not rel.startswith(NOT_USER_WARNINGS)
                and not (len(call.args) > 1 and isinstance(call.args[1], ast.Name)
                         and not call.args[1].id.endswith("Warning"))) else []
        elif kind == "assumption":
            args = [call.args[0]] if name == "append" and isinstance(f, ast.Attribute) and \
                isinstance(f.value, ast.Attribute) and f.value.attr == "assumptions" else []
        elif name in MESSAGE_HELPERS:
            # a helper that raises: the message is its argument with words in it (a field's
            # name has none)
            args = [a for a in call.args if isinstance(a, (ast.JoinedStr, ast.BinOp)) or (
                isinstance(a, ast.Constant) and " " in str(a.value))]
        else:
            args = [call.args[0]] if (
                name.endswith(("Error", "Denied")) and name not in NOT_USER_ERRORS
                and isinstance(call.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp))) else []
        out += [(f"{rel}:{call.lineno}", text) for arg in args for text in _alternatives(arg)
                if text != SAMPLE]
    return out


def _english(text: str) -> bool:
    # a command to run (`countyreach synth ...`) is typed as written in any language
    return bool(_ENGLISH.search(re.sub(r"`[^`]*`", "", text)))


def test_the_sources_are_read() -> None:
    # a finder that finds nothing would pass everything
    assert len(_messages("warn")) > 30 and len(_messages("error")) > 300
    assert len(_messages("assumption")) > 10


@pytest.mark.parametrize("where,text", _messages("warn"))
def test_every_input_warning_has_a_chinese_template(where: str, text: str) -> None:
    shown = note_text(text, "zh", files=(SAMPLE,))  # a file's name is a value too
    assert not _english(shown), f"{where}: {text!r} reaches a Chinese user as {shown!r}"


@pytest.mark.parametrize("where,text", _messages("assumption"))
def test_every_assumption_county_init_reports_has_a_chinese_template(where: str,
                                                                     text: str) -> None:
    shown = localize(text, "zh")
    assert not _english(shown), f"{where}: {text!r} reaches a Chinese user as {shown!r}"


def test_error_messages_without_a_chinese_template_do_not_grow() -> None:
    left = [(w, t) for w, t in _messages("error") if _english(localize(t, "zh"))]
    assert len(left) <= MAX_ENGLISH_ERRORS, "\n".join(f"{w}: {t}" for w, t in left)


def test_a_bad_model_file_is_refused_in_chinese(tmp_path: Path) -> None:
    from countyreach.localize import message_of
    from propensity import load_scorer
    from propensity.errors import ModelError

    (tmp_path / "model.joblib").write_bytes(b"not a model")
    said = []
    for path in (tmp_path / "model.joblib", tmp_path / "missing.joblib"):
        with pytest.raises(ModelError) as caught:
            load_scorer(path)
        said.append(message_of(caught.value, "zh"))
    assert said == [f"{tmp_path / 'model.joblib'} 不是 countyreach 的客户模型（格式无法识别）",
                    f"{tmp_path / 'missing.joblib'} 没有保存的客户模型"]
