"""The command line's help in Chinese: every text the help shows has a translation, and
``--lang zh`` prints it, options and values unchanged."""

from __future__ import annotations

import re

import pytest

from countyreach.cli import build_parser, main
from countyreach.cli_help import help_lang, help_texts
from countyreach.i18n import cli_text, has_cjk

#: What a translation keeps as written: options, file names, placeholders, numbers.
TOKENS = re.compile(r"--[a-z][a-z-]*|\b[\w-]+\.(?:csv|json|xlsx|osm)\b|YYYY-MM(?:-DD)?|HH:MM")


def test_every_help_text_has_a_chinese_translation_that_keeps_its_tokens() -> None:
    texts = help_texts(build_parser())
    assert len(texts) > 100  # the walk reached the subcommands' options
    missing = [x for x in texts if not has_cjk(cli_text(x, "zh"))]
    assert not missing, f"help without a Chinese translation: {missing[:5]}"
    changed = [(x, cli_text(x, "zh")) for x in texts
               if set(TOKENS.findall(x)) - set(TOKENS.findall(cli_text(x, "zh")))]
    assert not changed, f"a translation lost an option or a file name: {changed[:3]}"


def _flat(text: str) -> str:
    """Text without its whitespace: argparse wraps help lines where it likes."""
    return "".join(text.split())


def test_help_is_printed_in_the_language_asked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["county", "trim", "--help", "--lang", "zh"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：countyreach county trim") and "位置参数" in out
    for text in ("county id in the store", "show this help message and exit"):
        assert _flat(cli_text(text, "zh")) in _flat(out)
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: ") and not has_cjk(out)


@pytest.mark.parametrize("argv, lang", [
    (["plan", "x", "--lang", "zh"], "zh"), (["plan", "--lang=zh", "--help"], "zh"),
    (["plan", "--lang", "fr"], "en"), (["plan", "--help"], "en"), (["--lang"], "en"),
])
def test_the_help_language_is_read_before_the_line_is_parsed(argv: list[str],
                                                             lang: str) -> None:
    assert help_lang(argv) == lang
