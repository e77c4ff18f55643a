"""Bulk imports (inventory/services/imports/): CSV and XLSX in both header languages, updates and unchanged
rows, locked submissions, duplicate keys, portal restriction, validation, aggregates, dry runs, and a catalogue
of bad files: each error names row, column and value, and the database is left exactly as it was."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from openpyxl import Workbook

from accounts.models import User
from inventory.models import (
    AggregateDirtyKey,
    CollectionRound,
    Headcount,
    Measure,
    Organisation,
    OrganisationKind,
    Region,
    Submission,
    SubmissionStatus,
)
from inventory.services import imports
from inventory.services.imports import ImportReport, ImportRowError, headcounts_import, organisations_import
from tests.factories import HeadcountFactory, OrganisationFactory, SubmissionFactory, valid_kbo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_db")]

HEADER = "year,organisation,measure,region,persons"
UNKNOWN_KBO = valid_kbo(9_876_543)


# --- helpers -------------------------------------------------------------------------------------------------


def text_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_file(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    """The same zip with each entry passed through `change` (None drops it) and entries added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def import_csv(content: bytes, **kwargs: Any) -> ImportReport:
    return headcounts_import(data=content, filename=kwargs.pop("filename", "tellingen.csv"), user=None, **kwargs)


def snapshot() -> dict[str, list[tuple]]:
    return {
        "organisations": list(Organisation.objects.order_by("pk").values_list()),
        "submissions": list(Submission.objects.order_by("pk").values_list()),
        "headcounts": list(Headcount.objects.order_by("pk").values_list()),
        "dirty keys": list(AggregateDirtyKey.objects.order_by("pk").values_list()),
    }


def stored(submission: Submission) -> dict[tuple[str, str], int]:
    return {
        (h.measure.code, h.region.code): h.persons
        for h in Headcount.objects.filter(submission=submission).select_related("measure", "region")
    }


def errors_of(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.value) for e in report.errors]


@pytest.fixture
def organisation_a(db: None) -> Organisation:
    return OrganisationFactory(name="Maatwerkbedrijf A", home_region=Region.objects.get(code="31005"))


@pytest.fixture
def pom(db: None) -> Organisation:
    return OrganisationFactory(
        kbo=settings.POM_KBO, name="POM West-Vlaanderen", kind=OrganisationKind.GEGEVENSLEVERANCIER
    )


@pytest.fixture
def draft_2019(organisation_a: Organisation) -> Submission:
    """A's 2019 draft with VOP in Brugge = 10: every bad file must leave it alone."""
    submission = SubmissionFactory(organisation=organisation_a, year=2019)
    HeadcountFactory(submission=submission, measure=Measure.objects.get(code="VOP"), persons=10)
    return submission


# --- happy paths ---------------------------------------------------------------------------------------------


def test_a_csv_creates_a_draft_submission_with_its_headcounts(organisation_a: Organisation) -> None:
    a = organisation_a.kbo
    report = import_csv(
        text_file(HEADER, f"2019,{a},VOP,31005,12", f"2019,{a},CMW-BED,31005,40", f"2018,{a},BW,31005,38")
    )

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
    assert report.submissions_created == 2
    submissions = Submission.objects.filter(organisation=organisation_a).order_by("year")
    assert [(s.year, s.status, s.version) for s in submissions] == [(2018, "draft", 2), (2019, "draft", 2)]
    assert report.submission_ids == sorted(s.pk for s in submissions)
    assert stored(submissions[1]) == {("VOP", "31005"): 12, ("CMW-BED", "31005"): 40}
    assert stored(submissions[0]) == {("BW", "31005"): 38}
    assert report.summary() == "3 rijen: 3 nieuw, 0 gewijzigd, 0 ongewijzigd"


def test_dutch_headers_in_any_case_and_order_with_semicolons(organisation_a: Organisation) -> None:
    content = text_file(
        " Personen ;REGIO;jaar;Maatregel; Organisatie ;VTE", f"7;31005;2019;vop;{organisation_a.kbo};3,5"
    )

    report = import_csv(content)

    assert report.ok, report.errors
    headcount = Headcount.objects.get(submission__organisation=organisation_a)
    assert (headcount.measure.code, headcount.region.code, headcount.persons) == ("VOP", "31005", 7)
    assert headcount.fte == Decimal("3.50")


@pytest.mark.parametrize(
    "spelling",
    ["{dotted}", "{digits}", "BE{digits}", "BE {dotted}", "be{digits}", " {digits} ", "{digits9}"],
)
def test_an_enterprise_number_in_any_usual_spelling(organisation_a: Organisation, spelling: str) -> None:
    kbo = organisation_a.kbo
    written = spelling.format(dotted=organisation_a.kbo_display, digits=kbo, digits9=kbo.lstrip("0"))

    report = import_csv(text_file(HEADER, f'2019,"{written}",VOP,31005,5'))

    assert report.ok, report.errors
    assert Headcount.objects.get().submission.organisation == organisation_a


def test_an_xlsx_sheet_is_read_like_a_csv_with_the_same_row_numbers(organisation_a: Organisation) -> None:
    # Numbers as a spreadsheet keeps them: the enterprise number and 02000 lose their leading zero.
    rows: list[list[Any]] = [
        ["Jaar", "Organisatie", "Maatregel", "Regio", "Personen", "VTE"],
        [2019, int(organisation_a.kbo), "VOP", 31005, 12, 10.5],
        [2019, organisation_a.kbo_display, "DC", 2000, 4.0, None],
        [None, None, None, None, None, None],
        [2019, organisation_a.kbo, "IBO", "31005", 3, None],
    ]

    report = headcounts_import(data=xlsx_file(rows), filename="tellingen.xlsx", user=None)

    assert report.ok, report.errors
    assert report.rows == 3
    submission = Submission.objects.get(organisation=organisation_a)
    assert stored(submission) == {("VOP", "31005"): 12, ("DC", "02000"): 4, ("IBO", "31005"): 3}
    assert Headcount.objects.get(measure__code="VOP").fte == Decimal("10.50")

    rows[4][4] = -3
    csv_rows = "\n".join(
        ",".join("" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in row) for row in rows
    ).encode()
    from_sheet = headcounts_import(data=xlsx_file(rows), filename="tellingen.xlsx", user=None)
    from_csv = import_csv(csv_rows)
    assert errors_of(from_sheet) == errors_of(from_csv) == [(5, "Personen", "-3")]


def test_a_second_import_updates_changed_rows_and_counts_equal_ones_unchanged(draft_2019: Submission) -> None:
    a = draft_2019.organisation.kbo
    first = import_csv(text_file(HEADER, f"2019,{a},VOP,31005,10", f"2019,{a},IBO,31005,3", f"2019,{a},DC,31005,8"))
    assert (first.created, first.updated, first.unchanged) == (2, 0, 1)
    draft_2019.refresh_from_db()
    assert draft_2019.version == 2  # once for the whole file

    second = import_csv(text_file(HEADER, f"2019,{a},VOP,31005,11", f"2019,{a},IBO,31005,3", f"2019,{a},DC,31005,8"))

    assert (second.rows, second.created, second.updated, second.unchanged) == (3, 0, 1, 2)
    assert second.summary() == "3 rijen: 0 nieuw, 1 gewijzigd, 2 ongewijzigd"
    assert stored(draft_2019) == {("VOP", "31005"): 11, ("IBO", "31005"): 3, ("DC", "31005"): 8}
    draft_2019.refresh_from_db()
    assert draft_2019.version == 3

    third = import_csv(text_file(HEADER, f"2019,{a},VOP,31005,11"))

    assert (third.created, third.updated, third.unchanged) == (0, 0, 1)
    draft_2019.refresh_from_db()
    assert draft_2019.version == 3  # nothing changed, so no new version


def test_fte_is_set_and_cleared_by_an_fte_column_and_kept_without_one(draft_2019: Submission) -> None:
    a = draft_2019.organisation.kbo
    assert import_csv(text_file(HEADER + ",fte", f'2019,{a},VOP,31005,10,"7,25"')).updated == 1
    assert Headcount.objects.get(submission=draft_2019).fte == Decimal("7.25")

    kept = import_csv(text_file(HEADER, f"2019,{a},VOP,31005,12"))
    assert (kept.updated, Headcount.objects.get(submission=draft_2019).fte) == (1, Decimal("7.25"))

    same = import_csv(text_file(HEADER + ",fte", f"2019,{a},VOP,31005,12,7.25"))
    assert same.unchanged == 1

    cleared = import_csv(text_file(HEADER + ",fte", f"2019,{a},VOP,31005,12,"))
    assert (cleared.updated, Headcount.objects.get(submission=draft_2019).fte) == (1, None)


def test_rows_without_an_organisation_go_to_poms_submission(pom: Organisation) -> None:
    report = import_csv(text_file(HEADER, "2019,,DC,30000,26912", "2019, ,DC,02000,150000"))

    assert report.ok, report.errors
    submission = Submission.objects.get(organisation=pom, year=2019)
    assert stored(submission) == {("DC", "30000"): 26912, ("DC", "02000"): 150000}


def test_rows_without_an_organisation_need_pom_to_exist(db: None) -> None:
    report = import_csv(text_file(HEADER, "2019,,DC,30000,5"))

    (error,) = report.errors
    assert (error.row, error.column, error.value) == (2, "organisation", "")
    assert "POM West-Vlaanderen (ondernemingsnummer 0410.013.753)" in error.message


def test_many_organisations_years_measures_and_regions_land_on_their_own_keys(db: None) -> None:
    organisations = [OrganisationFactory() for _ in range(3)]
    expected: dict[tuple[str, int, str, str], int] = {}
    lines = [HEADER]
    persons = 0
    for organisation in organisations:
        for year in (2019, 2020):
            for measure in ("VOP", "DC", "IBO", "AZ"):
                for region in ("31005", "34022", "30000", "02000", "37022" if year > 2024 else "37015"):
                    persons += 1
                    expected[(organisation.kbo, year, measure, region)] = persons
                    lines.append(f"{year},{organisation.kbo},{measure},{region},{persons}")
    body = lines[1:]
    random.Random(7).shuffle(body)

    report = import_csv(text_file(HEADER, *body))

    assert report.ok, report.errors
    assert report.created == len(expected) == 120
    actual = {
        (h.submission.organisation.kbo, h.submission.year, h.measure.code, h.region.code): h.persons
        for h in Headcount.objects.select_related("submission__organisation", "measure", "region")
    }
    assert actual == expected


def test_a_validated_submission_is_locked_but_an_equal_row_passes(organisation_a: Organisation) -> None:
    validated = SubmissionFactory(organisation=organisation_a, year=2019, validated=True)
    HeadcountFactory(submission=validated, measure=Measure.objects.get(code="VOP"), region=organisation_a.home_region)
    a = organisation_a.kbo
    before = snapshot()

    refused = import_csv(text_file(HEADER, f"2020,{a},VOP,31005,1", f"2019,{a},VOP,31005,13", f"2019,{a},DC,31005,1"))

    assert errors_of(refused) == [(3, "", f"2019, {organisation_a.kbo_display}, VOP, 31005"), (4, "", ANY_VALUE)]
    assert str(refused.errors[0]) == (
        "Rij 3: De aangifte Maatwerkbedrijf A 2019 is gevalideerd en dus vergrendeld; een medewerker moet ze eerst "
        "heropenen."
    )
    assert (refused.created, refused.updated, refused.unchanged, refused.submission_ids) == (0, 0, 0, [])
    assert snapshot() == before

    equal = import_csv(text_file(HEADER, f"2019,{a},VOP,31005,12"))
    assert (equal.ok, equal.unchanged) == (True, 1)


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


ANY_VALUE: Any = _Any()


def test_the_same_key_twice_is_an_error_on_the_second_row_naming_the_first(draft_2019: Submission) -> None:
    a = draft_2019.organisation
    before = snapshot()

    report = import_csv(
        text_file(HEADER, f"2019,{a.kbo},VOP,31005,1", f"2019,{a.kbo},IBO,31005,2", f"2019,{a.kbo_display},vop,31005,3")
    )

    (error,) = report.errors
    assert (error.row, error.column, error.value) == (4, "", f"2019, {a.kbo_display}, vop, 31005")
    assert "als rij 2" in error.message
    assert snapshot() == before


def test_a_portal_upload_only_takes_rows_of_the_users_organisations(
    organisation_a: Organisation, organisation_b: Organisation, pom: Organisation
) -> None:
    mine = Organisation.objects.filter(pk=organisation_a.pk)
    today = timezone.localdate()
    CollectionRound.objects.create(year=2019, opens_on=today, closes_on=today)
    before = snapshot()

    report = headcounts_import(
        data=text_file(
            HEADER,
            f"2019,{organisation_a.kbo},CMW-BED,31005,1",
            f"2019,{organisation_b.kbo},CMW-BED,31005,2",
            "2019,,DC,30000,3",
            f"2019,{UNKNOWN_KBO},CMW-BED,31005,4",
        ),
        filename="tellingen.csv",
        user=None,
        organisations=mine,
    )

    assert errors_of(report) == [
        (3, "organisation", organisation_b.kbo),
        (4, "organisation", ""),
        (4, "region", "30000"),  # and a province is no region an organisation reports at
        (5, "organisation", UNKNOWN_KBO),
    ]
    assert "is geen van uw organisaties" in report.errors[0].message
    assert "vul het ondernemingsnummer van uw organisatie in" in report.errors[1].message
    assert "organisaties geven hun cijfers per gemeente" in report.errors[2].message
    # An unknown number gets the same answer as another organisation's: nothing leaks.
    assert "is geen van uw organisaties" in report.errors[3].message
    assert snapshot() == before

    own = headcounts_import(
        data=text_file(HEADER, f"2019,{organisation_a.kbo},CMW-BED,31005,1"),
        filename="tellingen.csv",
        user=None,
        organisations=mine,
    )
    assert (own.ok, own.created) == (True, 1)


def test_validate_marks_the_files_submissions_validated_by_the_user(
    organisation_a: Organisation, organisation_b: Organisation, staff_user: User
) -> None:
    SubmissionFactory(organisation=organisation_b, year=2019, status=SubmissionStatus.SUBMITTED)
    content = text_file(HEADER, f"2019,{organisation_a.kbo},VOP,31005,1", f"2019,{organisation_b.kbo},VOP,31005,2")

    report = headcounts_import(data=content, filename="t.csv", user=staff_user, validate=True)

    assert report.ok, report.errors
    submissions = Submission.objects.filter(pk__in=report.submission_ids)
    assert {(s.organisation, s.status, s.validated_by) for s in submissions} == {
        (organisation_a, "validated", staff_user),
        (organisation_b, "validated", staff_user),
    }
    vop, brugge = Measure.objects.get(code="VOP"), Region.objects.get(code="31005")
    assert set(AggregateDirtyKey.objects.values_list("year", "region", "measure")) == {(2019, brugge.pk, vop.pk)}


def test_validate_needs_a_staff_user(organisation_a: Organisation, editor_a: User) -> None:
    content = text_file(HEADER, f"2019,{organisation_a.kbo},VOP,31005,1")

    for user in (None, editor_a):
        with pytest.raises(PermissionDenied):
            headcounts_import(data=content, filename="t.csv", user=user, validate=True)
    assert not Headcount.objects.exists()


def test_a_returned_submission_goes_back_to_draft_when_a_file_changes_it_so_validate_validates_it(
    organisation_a: Organisation, staff_user: User
) -> None:
    returned = SubmissionFactory(organisation=organisation_a, year=2019, status=SubmissionStatus.RETURNED)

    report = headcounts_import(
        data=text_file(HEADER, f"2019,{organisation_a.kbo},VOP,31005,1"),
        filename="t.csv",
        user=staff_user,
        validate=True,
    )

    assert report.errors == []
    returned.refresh_from_db()
    assert returned.status == SubmissionStatus.VALIDATED
    assert returned.headcounts.get().persons == 1


def test_changes_to_submitted_figures_mark_their_keys_dirty_and_drafts_mark_none(
    organisation_a: Organisation, organisation_b: Organisation
) -> None:
    submitted = SubmissionFactory(organisation=organisation_a, year=2019, status=SubmissionStatus.SUBMITTED)
    vop, dc = Measure.objects.get(code="VOP"), Measure.objects.get(code="DC")
    brugge, kortrijk = Region.objects.get(code="31005"), Region.objects.get(code="34022")
    HeadcountFactory(submission=submitted, measure=vop, region=brugge, persons=10)
    HeadcountFactory(submission=submitted, measure=dc, region=brugge, persons=4)
    a, b = organisation_a.kbo, organisation_b.kbo

    report = import_csv(
        text_file(
            HEADER,
            f"2019,{a},VOP,31005,10",  # unchanged
            f"2019,{a},DC,31005,5",  # updated
            f"2019,{a},VOP,34022,1",  # new
            f"2019,{b},IBO,34022,7",  # a new draft: not in the aggregates
        )
    )

    assert (report.created, report.updated, report.unchanged) == (2, 1, 1)
    assert sorted(AggregateDirtyKey.objects.values_list("year", "region", "measure")) == sorted(
        [(2019, brugge.pk, dc.pk), (2019, kortrijk.pk, vop.pk)]
    )


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(draft_2019: Submission) -> None:
    a = draft_2019.organisation.kbo
    before = snapshot()

    report = import_csv(text_file(HEADER, f"2019,{a},VOP,31005,11", f"2020,{a},VOP,31005,1"), dry_run=True)

    assert report.ok
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 1, 1, 0)
    assert report.submissions_created == 1
    assert report.summary() == "2 rijen: 1 nieuw, 1 gewijzigd, 0 ongewijzigd – proefimport: niets opgeslagen"
    assert snapshot() == before


def test_progress_is_reported_while_reading_and_at_the_end(
    organisation_a: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports.headcounts, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int]] = []
    lines = [f"2019,{organisation_a.kbo},VOP,{code},1" for code in ("31005", "34022", "30000", "02000", "35013")]

    import_csv(text_file(HEADER, *lines), progress=lambda done, total: calls.append((done, total)))

    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_errors_are_in_english_when_english_is_active(organisation_a: Organisation) -> None:
    with translation.override("en"):
        report = import_csv(text_file(HEADER, f"2019,{organisation_a.kbo},VOP,31005,-3"))

        assert str(report.errors[0]) == (
            "Row 2, column persons: ‘-3’ is not a valid number; expected a whole number of 0 or more."
        )
        assert report.summary() == "1 row: 0 new, 0 changed, 0 unchanged – nothing saved: the file has errors"


def test_the_error_list_stops_at_a_thousand_and_says_how_many_more(
    organisation_a: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports.report, "MAX_ERRORS", 3)

    report = import_csv(text_file(HEADER, *[f"2019,{organisation_a.kbo},VOP,31005,x{n}" for n in range(5)]))

    assert [e.row for e in report.errors] == [2, 3, 4, 0]
    assert str(report.errors[-1]) == "en nog 2 fouten; verbeter eerst de bovenstaande."


# --- encodings and delimiters that must work -----------------------------------------------------------------


def test_utf8_with_a_bom_is_read(organisation_a: Organisation) -> None:
    report = import_csv(b"\xef\xbb\xbf" + text_file(HEADER, f"2019,{organisation_a.kbo},VOP,31005,1"))

    assert (report.ok, report.created) == (True, 1)


def test_an_excel_sep_line_is_honoured_and_counted_as_a_line(organisation_a: Organisation) -> None:
    ok = import_csv(
        text_file("sep=;", "jaar;organisatie;maatregel;regio;personen", f"2019;{organisation_a.kbo};VOP;31005;1")
    )
    assert (ok.ok, ok.created) == (True, 1)

    bad = import_csv(
        text_file("sep=;", "jaar;organisatie;maatregel;regio;personen", f"2019;{organisation_a.kbo};VOP;31005;x")
    )
    assert errors_of(bad) == [(3, "personen", "x")]


def test_windows_1252_names_are_stored_with_the_right_characters(db: None) -> None:
    content = text_file(
        "kbo;naam;soort;regio;email",
        f"{valid_kbo(5_100_001)};Atelier Zeebrugge – é en ë;maatwerkbedrijf;31005;",
        encoding="cp1252",
    )

    report = organisations_import(data=content, filename="organisaties.csv")

    assert (report.ok, report.created) == (True, 1)
    assert Organisation.objects.get(kbo=valid_kbo(5_100_001)).name == "Atelier Zeebrugge – é en ë"


# --- the catalogue of bad headcount files ------------------------------------------------------------------

GOOD = "2019,{a},VOP,31005,5"


def csv_case(*lines: str) -> Callable[[Organisation], bytes]:
    return lambda a: text_file(*(line.format(a=a.kbo) for line in lines))


BAD_CSV = [
    # (id, content, filename, (row, column, value), part of the message)
    ("empty file", lambda a: b"", "t.csv", (0, "", ""), "Het bestand is leeg."),
    ("only blank lines and a BOM", lambda a: b"\xef\xbb\xbf\r\n  \r\n", "t.csv", (0, "", ""), "Het bestand is leeg."),
    ("header only", csv_case(HEADER), "t.csv", (0, "", ""), "enkel een kopregel en geen gegevens"),
    (
        "missing column",
        csv_case("jaar,organisatie,maatregel,regio", "2019,{a},VOP,31005"),
        "t.csv",
        (1, "personen", ""),
        "de kolom ‘personen’ ontbreekt; verwacht de kolommen jaar, organisatie, maatregel, regio, personen",
    ),
    (
        "unknown column",
        csv_case(HEADER + ",opmerking", GOOD + ",x"),
        "t.csv",
        (1, "opmerking", "opmerking"),
        "onbekende kolom ‘opmerking’; verwacht de kolommen year, organisation",
    ),
    (
        "unknown column in a Dutch file: the Dutch names",
        csv_case("jaar,organisatie,maatregel,regio,personen,opmerking", "2019,{a},VOP,31005,5,x"),
        "t.csv",
        (1, "opmerking", "opmerking"),
        "onbekende kolom ‘opmerking’; verwacht de kolommen jaar, organisatie, maatregel, regio, personen (en optioneel",
    ),
    (
        "duplicated column",
        csv_case(HEADER + ",personen", GOOD + ",6"),
        "t.csv",
        (1, "personen", "personen"),
        "de kolom ‘personen’ komt meer dan eens voor (kolommen 5 en 6)",
    ),
    (
        "extra cells beyond the header",
        csv_case(HEADER, GOOD, "2019,{a},IBO,31005,5,7"),
        "t.csv",
        (3, "", "7"),
        "een waarde in een kolom zonder naam in de kopregel",
    ),
    (
        "tab as delimiter",
        csv_case(HEADER.replace(",", "\t"), GOOD.replace(",", "\t")),
        "t.csv",
        (1, HEADER.replace(",", "\t"), HEADER.replace(",", "\t")),
        "onbekende kolom",
    ),
    (
        "pipe as delimiter",
        csv_case(HEADER.replace(",", "|"), GOOD.replace(",", "|")),
        "t.csv",
        (1, HEADER.replace(",", "|"), HEADER.replace(",", "|")),
        "onbekende kolom",
    ),
    (
        "negative persons",
        csv_case(HEADER, GOOD, "2019,{a},IBO,31005,-3"),
        "t.csv",
        (3, "persons", "-3"),
        "‘-3’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.",
    ),
    (
        "decimal comma",
        csv_case(HEADER.replace(",", ";"), GOOD.replace(",", ";"), "2019;{a};IBO;31005;3,5"),
        "t.csv",
        (3, "persons", "3,5"),
        "zonder decimalen en zonder punt, komma of spatie tussen de duizendtallen",
    ),
    ("decimal point", csv_case(HEADER, GOOD, "2019,{a},IBO,31005,3.5"), "t.csv", (3, "persons", "3.5"), "geen geldig"),
    (
        "thousands point",
        csv_case(HEADER, GOOD, "2019,{a},IBO,31005,1.234"),
        "t.csv",
        (3, "persons", "1.234"),
        "zonder punt, komma of spatie tussen de duizendtallen (bv. 1234)",
    ),
    (
        "thousands space",
        csv_case(HEADER, GOOD, "2019,{a},IBO,31005,1 234"),
        "t.csv",
        (3, "persons", "1 234"),
        "zonder punt, komma of spatie tussen de duizendtallen (bv. 1234)",
    ),
    (
        "empty persons",
        csv_case(HEADER, GOOD, "2019,{a},IBO,31005,"),
        "t.csv",
        (3, "persons", ""),
        "het aantal personen ontbreekt",
    ),
    (
        "text as persons",
        csv_case(HEADER, GOOD, "2019,{a},IBO,31005,twaalf"),
        "t.csv",
        (3, "persons", "twaalf"),
        "‘twaalf’ is geen geldig aantal",
    ),
    (
        "malformed enterprise number",
        csv_case(HEADER, GOOD, "2019,12345,IBO,31005,1"),
        "t.csv",
        (3, "organisation", "12345"),
        "Ondernemingsnummer 12345 is ongeldig: verwacht 10 cijfers",
    ),
    (
        "wrong check digits",
        csv_case(HEADER, GOOD, "2019,0123.456.748,IBO,31005,1"),
        "t.csv",
        (3, "organisation", "0123.456.748"),
        "de controlecijfers (modulo 97) zijn fout",
    ),
    (
        "unknown enterprise number",
        csv_case(HEADER, GOOD, f"2019,{UNKNOWN_KBO},IBO,31005,1"),
        "t.csv",
        (3, "organisation", UNKNOWN_KBO),
        "er is geen organisatie met ondernemingsnummer",
    ),
    (
        "unknown measure",
        csv_case(HEADER, GOOD, "2019,{a},XYZ,31005,1"),
        "t.csv",
        (3, "measure", "XYZ"),
        "onbekende maatregel ‘XYZ’; verwacht een maatregelcode",
    ),
    (
        "measure not valid that year",
        csv_case(HEADER, GOOD, "2019,{a},BW,31005,1"),
        "t.csv",
        (3, "measure", "BW"),
        "Maatregel BW bestaat niet in 2019 (geldig 2014-2018).",
    ),
    (
        "unknown region",
        csv_case(HEADER, GOOD, "2019,{a},IBO,55555,1"),
        "t.csv",
        (3, "region", "55555"),
        "er is geen regio met NIS-code ‘55555’ (Statbel)",
    ),
    (
        "region that did not exist that year",
        csv_case(HEADER, GOOD, "2019,{a},IBO,37022,1"),
        "t.csv",
        (3, "region", "37022"),
        "Regio 37022 (Tielt) bestond niet in 2019.",
    ),
    (
        "merged municipality after its merger",
        csv_case(HEADER, "2025,{a},VOP,31005,5", "2025,{a},IBO,37007,1"),
        "t.csv",
        (3, "region", "37007"),
        "Regio 37007 (Meulebeke) bestond niet in 2025; ze is opgegaan in Tielt (37022).",
    ),
    (
        "year out of range",
        csv_case(HEADER, GOOD, "1999,{a},IBO,31005,1"),
        "t.csv",
        (3, "year", "1999"),
        "‘1999’ is geen geldig jaar; verwacht een jaartal van 2000 tot en met 2100.",
    ),
    (
        "year far ahead",
        csv_case(HEADER, GOOD, "2101,{a},IBO,31005,1"),
        "t.csv",
        (3, "year", "2101"),
        "geen geldig jaar",
    ),
    ("year as text", csv_case(HEADER, GOOD, "vorig jaar,{a},IBO,31005,1"), "t.csv", (3, "year", "vorig jaar"), "jaar"),
    (
        "formula in a text column",
        csv_case(HEADER, GOOD, '2019,{a},=HYPERLINK("http://x"),31005,1'),
        "t.csv",
        (3, "measure", '=HYPERLINK("http://x")'),
        "begint met ‘=’, zodat een rekenblad het als formule zou uitvoeren; zulke waarden worden geweigerd",
    ),
    (
        "formula starting with @",
        csv_case(HEADER, GOOD, "2019,@SUM(A1),IBO,31005,1"),
        "t.csv",
        (3, "organisation", "@SUM(A1)"),
        "begint met ‘@’",
    ),
    (
        "formula starting with +",
        csv_case(HEADER, GOOD, "2019,{a},IBO,+31005,1"),
        "t.csv",
        (3, "region", "+31005"),
        "begint met ‘+’",
    ),
    (
        "formula starting with -",
        csv_case(HEADER, GOOD, "2019,{a},-IBO,31005,1"),
        "t.csv",
        (3, "measure", "-IBO"),
        "begint met ‘-’",
    ),
    (
        "a 10,000-character field",
        csv_case(HEADER, GOOD, "2019,{a}," + "X" * 10_000 + ",31005,1"),
        "t.csv",
        (3, "measure", "X" * 100 + "…"),
        "de waarde is te lang (10.000 tekens); maximaal 200 tekens.",
    ),
    (
        "random bytes named .csv",
        lambda a: random.Random(2019).randbytes(4096),
        "t.csv",
        (0, "", ""),
        "Het bestand is geen tekstbestand in UTF-8 of Windows-1252",
    ),
    (
        "unknown file type",
        csv_case(HEADER, GOOD),
        "tellingen.pdf",
        (0, "", ""),
        "Onbekend bestandstype ‘tellingen.pdf’; verwacht een CSV-bestand (.csv) of een Excel-werkmap (.xlsx).",
    ),
]


@pytest.mark.parametrize(
    ("content", "filename", "where", "message"), [case[1:] for case in BAD_CSV], ids=[case[0] for case in BAD_CSV]
)
def test_a_bad_file_is_refused_with_a_clear_error_and_changes_nothing(
    draft_2019: Submission,
    content: Callable[[Organisation], bytes],
    filename: str,
    where: tuple[int, str, str],
    message: str,
) -> None:
    before = snapshot()

    report = import_csv(content(draft_2019.organisation), filename=filename)

    assert not report.ok
    first = report.errors[0]
    assert (first.row, first.column, first.value) == where, [str(e) for e in report.errors]
    assert message in first.message
    expected_text = first.message if not first.row else f"Rij {first.row}"
    assert str(first).startswith(expected_text)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert snapshot() == before


def test_the_error_names_row_column_and_value_in_one_line(draft_2019: Submission) -> None:
    report = import_csv(
        text_file("jaar,organisatie,maatregel,regio,personen", f"2019,{draft_2019.organisation.kbo},VOP,31005,-3")
    )

    assert [str(e) for e in report.errors] == [
        "Rij 2, kolom personen: ‘-3’ is geen geldig aantal; verwacht een geheel getal van 0 of meer."
    ]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(draft_2019: Submission, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    before = snapshot()
    a = draft_2019.organisation.kbo

    report = import_csv(text_file(HEADER, *[f"2019,{a},VOP,{code},1" for code in range(31000, 31000 + 40_000)]))

    assert [str(e) for e in report.errors] == ["Het bestand is te groot (1,1 MB); het maximum is 1,0 MB."]
    assert snapshot() == before


def test_a_file_with_too_many_rows_is_refused(draft_2019: Submission, settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 2
    a = draft_2019.organisation.kbo
    before = snapshot()

    report = import_csv(text_file(HEADER, f"2019,{a},IBO,31005,1", f"2019,{a},DC,31005,1", f"2019,{a},AZ,31005,1"))

    assert errors_of(report) == [(4, "", "")]
    assert report.errors[0].message == "Het bestand heeft meer dan 2 rijen; splits het op."
    assert snapshot() == before


def test_the_row_limit_refusal_is_shown_first_even_after_a_full_list_of_errors(
    draft_2019: Submission, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports.report, "MAX_ERRORS", 3)
    settings.IMPORT_MAX_ROWS = 5
    a = draft_2019.organisation.kbo
    before = snapshot()

    report = import_csv(text_file(HEADER, *[f"2019,{a},VOP,31005,x{n}" for n in range(8)]))

    assert [str(e) for e in report.errors] == [
        "Rij 7: Het bestand heeft meer dan 5 rijen; splits het op.",
        "Rij 2, kolom persons: ‘x0’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.",
        "Rij 3, kolom persons: ‘x1’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.",
        "Rij 4, kolom persons: ‘x2’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.",
        "en nog 2 fouten; verbeter eerst de bovenstaande.",
    ]
    assert snapshot() == before


def test_an_organisation_file_over_the_row_limit_says_so_after_a_full_list_of_errors(
    db: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports.report, "MAX_ERRORS", 2)
    settings.IMPORT_MAX_ROWS = 3
    rows = [f"{UNKNOWN_KBO},Naam {n},geen-soort,31005," for n in range(5)]

    report = organisations_import(data=text_file("kbo,naam,soort,regio,email", *rows), filename="o.csv")

    assert str(report.errors[0]) == "Rij 5: Het bestand heeft meer dan 3 rijen; splits het op."
    assert str(report.errors[-1]).startswith("en nog ")


# --- the catalogue of bad XLSX files -------------------------------------------------------------------------


def good_sheet(a: Organisation) -> bytes:
    return xlsx_file([HEADER.split(","), [2019, a.kbo, "VOP", "31005", 5], [2019, a.kbo, "IBO", "31005", 6]])


def corrupt(a: Organisation) -> bytes:
    return good_sheet(a)[:300]


def encrypted(a: Organisation) -> bytes:
    # Excel keeps a password-protected workbook in an OLE2 compound file, not a zip.
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088)


def with_vba_project(a: Organisation) -> bytes:
    return rezip(good_sheet(a), lambda name, content: content, add={"xl/vbaProject.bin": b"\x00" * 64})


def with_macro_content_type(a: Organisation) -> bytes:
    def change(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return content.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return content

    return rezip(good_sheet(a), change)


def xml_bomb(a: Organisation) -> bytes:
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    return rezip(good_sheet(a), lambda name, content: bomb if name == "xl/worksheets/sheet1.xml" else content)


def huge_declared_size(a: Organisation) -> bytes:
    """A small zip whose central directory says the sheet unpacks to almost 4 GB."""
    data = bytearray(good_sheet(a))
    name = b"xl/worksheets/sheet1.xml"
    start = data.find(b"PK\x01\x02", 0)
    while start != -1:
        name_length = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_length] == name:
            data[start + 24 : start + 28] = (0xFFFF_FFF0).to_bytes(4, "little")
        start = data.find(b"PK\x01\x02", start + 4)
    return bytes(data)


def compressible_sheet(a: Organisation) -> bytes:
    """A sheet that really unpacks to 12 MB of XML from a zip of a few kilobytes."""
    padding = b"<!--" + b" " * (12 * 1024 * 1024) + b"-->"

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"<sheetData>", padding + b"<sheetData>", 1)
        return content

    return rezip(good_sheet(a), change)


def with_shared_strings(data: bytes, strings: list[bytes]) -> bytes:
    """The workbook with a shared-strings part holding `strings` (openpyxl writes inline strings instead)."""
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    sst += b"".join(b"<si><t>" + text + b"</t></si>" for text in strings) + b"</sst>"

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
            )
        if name == "[Content_Types].xml":
            return content.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        return content

    return rezip(data, change, add={"xl/sharedStrings.xml": sst})


def shared_strings_bomb(a: Organisation) -> bytes:
    """Shared strings that unpack to 5 MB, 200 times the file: openpyxl reads them into memory whole."""
    return with_shared_strings(good_sheet(a), [b"x" * (5 * 1024 * 1024)])


def sheet_with(xml_rows: bytes) -> Callable[[Organisation], bytes]:
    """The good sheet with `xml_rows` added after its rows."""

    def build(a: Organisation) -> bytes:
        def change(name: str, content: bytes) -> bytes:
            if name == "xl/worksheets/sheet1.xml":
                return content.replace(b"</sheetData>", xml_rows + b"</sheetData>", 1)
            return content

        return rezip(good_sheet(a), change)

    return build


# With IMPORT_MAX_ROWS = 10 and six columns a sheet may hold 66 cells; these rows are blank to the importer.
wide_row = sheet_with(b'<row r="4">' + b"".join(b'<c r="B%dA4"/>' % n for n in range(70)) + b"</row>")
empty_rows = sheet_with(b"".join(b'<row r="%d"/>' % n for n in range(4, 80)))
row_past_excels_last = sheet_with(b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>')

BAD_XLSX = [
    ("corrupt", corrupt, "t.xlsx", "Het Excel-bestand is beschadigd of onleesbaar"),
    ("not a zip at all", lambda a: b"PK\x03\x04 is this a zip?", "t.xlsx", "beschadigd of onleesbaar"),
    ("encrypted", encrypted, "t.xlsx", "Het bestand is versleuteld (met een wachtwoord beveiligd)"),
    ("macro-enabled by name", good_sheet, "t.xlsm", "Excel-bestanden met macro’s worden niet aanvaard"),
    ("with vbaProject.bin", with_vba_project, "t.xlsx", "Excel-bestanden met macro’s worden niet aanvaard"),
    ("macro content type", with_macro_content_type, "t.xlsx", "Excel-bestanden met macro’s worden niet aanvaard"),
    ("XML bomb", xml_bomb, "t.xlsx", "Het Excel-bestand bevat onveilige XML"),
    ("declared to unpack to gigabytes", huge_declared_size, "t.xlsx", "Het Excel-bestand is uitgepakt te groot"),
    ("unpacks past the limit", compressible_sheet, "t.xlsx", "Het Excel-bestand is uitgepakt te groot (12,0 MB)"),
    (
        "shared strings 200 times the file",
        shared_strings_bomb,
        "t.xlsx",
        "Het Excel-bestand is uitgepakt te groot: het onderdeel ‘xl/sharedStrings.xml’ wordt 5,0 MB, ",
    ),
    ("a row of 70 cells", wide_row, "t.xlsx", "Het Excel-bestand heeft te veel cellen: meer dan 66 (10 rijen van 6"),
    ("76 empty rows", empty_rows, "t.xlsx", "Het Excel-bestand heeft te veel cellen: meer dan 66"),
    ("a row past Excel's last", row_past_excels_last, "t.xlsx", "Het Excel-bestand is beschadigd of onleesbaar"),
]


@pytest.mark.parametrize(
    ("content", "filename", "message"), [case[1:] for case in BAD_XLSX], ids=[case[0] for case in BAD_XLSX]
)
def test_a_bad_xlsx_is_refused_with_a_clear_error_and_changes_nothing(
    draft_2019: Submission, settings: Any, content: Callable[[Organisation], bytes], filename: str, message: str
) -> None:
    settings.IMPORT_MAX_UNZIPPED_BYTES = 10 * 1024 * 1024
    settings.IMPORT_MAX_ROWS = 10
    data = content(draft_2019.organisation)
    assert len(data) < 100_000  # small files, generated here
    before = snapshot()

    report = headcounts_import(data=data, filename=filename, user=None)

    assert len(report.errors) == 1, [str(e) for e in report.errors]
    assert report.errors[0].row == 0
    assert message in report.errors[0].message
    assert snapshot() == before


def test_a_good_sheet_passes_the_checks_that_refuse_bad_ones(draft_2019: Submission, settings: Any) -> None:
    settings.IMPORT_MAX_UNZIPPED_BYTES = 10 * 1024 * 1024

    report = headcounts_import(data=good_sheet(draft_2019.organisation), filename="t.xlsx", user=None)

    assert (report.ok, report.created, report.updated) == (True, 1, 1)


def test_a_formula_in_a_sheet_is_refused(draft_2019: Submission) -> None:
    a = draft_2019.organisation
    data = xlsx_file([HEADER.split(","), [2019, a.kbo, "VOP", "31005", 5], [2019, "=A1", "IBO", "31005", "=2+3"]])
    before = snapshot()

    report = headcounts_import(data=data, filename="t.xlsx", user=None)

    assert errors_of(report) == [(3, "organisation", "=A1"), (3, "persons", "=2+3")]
    assert "formule" in report.errors[0].message
    assert snapshot() == before


# --- organisations -------------------------------------------------------------------------------------------


def test_organisations_are_created_updated_and_left_alone(db: None) -> None:
    kept = OrganisationFactory(kbo=valid_kbo(5_200_001), name="Blijft", home_region=Region.objects.get(code="31005"))
    kept_values = (kept.kbo, kept.name, kept.kind, "31005", kept.email)
    changed = OrganisationFactory(kbo=valid_kbo(5_200_002), name="Oude naam")
    content = text_file(
        "KBO,Name,Kind,Region,Email",
        ",".join(kept_values),
        f"{valid_kbo(5_200_002)},Nieuwe naam,lde-initiatief,34022,nieuw@example.be",
        f"BE{valid_kbo(5_200_003)},Nieuw LDE,LDE-initiatief,35013,",
        f"{format_dotted(valid_kbo(5_200_004))},Gemeente X,lokaal bestuur / OCMW,37022,",
    )

    report = organisations_import(data=content, filename="organisaties.csv")

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 2, 1, 1)
    changed.refresh_from_db()
    assert (changed.name, changed.kind, changed.home_region.code, changed.email) == (
        "Nieuwe naam",
        "lde-initiatief",
        "34022",
        "nieuw@example.be",
    )
    created = Organisation.objects.get(kbo=valid_kbo(5_200_004))
    assert (created.kind, created.home_region.code, created.active) == ("lokaal-bestuur", "37022", True)


def format_dotted(kbo: str) -> str:
    return f"{kbo[:4]}.{kbo[4:7]}.{kbo[7:]}"


def test_organisations_from_an_xlsx_with_dutch_headers(db: None) -> None:
    data = xlsx_file(
        [
            ["Soort", "Naam", "KBO", "Regio", "Email"],
            ["arbeidszorgorganisatie", "Arbeidszorg Y", int(valid_kbo(5_300_001)), 31005, "y@example.be"],
        ]
    )

    report = organisations_import(data=data, filename="organisaties.xlsx")

    assert report.ok, report.errors
    organisation = Organisation.objects.get(kbo=valid_kbo(5_300_001))
    assert (organisation.name, organisation.kind, organisation.home_region.code) == (
        "Arbeidszorg Y",
        "arbeidszorg",
        "31005",
    )


def test_an_organisation_dry_run_writes_nothing(db: None) -> None:
    before = snapshot()

    report = organisations_import(
        data=text_file("kbo,name,kind,region,email", f"{valid_kbo(5_400_001)},X,maatwerkbedrijf,31005,"),
        filename="o.csv",
        dry_run=True,
    )

    assert (report.ok, report.created) == (True, 1)
    assert snapshot() == before


ORG_HEADER = "kbo,naam,soort,regio,email"
BAD_ORGANISATIONS = [
    ("missing name", f"{valid_kbo(5_500_001)},,maatwerkbedrijf,31005,", (2, "naam", ""), "de naam ontbreekt."),
    (
        "unknown kind",
        f"{valid_kbo(5_500_001)},X,vzw,31005,",
        (2, "soort", "vzw"),
        "onbekende soort ‘vzw’; verwacht een van maatwerkbedrijf, lde-initiatief",
    ),
    ("empty kind", f"{valid_kbo(5_500_001)},X,,31005,", (2, "soort", ""), "de soort ontbreekt"),
    (
        "a province as home",
        f"{valid_kbo(5_500_001)},X,maatwerkbedrijf,30000,",
        (2, "regio", "30000"),
        "West-Vlaanderen (30000) is een provincie, geen gemeente",
    ),
    (
        "a merged municipality",
        f"{valid_kbo(5_500_001)},X,maatwerkbedrijf,37007,",
        (2, "regio", "37007"),
        "de gemeente Meulebeke (37007) bestaat niet meer; ze is opgegaan in Tielt (37022).",
    ),
    ("unknown region", f"{valid_kbo(5_500_001)},X,maatwerkbedrijf,55555,", (2, "regio", "55555"), "onbekende regio"),
    (
        "bad e-mail address",
        f"{valid_kbo(5_500_001)},X,maatwerkbedrijf,31005,info@",
        (2, "email", "info@"),
        "‘info@’ is geen geldig e-mailadres.",
    ),
    ("wrong check digits", "0123.456.748,X,maatwerkbedrijf,31005,", (2, "kbo", "0123.456.748"), "controlecijfers"),
    ("empty kbo", ",X,maatwerkbedrijf,31005,", (2, "kbo", ""), "het ondernemingsnummer ontbreekt"),
    (
        "formula as name",
        f'{valid_kbo(5_500_001)},=HYPERLINK("http://x"),maatwerkbedrijf,31005,',
        (2, "naam", '=HYPERLINK("http://x")'),
        "zou uitvoeren; zulke waarden worden geweigerd",
    ),
    (
        "a 10,000-character name",
        f"{valid_kbo(5_500_001)},{'N' * 10_000},maatwerkbedrijf,31005,",
        (2, "naam", "N" * 100 + "…"),
        "de waarde is te lang (10.000 tekens); maximaal 200 tekens.",
    ),
    (
        "the same number twice",
        f"{valid_kbo(5_500_001)},X,maatwerkbedrijf,31005,\nBE{valid_kbo(5_500_001)},Y,maatwerkbedrijf,31005,",
        (3, "kbo", f"BE{valid_kbo(5_500_001)}"),
        "hetzelfde ondernemingsnummer als rij 3",
    ),
]


@pytest.mark.parametrize(
    ("line", "where", "message"), [case[1:] for case in BAD_ORGANISATIONS], ids=[case[0] for case in BAD_ORGANISATIONS]
)
def test_a_bad_organisation_file_is_refused_and_changes_nothing(
    draft_2019: Submission, line: str, where: tuple[int, str, str], message: str
) -> None:
    before = snapshot()

    report = organisations_import(
        data=text_file(ORG_HEADER, f"{valid_kbo(5_500_099)},Goed,maatwerkbedrijf,31005,", *line.split("\n")),
        filename="organisaties.csv",
    )

    errors = [(e.row, e.column, e.value) for e in report.errors]
    assert errors == [(where[0] + 1, where[1], where[2])], [str(e) for e in report.errors]
    assert message in report.errors[0].message
    assert snapshot() == before


def test_an_organisation_file_gets_the_same_file_checks(db: None) -> None:
    report = organisations_import(data=b"kbo\tnaam\tsoort\tregio\temail\n", filename="o.csv")

    assert report.errors[0].message.startswith("onbekende kolom ‘kbo\tnaam")
    assert isinstance(report.errors[0], ImportRowError)
