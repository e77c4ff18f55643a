"""import_headcounts and import_organisations: a Dutch summary, every error on stderr, a non-zero exit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from inventory.management.commands.import_headcounts import Command as ImportHeadcounts
from inventory.management.commands.import_organisations import Command as ImportOrganisations
from inventory.models import Headcount, Organisation, Region, Submission
from tests.factories import OrganisationFactory, valid_kbo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_db")]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory(home_region=Region.objects.get(code="31005"))


@pytest.fixture
def good_file(tmp_path: Path, organisation: Organisation) -> Path:
    path = tmp_path / "tellingen.csv"
    path.write_text(f"jaar;organisatie;maatregel;regio;personen\n2019;{organisation.kbo};VOP;31005;1234\n")
    return path


def test_import_headcounts_prints_a_dutch_summary(good_file: Path) -> None:
    out, err = run("import_headcounts", str(good_file))

    assert out == "1 rij: 1 nieuw, 0 gewijzigd, 0 ongewijzigd\n"
    assert err == ""
    assert Headcount.objects.get().persons == 1234


def test_import_headcounts_prints_every_error_and_fails(tmp_path: Path, organisation: Organisation) -> None:
    path = tmp_path / "fout.csv"
    path.write_text(
        "year,organisation,measure,region,persons\n"
        f"2019,{organisation.kbo},VOP,31005,1\n"
        f"2019,{organisation.kbo},XYZ,31005,-3\n"
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="2 fouten gevonden; niets opgeslagen"):
        call_command("import_headcounts", str(path), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        f"{path}: Rij 3, kolom measure: onbekende maatregel ‘XYZ’; verwacht een maatregelcode zoals AMA, AZ, W2.",
        f"{path}: Rij 3, kolom persons: ‘-3’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.",
    ]
    assert (
        out.getvalue() == "2 rijen: 0 nieuw, 0 gewijzigd, 0 ongewijzigd – niets opgeslagen: het bestand bevat fouten\n"
    )
    assert not Headcount.objects.exists()


def test_import_headcounts_dry_run_writes_nothing(good_file: Path) -> None:
    out, _err = run("import_headcounts", str(good_file), "--dry-run")

    assert out == "1 rij: 1 nieuw, 0 gewijzigd, 0 ongewijzigd – proefimport: niets opgeslagen\n"
    assert not Headcount.objects.exists()
    assert not Submission.objects.exists()


def test_import_headcounts_validate_needs_an_existing_staff_user(good_file: Path, editor_a: User) -> None:
    with pytest.raises(CommandError, match="--validate heeft --user nodig"):
        run("import_headcounts", str(good_file), "--validate")
    with pytest.raises(CommandError, match="Gebruiker niemand bestaat niet"):
        run("import_headcounts", str(good_file), "--validate", "--user", "niemand")
    with pytest.raises(CommandError, match="editor_a is geen POM-medewerker"):
        run("import_headcounts", str(good_file), "--validate", "--user", "editor_a")
    assert not Headcount.objects.exists()


def test_import_headcounts_validate_validates_in_the_users_name(good_file: Path, staff_user: User) -> None:
    run("import_headcounts", str(good_file), "--validate", "--user", staff_user.username)

    submission = Submission.objects.get()
    assert (submission.status, submission.validated_by) == ("validated", staff_user)


def test_import_headcounts_reads_xlsx(tmp_path: Path, organisation: Organisation) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["year", "organisation", "measure", "region", "persons"])
    workbook.active.append([2019, organisation.kbo, "VOP", "31005", 7])
    path = tmp_path / "tellingen.xlsx"
    workbook.save(path)

    out, _err = run("import_headcounts", str(path))

    assert out.startswith("1 rij: 1 nieuw")
    assert Headcount.objects.get().persons == 7


def test_a_missing_or_too_large_file_is_a_clear_error(tmp_path: Path, settings) -> None:
    with pytest.raises(CommandError, match="kan niet gelezen worden"):
        run("import_headcounts", str(tmp_path / "weg.csv"))

    settings.IMPORT_MAX_BYTES = 10
    path = tmp_path / "groot.csv"
    path.write_bytes(b"x" * 2_000_000)
    with pytest.raises(CommandError, match=r"Het bestand is te groot \(1,9 MB\); het maximum is 0,0 MB"):
        run("import_organisations", str(path))


def test_import_organisations(tmp_path: Path) -> None:
    path = tmp_path / "organisaties.csv"
    path.write_bytes(
        f"kbo;naam;soort;regio;email\n{valid_kbo(6_000_001)};Maatwerkbedrijf Ü;maatwerkbedrijf;31005;\n".encode(
            "cp1252"
        )
    )

    out, _err = run("import_organisations", str(path))

    assert out == "1 rij: 1 nieuw, 0 gewijzigd, 0 ongewijzigd\n"
    assert Organisation.objects.get().name == "Maatwerkbedrijf Ü"
    assert run("import_organisations", str(path))[0] == "1 rij: 0 nieuw, 0 gewijzigd, 1 ongewijzigd\n"


def test_import_organisations_fails_on_errors(tmp_path: Path) -> None:
    path = tmp_path / "organisaties.csv"
    path.write_text("kbo,name,kind,region,email\n0123.456.748,X,maatwerkbedrijf,30000,\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 fouten gevonden"):
        call_command("import_organisations", str(path), stdout=io.StringIO(), stderr=err)

    assert "Rij 2, kolom kbo: Ondernemingsnummer 0123.456.748 klopt niet" in err.getvalue()
    assert "Rij 2, kolom region: West-Vlaanderen (30000) is een provincie, geen gemeente" in err.getvalue()
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (ImportHeadcounts, ["Importeert tellingen", "alles controleren en tellen, maar niets opslaan", "--validate"]),
        (ImportOrganisations, ["Importeert organisaties", "vestigingsgemeente", "--dry-run"]),
    ],
)
def test_help_is_dutch(command: type, words: list[str]) -> None:
    text = command().create_parser("manage.py", command.__module__.rsplit(".", 1)[-1]).format_help()

    for word in words:
        assert word in " ".join(text.split())
