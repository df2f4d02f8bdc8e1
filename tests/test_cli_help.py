"""The command line's help in Chinese: every text the help shows has a translation, and
``--lang zh`` prints it, options and values unchanged."""

from __future__ import annotations

import re

import pytest

from countyreach.cli import build_parser, main
from countyreach.cli_help import ERROR_TEMPLATES, help_lang, help_texts, usage_error
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


def test_every_usage_error_template_has_a_chinese_translation_with_its_fields() -> None:
    for template in ERROR_TEMPLATES:
        zh = cli_text(template, "zh")
        assert has_cjk(zh), template
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", template))


@pytest.mark.parametrize("argv, said", [
    (["plan"], "countyreach plan: 错误：缺少必需的参数：county"),
    (["plan", "x", "--date"], "countyreach plan: 错误：参数 --date：需要一个值"),
    (["plan", "x", "--skills", "maybe"],
     "countyreach plan: 错误：参数 --skills：无效的选择：'maybe'（可选：'hard', 'soft', 'off'）"),
    (["plan", "x", "--seed", "abc"], "countyreach plan: 错误：参数 --seed：无效的 int 值：'abc'"),
    (["plan", "x", "--bogus"], "countyreach plan: 错误：无法识别的参数：--bogus"),
])
def test_a_refused_command_line_is_said_in_chinese_and_exits_2(
        argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--lang", "zh"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：") and err.rstrip().endswith(said), err
    with pytest.raises(SystemExit) as done:
        main(argv)  # in English as argparse writes it
    assert done.value.code == 2 and "error: " in capsys.readouterr().err


def test_an_unknown_option_is_refused_with_the_usage_of_its_command(
        capsys: pytest.CaptureFixture[str]) -> None:
    # the usage shown is the command's own, which lists the options it does take
    with pytest.raises(SystemExit) as done:
        main(["synth", "somewhere", "--people", "3000"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: countyreach synth") and "--businesses N" in err
    assert err.rstrip().endswith("countyreach synth: error: unrecognized arguments: "
                                 "--people 3000")
    with pytest.raises(SystemExit) as done:
        main(["county", "init", "x", "--osm", "y.osm", "--zzz"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: countyreach county init") and "--officers" in err


def test_a_refusal_it_does_not_know_is_left_as_written() -> None:
    assert usage_error("something new in a later Python", "zh") == \
        "something new in a later Python"
    assert usage_error("argument --x: something new", "zh") == "参数 --x：something new"
