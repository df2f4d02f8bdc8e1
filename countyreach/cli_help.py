"""The command line's help and usage errors in the user's language.

``countyreach plan --help --lang zh`` (``--lang`` anywhere on the line, as every command
takes it) prints every heading, description and option's help in Chinese, and a line
argparse refuses (a missing argument, an unknown choice) is said in Chinese too.
The English help text written in the parsers is the message id of the catalogue's ``cli``
context (:data:`countyreach.i18n.Vocabulary.CLI`): the code keeps one text, translators see
the English they translate, and a help text without a translation shows in English.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from countyreach.i18n import LANGS, cli_text

__all__ = ["help_lang", "localize_help", "help_texts", "all_parsers", "LocalizedParser",
           "usage_error", "ERROR_TEMPLATES"]

#: argparse's own headings, which it writes in English whatever the language.
HEADINGS = ("usage: ", "positional arguments", "options", "examples")


#: argparse's refusals of a command line (its English, as Python 3.11+ writes it), each with
#: the catalogue's template it is said with; the fields are the refusal's own words.
_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template) for pattern, template in (
        (r"the following arguments are required: (?P<args>.+)",
         "the following arguments are required: {args}"),
        (r"unrecognized arguments: (?P<args>.+)", "unrecognized arguments: {args}"),
        (r"one of the arguments (?P<args>.+) is required",
         "one of the arguments {args} is required"),
        (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)",
         "ambiguous option: {option} could match {matches}"),
        (r"expected one argument", "expected one argument"),
        (r"expected at least one argument", "expected at least one argument"),
        (r"expected at most one argument", "expected at most one argument"),
        (r"invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)",
         "invalid choice: {value} (choose from {choices})"),
        (r"invalid (?P<type>\S+) value: (?P<value>.+)", "invalid {type} value: {value}"),
        (r"not allowed with argument (?P<other>.+)", "not allowed with argument {other}"),
        (r"ignored explicit argument (?P<value>.+)", "ignored explicit argument {value}"),
    ))
_ARGUMENT = re.compile(r"argument (?P<arg>[^:]+): (?P<message>.+)", re.DOTALL)
#: Every template a usage error is said with (what the ``cli`` context translates).
ERROR_TEMPLATES: tuple[str, ...] = (
    "{prog}: error: {message}", "argument {arg}: {message}",
    *(template for _, template in _REFUSALS))


def usage_error(message: str, lang: str) -> str:
    """argparse's refusal ``message`` in ``lang`` (as written when it is none it knows)."""
    if lang == "en":
        return message
    found = _ARGUMENT.fullmatch(message)
    if found is not None:
        return cli_text("argument {arg}: {message}", lang).format(
            arg=found["arg"], message=usage_error(found["message"], lang))
    for pattern, template in _REFUSALS:
        match = pattern.fullmatch(message)
        if match is not None:
            return cli_text(template, lang).format(**match.groupdict())
    return message


class LocalizedParser(argparse.ArgumentParser):
    """An argument parser whose usage errors read in :attr:`help_lang` (argparse's own
    are English); its subcommands' parsers are of its class."""

    help_lang = "en"

    def error(self, message: str) -> NoReturn:
        """Print the usage and the refusal in the parser's language; exit 2."""
        self.print_usage(sys.stderr)
        self.exit(2, cli_text("{prog}: error: {message}", self.help_lang).format(
            prog=self.prog, message=usage_error(message, self.help_lang)) + "\n")


def help_lang(argv: Sequence[str]) -> str:
    """The language help is printed in: ``--lang X`` (or ``--lang=X``) on the command
    line, else English (read before the line is parsed: ``--help`` stops the parsing).

    Parameters
    ----------
    argv : sequence of str
        The command line's arguments (without the program).
    """
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1] if argv[i + 1] in LANGS else "en"
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
            return value if value in LANGS else "en"
    return "en"


def _formatter(lang: str) -> type[argparse.HelpFormatter]:
    class Localized(argparse.RawDescriptionHelpFormatter):
        """Help text, headings and the usage prefix from the catalogue."""

        def _get_help_string(self, action: argparse.Action) -> str | None:
            text = super()._get_help_string(action)
            return cli_text(text, lang) if text else text

        def start_section(self, heading: str | None) -> None:
            super().start_section(cli_text(heading, lang) if heading else heading)

        def add_usage(self, usage: str | None, actions: object, groups: object,
                      prefix: str | None = None) -> None:
            super().add_usage(usage, actions, groups,  # type: ignore[arg-type]
                              cli_text("usage: ", lang) if prefix is None else prefix)

    return Localized


def all_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and the parsers of its subcommands, at every depth."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                yield from all_parsers(child)


def localize_help(parser: argparse.ArgumentParser, lang: str) -> None:
    """Make ``parser`` and its subcommands print their help in ``lang``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The whole command line (:func:`countyreach.cli.build_parser`).
    lang : {"zh", "en"}
    """
    if lang == "en":
        return
    formatter = _formatter(lang)
    for p in all_parsers(parser):
        p.formatter_class = formatter
        if isinstance(p, LocalizedParser):
            p.help_lang = lang
        if p.description:
            p.description = cli_text(p.description, lang)
        if p.epilog and p.epilog.startswith("examples:"):
            p.epilog = cli_text("examples", lang) + "：" + p.epilog[len("examples:"):]


def help_texts(parser: argparse.ArgumentParser) -> list[str]:
    """Every help text, description and heading the parser's help shows, once each (what
    the ``cli`` context of the catalogue translates)."""
    seen: dict[str, None] = dict.fromkeys(HEADINGS)
    for p in all_parsers(parser):
        if p.description:
            seen[p.description] = None
        for action in p._actions:
            if action.help and action.help is not argparse.SUPPRESS:
                seen[action.help] = None
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if choice.help:
                        seen[choice.help] = None
    return list(seen)
