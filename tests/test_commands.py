"""Command-line argument errors in Dutch (English when LANGUAGE says so), for every command of the project: a
missing, unknown or invalid argument through call_command (a CommandError) and through the shell (usage, exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from config.commands import BaseCommand, translate


def project_commands() -> list[tuple[str, str]]:
    return sorted((name, app) for name, app in get_commands().items() if app in ("inventory", "accounts"))


def test_every_command_of_the_project_derives_from_the_dutch_base() -> None:
    commands = project_commands()
    assert len(commands) >= 10
    for name, app in commands:
        assert isinstance(load_command_class(app, name), BaseCommand), name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import_headcounts"], "Fout: deze argumenten ontbreken: BESTAND"),
        (["export_aggregates", "--format", "pdf"], "Fout: argument --format: ongeldige keuze 'pdf' (kies uit"),
        (["recompute_aggregates", "--year", "twintig"], "Fout: argument --year: ongeldige waarde 'twintig'"),
        (["create_api_token", "pom", "--kleur"], "Fout: onbekende argumenten: --kleur"),
    ],
)
def test_call_command_raises_a_dutch_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command(*args)
    assert str(error.value).startswith(message)


def run(*args: str, language: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANGUAGE": language, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    manage = str(settings.BASE_DIR / "manage.py")
    return subprocess.run([sys.executable, manage, *args], env=env, capture_output=True, text=True, timeout=120)


def test_the_shell_shows_dutch_usage_and_error_and_exits_2() -> None:
    result = run("export_headcounts", "--scope", "alles")
    assert result.returncode == 2
    assert "gebruik: manage.py export_headcounts" in result.stderr
    assert "manage.py export_headcounts: fout: argument --scope: ongeldige keuze 'alles'" in result.stderr
    assert "usage:" not in result.stderr


def test_english_when_language_says_so() -> None:
    result = run("recompute_aggregates", "--year", "abc", language="en_GB:nl")
    assert result.returncode == 2
    assert "usage: manage.py recompute_aggregates" in result.stderr
    assert "error: argument --year: invalid value 'abc': expected an integer" in result.stderr


def test_help_headings_are_dutch() -> None:
    result = run("load_reference", "--help")
    assert result.returncode == 0
    assert "opties:" in result.stdout
    assert "toon deze hulp en stop" in result.stdout


@pytest.mark.parametrize(
    ("english", "dutch"),
    [
        ("expected one argument", "verwacht één waarde"),
        ("argument -o/--output: expected one argument", "argument -o/--output: verwacht één waarde"),
        ("one of the arguments --a --b is required", "een van deze argumenten is nodig: --a --b"),
        ("een eigen Nederlandse melding", "een eigen Nederlandse melding"),
    ],
)
def test_argparse_messages_are_translated_and_others_pass_unchanged(english: str, dutch: str) -> None:
    assert translate(english) == dutch
