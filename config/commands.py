"""The base of every management command of the project: usage, help headings and argument errors in Dutch, in
English when the environment variable LANGUAGE starts with "en" (as the rest of a Unix shell reads it).

argparse writes its messages in English and Django's CommandParser adds "Error: "; both are rewritten here, at
the moment they are printed or raised, so call_command's CommandError and the shell's usage line say the same."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

from django.conf import settings
from django.core.management import base
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Django's own options, by dest: their help in the command's language.
_BASE_HELP: dict[str, Promise] = {
    "help": gettext_lazy("toon deze hulp en stop"),
    "version": gettext_lazy("toon het versienummer en stop"),
    "verbosity": gettext_lazy("hoeveel uitvoer: 0 = minimaal, 1 = gewoon, 2 = uitgebreid, 3 = zeer uitgebreid"),
    "settings": gettext_lazy("Python-pad van een settingsmodule; anders DJANGO_SETTINGS_MODULE"),
    "pythonpath": gettext_lazy("een map die aan het Python-pad wordt toegevoegd"),
    "traceback": gettext_lazy("toon de volledige stack trace bij een CommandError"),
    "no_color": gettext_lazy("geen kleur in de uitvoer"),
    "force_color": gettext_lazy("altijd kleur in de uitvoer"),
    "skip_checks": gettext_lazy("sla de systeemcontroles over"),
}

_TYPE_NAMES: dict[str, Promise] = {"int": gettext_lazy("een geheel getal"), "float": gettext_lazy("een getal")}


def command_language() -> str:
    """English when LANGUAGE asks for it (e.g. LANGUAGE=en or en_GB:nl), the site's default language otherwise."""
    first = os.environ.get("LANGUAGE", "").split(":")[0].strip().lower()
    return "en" if first.startswith("en") else settings.LANGUAGE_CODE


# argparse's messages (Python 3.11) that a user meets, and their translation. An argument's own message (raised by
# a type function of the project) is already Dutch and passes unchanged.
_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"the following arguments are required: (?P<names>.+)"),
        lambda m: _("deze argumenten ontbreken: %(names)s") % {"names": m["names"]},
    ),
    (
        re.compile(r"unrecognized arguments: (?P<args>.+)"),
        lambda m: _("onbekende argumenten: %(args)s") % {"args": m["args"]},
    ),
    (
        re.compile(r"one of the arguments (?P<names>.+) is required"),
        lambda m: _("een van deze argumenten is nodig: %(names)s") % {"names": m["names"]},
    ),
    (
        re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)"),
        lambda m: _("dubbelzinnige optie %(option)s: kan %(matches)s zijn") % m.groupdict(),
    ),
    (
        re.compile(r"invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)"),
        lambda m: _("ongeldige keuze %(value)s (kies uit %(choices)s)") % m.groupdict(),
    ),
    (
        re.compile(r"invalid (?P<type>\w+) value: (?P<value>.+)"),
        lambda m: (
            _("ongeldige waarde %(value)s: verwacht %(type)s")
            % {"value": m["value"], "type": _TYPE_NAMES.get(m["type"], m["type"])}
        ),
    ),
    (re.compile(r"expected one argument"), lambda m: _("verwacht één waarde")),
    (re.compile(r"expected at least one argument"), lambda m: _("verwacht minstens één waarde")),
    (re.compile(r"expected at most one argument"), lambda m: _("verwacht hoogstens één waarde")),
    (
        re.compile(r"not allowed with argument (?P<other>.+)"),
        lambda m: _("niet toegestaan samen met %(other)s") % m.groupdict(),
    ),
    (
        re.compile(r"argument (?P<name>[^:]+): (?P<message>.+)", re.DOTALL),
        lambda m: _("argument %(name)s: %(message)s") % {"name": m["name"], "message": translate(m["message"])},
    ),
]


def translate(message: str) -> str:
    """argparse's English message in the active language (unchanged when it is not one of argparse's)."""
    for pattern, words in _MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return words(match)
    return message


class HelpFormatter(base.DjangoHelpFormatter):
    def add_usage(
        self, usage: str | None, actions: Iterable[Any], groups: Iterable[Any], prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, _("gebruik: ") if prefix is None else prefix)


class CommandParser(base.CommandParser):
    """Django's parser, its words in the command's language (command_language)."""

    def format_usage(self) -> str:
        with translation.override(command_language()):
            return super().format_usage()

    def format_help(self) -> str:
        with translation.override(command_language()):
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with translation.override(command_language()):
            text = translate(message)
            if not self.called_from_command_line:
                raise CommandError(_("Fout: %(message)s") % {"message": text})
            self.print_usage(sys.stderr)
            self.exit(2, _("%(prog)s: fout: %(message)s\n") % {"prog": self.prog, "message": text})


class BaseCommand(base.BaseCommand):
    """Every command of the project derives from this one (tests/test_commands.py checks that)."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> base.CommandParser:
        parser = super().create_parser(prog_name, subcommand, formatter_class=HelpFormatter, **kwargs)
        # Django builds its parser with a fixed class; the subclass only changes how messages are worded.
        parser.__class__ = CommandParser
        parser._positionals.title = gettext_lazy("positionele argumenten")  # type: ignore[assignment]
        parser._optionals.title = gettext_lazy("opties")  # type: ignore[assignment]
        for action in parser._actions:
            if action.dest in _BASE_HELP:
                action.help = _BASE_HELP[action.dest]  # type: ignore[assignment]
        return parser


__all__: Sequence[str] = ["BaseCommand", "CommandParser", "command_language", "translate"]
