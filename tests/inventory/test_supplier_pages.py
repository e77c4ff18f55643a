"""Staff pages for supplier files: import profiles made, changed, exported and loaded through plain Dutch fields
(a layout problem beside its field, nothing typed lost); the upload of a supplier file with its profile and the
supplier's published totals; the dry run's preview, counts and reconciliation; a confirmation that needs the
differences accepted. Editors never see any of it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from inventory.models import Headcount, ImportJob, ImportProfile, Organisation, OrganisationKind, Region, Submission
from inventory.services.imports.profiles import MAX_PROFILE_BYTES, layout_parse, profile_save
from inventory.services.reference import reference_load
from tests.conftest import logged_in
from tests.factories import OrganisationFactory, UserFactory
from tests.inventory.conftest import job_when
from tests.inventory.test_supplier_import import WIDE_LAYOUT, rows_without_placeholder, wide_rows, workbook

NEW = "/beheer/importprofielen/nieuw/"

# The form's fields for WIDE_LAYOUT (tests/inventory/test_supplier_import.py).
WIDE_FIELDS: dict[str, Any] = {
    "name": "RSZ per gemeente",
    "description": "Jaarlijks van het Departement WSE.",
    "shape": "wide",
    "sheets": "first",
    "sheet_names": "",
    "skip_rows": "3",
    "region_column": "Gemeente",
    "region_by": "name",
    "year_from": "fixed",
    "year_column": "",
    "year_value": "2019",
    "measures": "Jongeren = DGK-JONG\nOuderen = DGK-OUD\nArbeidshandicap (VOP) = VOP",
    "measure_from": "column",
    "measure_column": "",
    "measure_fixed": "",
    "persons_column": "",
    "ignore_rows": "Bron\nOpmerking",
    "total_rows": "Totaal",
    "markers": "<5, -",
    "treatment": "estimate",
    "estimate": "2",
}


def field_block(page: str, name: str) -> str:
    """The HTML of the form's field `name`: its <div class="field ..."> with label, input, help and errors."""
    for block in re.findall(r'<div class="field[^"]*">.*?</div>\s*(?=<div class="field|</fieldset>)', page, re.S):
        if f'name="{name}"' in block:
            return str(block)
    raise AssertionError(f"no field {name}")


@pytest.fixture
def supplier(db: None) -> Organisation:
    reference_load()
    return OrganisationFactory(
        kind=OrganisationKind.GEGEVENSLEVERANCIER, name="RSZ", home_region=Region.objects.get(code="31005")
    )


def wide_fields(supplier: Organisation, **changes: Any) -> dict[str, Any]:
    return WIDE_FIELDS | {"organisation": str(supplier.pk)} | changes


# --- profiles --------------------------------------------------------------------------------------------------


def test_staff_describe_a_wide_profile_in_plain_fields_and_find_it_in_the_list(
    staff_client: Client, supplier: Organisation
) -> None:
    response = staff_client.post(NEW, wide_fields(supplier))

    profile = ImportProfile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/beheer/importprofielen/{profile.pk}/"
    assert profile.layout == layout_parse(WIDE_LAYOUT).as_json()
    assert (profile.name, profile.organisation, profile.description) == (
        "RSZ per gemeente",
        supplier,
        "Jaarlijks van het Departement WSE.",
    )
    listed = staff_client.get("/beheer/importprofielen/").content.decode()
    row = listed.split("RSZ per gemeente</a>", 1)[1].split("</tr>", 1)[0]
    assert "RSZ" in row
    assert "breed" in row
    assert "eerste blad" in row
    assert f"/beheer/importprofielen/{profile.pk}/export/" in row


def test_the_organisation_select_lists_data_suppliers_first(staff_client: Client, supplier: Organisation) -> None:
    OrganisationFactory(name="Aaa maatwerk", kind=OrganisationKind.MAATWERKBEDRIJF)
    page = staff_client.get(NEW).content.decode()
    select = field_block(page, "organisation")
    assert select.index('label="Gegevensleveranciers"') < select.index(">RSZ (") < select.index('label="Andere')
    assert select.index(">RSZ (") < select.index(">Aaa maatwerk (")


def test_a_bad_layout_comes_back_with_each_message_beside_its_field_and_everything_typed(
    staff_client: Client, supplier: Organisation
) -> None:
    typed = wide_fields(supplier, measures="Jongeren = NOPE\nOuderen = DGK-OUD", year_value="1999", markers="<5, x")

    response = staff_client.post(NEW, typed)

    page = response.content.decode()
    assert response.status_code == 400
    assert not ImportProfile.objects.exists()
    assert response.context["form"].errors["measures"] == ["Jongeren: onbekende maatregel ‘NOPE’."]
    assert response.context["form"].errors["year_value"] == ["Verwacht een geheel getal van 2000 tot 2100."]
    assert "onbekende maatregel ‘NOPE’" in field_block(page, "measures")
    assert "has-error" in field_block(page, "measures")
    assert "2000 tot 2100" in field_block(page, "year_value")
    assert "2000 tot 2100" not in field_block(page, "measures")
    assert "Alles wat u typte staat er nog" in page
    assert ">\nJongeren = NOPE\nOuderen = DGK-OUD</textarea>" in page
    assert 'value="1999"' in field_block(page, "year_value")
    assert 'value="&lt;5, x"' in field_block(page, "markers")
    assert 'value="RSZ per gemeente"' in field_block(page, "name")
    assert ">\nBron\nOpmerking</textarea>" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"year_from": "column", "year_column": ""}, "year_column", "Ontbreekt."),
        ({"region_column": ""}, "region_column", "Ontbreekt."),
        ({"treatment": "estimate", "estimate": ""}, "estimate", "Verwacht een geheel getal van 0 tot 1000."),
        ({"measures": ""}, "measures", "Geef minstens één kolom met haar maatregel, bv. ‘Jongeren = DGK-JONG’."),
        ({"measures": "Jongeren DGK-JONG"}, "measures", "Regel 1 (‘Jongeren DGK-JONG’): verwacht kolomkop"),
        ({"measures": "Jongeren = VOP\njongeren = DGK-OUD"}, "measures", "jongeren: dezelfde kolom als ‘Jongeren’."),
        ({"sheets": "named", "sheet_names": ""}, "sheet_names", "Geef minstens één bladnaam."),
        ({"shape": "long", "measure_from": "fixed"}, "measure_fixed", "Kies de maatregel van het bestand."),
        ({"shape": "long", "measure_from": "column"}, "measure_column", "Geef de kop van de kolom met de"),
        ({"shape": "long", "measure_column": "Maatregel"}, "persons_column", "Ontbreekt."),
        ({"skip_rows": "101"}, "skip_rows", "‘101’ is te groot: hoogstens 100."),
    ],
)
def test_each_layout_problem_is_named_beside_its_field(
    staff_client: Client, supplier: Organisation, changes: dict[str, str], field: str, message: str
) -> None:
    response = staff_client.post(NEW, wide_fields(supplier, **changes))

    assert response.status_code == 400
    assert any(error.startswith(message) for error in response.context["form"].errors[field]), response.context[
        "form"
    ].errors
    assert not ImportProfile.objects.exists()


def test_a_long_profile_with_one_measure_for_the_file(staff_client: Client, supplier: Organisation) -> None:
    fields = wide_fields(
        supplier,
        name="VDAB IBO",
        shape="long",
        sheets="named",
        sheet_names="Trajecten\nTrajecten 2",
        region_by="code",
        region_column="NIS-code",
        year_from="column",
        year_column="Jaar",
        measure_from="fixed",
        measure_fixed="IBO",
        persons_column="Aantal",
        treatment="refuse",
        markers="",
        measures="Jongeren = WRONG",  # the wide fields are kept but not read for a long file
    )

    response = staff_client.post(NEW, fields)

    assert response.status_code == 302, response.context["form"].errors
    layout = ImportProfile.objects.get().layout
    assert layout["measure"] == {"fixed": "IBO"}
    assert layout["persons"] == {"column": "Aantal"}
    assert layout["sheets"] == ["Trajecten", "Trajecten 2"]
    assert layout["year"] == {"from": "column", "column": "Jaar"}
    assert "measures" not in layout
    page = staff_client.get(response["Location"]).content.decode()
    assert 'value="IBO" selected' in field_block(page, "measure_fixed")
    assert ">\nTrajecten\nTrajecten 2</textarea>" in page


def test_editing_a_profile_shows_its_fields_changes_it_and_lists_the_change(
    staff_client: Client, supplier: Organisation, staff_user: Any
) -> None:
    profile = profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT)
    url = f"/beheer/importprofielen/{profile.pk}/"

    page = staff_client.get(url).content.decode()
    measures = field_block(page, "measures").split("</textarea>")[0].rsplit(">", 1)[1]
    # jsonb keeps an object's keys in an order of its own: the lines, not their order.
    lines = sorted(measures.split("\n"))
    assert lines == ["", "Arbeidshandicap (VOP) = VOP", "Jongeren = DGK-JONG", "Ouderen = DGK-OUD"]
    assert 'value="3"' in field_block(page, "skip_rows")
    assert 'value="&lt;5, -"' in field_block(page, "markers")

    response = staff_client.post(url, wide_fields(supplier, skip_rows="4", name="RSZ gemeenten"))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.layout["skip_rows"]) == ("RSZ gemeenten", 4)
    history = staff_client.get(url).context["history"]
    assert [entry.action for entry in history] == ["gewijzigd", "aangemaakt"]
    assert history[0].user == staff_user.username
    assert "naam" in [label for label, _old, _new in history[0].changes]


def test_a_name_taken_in_any_case_is_refused_beside_the_name(staff_client: Client, supplier: Organisation) -> None:
    profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT)

    response = staff_client.post(NEW, wide_fields(supplier, name="rsz PER gemeente"))

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["Er is al een importprofiel met de naam ‘rsz PER gemeente’."]
    assert ImportProfile.objects.count() == 1


def test_a_profile_exported_and_loaded_again_through_the_pages_is_the_same(
    staff_client: Client, supplier: Organisation
) -> None:
    profile = profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT, description="WSE")

    exported = staff_client.get(f"/beheer/importprofielen/{profile.pk}/export/")

    assert exported.status_code == 200
    assert exported["Content-Type"] == "application/json; charset=utf-8"
    assert exported["Content-Disposition"] == 'attachment; filename="importprofiel-rsz-per-gemeente.json"'
    document = json.loads(exported.content)
    assert (document["name"], document["layout"]) == ("RSZ per gemeente", profile.layout)
    layout = profile.layout
    profile.delete()

    loaded = staff_client.post(
        "/beheer/importprofielen/laden/", {"file": SimpleUploadedFile("p.json", exported.content)}
    )

    again = ImportProfile.objects.get()
    assert loaded.status_code == 302
    assert loaded["Location"] == f"/beheer/importprofielen/{again.pk}/"
    assert (again.name, again.organisation, again.description, again.layout) == (
        "RSZ per gemeente",
        supplier,
        "WSE",
        layout,
    )
    assert "Importprofiel ‘RSZ per gemeente’ geladen." in staff_client.get(loaded["Location"]).content.decode()
    # Loading it once more replaces the profile of that name.
    staff_client.post("/beheer/importprofielen/laden/", {"file": SimpleUploadedFile("p.json", exported.content)})
    assert ImportProfile.objects.get().pk == again.pk


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{niet json", "Het bestand is geen geldige JSON"),
        (b'{"name": "x"}', "Dit is geen importprofiel"),
        (b" " * (MAX_PROFILE_BYTES + 1), "Het profielbestand is te groot"),
    ],
)
def test_a_file_that_is_no_profile_is_refused_on_the_list_page(
    staff_client: Client, supplier: Organisation, content: bytes, message: str
) -> None:
    response = staff_client.post("/beheer/importprofielen/laden/", {"file": SimpleUploadedFile("p.json", content)})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Bewaarde profielen" not in response.content.decode()  # the list page, still without profiles
    assert not ImportProfile.objects.exists()


def test_a_loaded_profile_with_a_bad_layout_names_its_keys(staff_client: Client, supplier: Organisation) -> None:
    profile = profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT)
    document = json.loads(staff_client.get(f"/beheer/importprofielen/{profile.pk}/export/").content)
    document["layout"]["shape"] = "breed"

    response = staff_client.post(
        "/beheer/importprofielen/laden/",
        {"file": SimpleUploadedFile("p.json", json.dumps(document).encode())},
    )

    assert response.status_code == 400
    assert "shape: ‘breed’ is geen geldige keuze" in response.content.decode()
    assert ImportProfile.objects.get().layout["shape"] == "wide"


def test_editors_and_coordinators_find_no_profile_pages(
    editor_a_client: Client, coordinator_client: Client, supplier: Organisation
) -> None:
    profile = profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT)
    for client in (editor_a_client, coordinator_client):
        for url in (
            "/beheer/importprofielen/",
            NEW,
            f"/beheer/importprofielen/{profile.pk}/",
            f"/beheer/importprofielen/{profile.pk}/export/",
        ):
            assert client.get(url).status_code == 404, url
        assert client.post(NEW, wide_fields(supplier, name="Ander")).status_code == 404
        assert client.post("/beheer/importprofielen/laden/").status_code == 404
        assert "/beheer/importprofielen/" not in client.get("/").content.decode()
    assert ImportProfile.objects.count() == 1


def test_the_header_and_the_upload_page_link_staff_to_the_profiles(staff_client: Client) -> None:
    assert 'href="/beheer/importprofielen/"' in staff_client.get("/").content.decode()
    assert 'href="/beheer/importprofielen/"' in staff_client.get("/import/").content.decode()


# --- the upload page -------------------------------------------------------------------------------------------


def test_editors_see_no_supplier_kind_and_cannot_post_one(
    editor_a_client: Client, supplier: Organisation, organisation_a: Organisation
) -> None:
    profile = profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT)
    response = editor_a_client.get("/import/")
    page = response.content.decode()
    assert "supplier" not in dict(response.context["form"].fields["kind"].choices)
    assert 'name="profile"' not in page
    assert "Gepubliceerde totalen" not in page

    posted = editor_a_client.post(
        "/import/",
        {"kind": "supplier", "profile": profile.pk, "file": SimpleUploadedFile("x.xlsx", b"x")},
    )

    assert posted.status_code == 200
    assert "kind" in posted.context["form"].errors
    assert not ImportJob.objects.exists()


def test_staff_choose_the_profile_for_a_supplier_file_and_type_totals_kept_on_an_error(
    staff_client: Client, supplier: Organisation
) -> None:
    profile = profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT)
    page = staff_client.get(f"/import/?kind=supplier&profile={profile.pk}").content.decode()
    assert '<option value="supplier" selected>leveranciersbestand</option>' in page
    assert f'<option value="{profile.pk}" selected>RSZ per gemeente (RSZ)</option>' in page
    assert "Gepubliceerde totalen van de leverancier" in page

    without = staff_client.post("/import/", {"kind": "supplier", "file": SimpleUploadedFile("x.xlsx", b"x")})
    assert without.context["form"].errors["profile"] == ["Kies het importprofiel van de leverancier."]

    typed = "DGK-JONG 2019 4443\nVOP 2019"
    bad = staff_client.post(
        "/import/",
        {
            "kind": "supplier",
            "profile": profile.pk,
            "published_totals": typed,
            "file": SimpleUploadedFile("x.xlsx", b"x"),
        },
    )
    assert bad.context["form"].errors["published_totals"] == [
        "Regel 2 (‘VOP 2019’): verwacht maatregel, jaar en totaal, bv. ‘DGK-JONG 2019 4443’."
    ]
    assert f">\n{typed}</textarea>" in bad.content.decode()
    assert not ImportJob.objects.exists()


def test_without_any_profile_the_upload_page_says_so_and_links_the_new_profile_form(staff_client: Client) -> None:
    page = staff_client.get("/import/").content.decode()
    assert "Er is nog geen importprofiel" in page
    assert f'href="{NEW}"' in page
    assert 'name="profile"' not in page


# --- a supplier file through the worker -----------------------------------------------------------------------


@pytest.fixture
def supplier_profile(worker: None) -> ImportProfile:
    reference_load()
    organisation = OrganisationFactory(
        kind=OrganisationKind.GEGEVENSLEVERANCIER, name="RSZ", home_region=Region.objects.get(code="31005")
    )
    return profile_save(name="RSZ per gemeente", organisation=organisation, layout=WIDE_LAYOUT)


def test_a_supplier_file_shows_how_the_profile_reads_it_and_imports_only_with_the_differences_accepted(
    supplier_profile: ImportProfile,
) -> None:
    staff = UserFactory(username="pom", is_staff=True)
    client = logged_in(staff)
    data = workbook({"2019": rows_without_placeholder(wide_rows(total_jongeren=31))})

    response = client.post(
        "/import/",
        {
            "kind": "supplier",
            "profile": supplier_profile.pk,
            "published_totals": "VOP 2019 9",
            "file": SimpleUploadedFile("rsz-2019.xlsx", data),
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    dry_run = ImportJob.objects.get()
    assert (dry_run.kind, dry_run.profile, dry_run.published_totals) == (
        "supplier",
        supplier_profile,
        [{"measure": "VOP", "year": 2019, "total": 9}],
    )
    assert job_when(dry_run.pk).status == "done"
    page = client.get(response["Location"]).content.decode()
    assert "RSZ per gemeente" in page
    assert "Zo leest het profiel uw bestand" in page
    preview = page.split("Zo leest het profiel uw bestand", 1)[1].split("</table>", 1)[0]
    assert re.search(r"<td>5</td><td>C \(Jongeren\)</td><td>2019</td><td>DGK-JONG</td><td>31005 Brugge</td>", preview)
    assert re.search(r"<td>5</td><td>E \(Arbeidshandicap \(VOP\)\)</td>.*?<td>ja \(verborgen aantal\)</td>", preview)
    assert "Het profiel maakt van het bestand 6 rijen (één cijfer per jaar, maatregel en gemeente); ze staan" in page
    counts = page.split("Per jaar en maatregel", 1)[1].split("</table>", 1)[0]
    assert re.search(r"<td>2019</td><td>DGK-OUD</td><td class=\"num\">2</td><td class=\"num\">102</td>", counts)
    reconciliation = page.split("Vergelijking met de totalen van de leverancier</caption>", 1)[1].split("</table>")[0]
    jong = reconciliation.split("<td>DGK-JONG</td>", 1)[1].split("</tr>", 1)[0]
    assert "totaalrij in het bestand" in jong
    assert "-1" in jong
    assert "wijkt af" in jong
    assert 'class="difference"' in reconciliation.split("<td>DGK-JONG</td>", 1)[0].rsplit("<tr", 1)[1]
    vop = reconciliation.split("opgegeven bij het opladen", 1)[0].rsplit("<td>VOP</td>", 1)[1]
    assert "totaalrij" not in vop  # the typed line, beside the file's own
    assert "wijkt af" not in vop
    assert "B (NIS)" in page
    assert "F (Totaal)" in page
    assert "1 rij overgeslagen" in page
    assert "1 totaalrij: vergeleken, niet ingelezen." in page
    assert 'name="accept_differences"' in page
    assert "Ik aanvaard de verschillen met de totalen van de leverancier" in page

    refused = client.post(f"/import/{dry_run.pk}/confirm/", follow=True)

    assert refused.status_code == 200
    assert "vink aan dat u ze aanvaardt" in refused.content.decode()
    assert not ImportJob.objects.filter(dry_run=False).exists()

    confirmed = client.post(f"/import/{dry_run.pk}/confirm/", {"accept_differences": "1"})

    job = job_when(ImportJob.objects.get(dry_run=False).pk)
    assert confirmed["Location"] == f"/import/{job.pk}/"
    assert (job.status, job.result["ok"], job.differences_accepted, job.confirmed_by) == ("done", True, True, staff)
    assert Headcount.objects.filter(submission__organisation=supplier_profile.organisation).count() == 6
    done = client.get(confirmed["Location"]).content.decode()
    assert "De verschillen met de totalen van de leverancier zijn aanvaard door pom." in done
    assert "Ingelezen." in done
    # Not validated on upload: the draft is named and linked, with what that means for the figures
    submission = Submission.objects.get(organisation=supplier_profile.organisation, year=2019)
    assert f'href="/beheer/aangiften/{submission.pk}/"' in done
    assert "tellen pas mee nadat de aangifte ingediend of gevalideerd is" in done


def test_staff_may_validate_a_supplier_file_on_upload(supplier_profile: ImportProfile) -> None:
    staff = UserFactory(is_staff=True)
    client = logged_in(staff)
    data = workbook({"2019": [["Gemeente", "Ouderen"], ["Brugge", 12]]})
    layout = supplier_profile.layout | {"skip_rows": 0, "total_rows": [], "measures": {"Ouderen": "DGK-OUD"}}
    profile_save(name="Klein", organisation=supplier_profile.organisation, layout=layout)
    client.post(
        "/import/",
        {
            "kind": "supplier",
            "profile": ImportProfile.objects.get(name="Klein").pk,
            "file": SimpleUploadedFile("x.xlsx", data),
            "validate": "on",
        },
    )
    dry_run = job_when(ImportJob.objects.get().pk)
    assert dry_run.validate
    assert dry_run.result["ok"], dry_run.result["errors"]
    confirmed = client.post(f"/import/{dry_run.pk}/confirm/")
    job = job_when(ImportJob.objects.get(dry_run=False).pk)
    assert (job.result["ok"], job.validate) == (True, True)
    submission = Submission.objects.get(organisation=supplier_profile.organisation, year=2019)
    assert submission.status == "validated"
    assert "de cijfers tellen mee en worden herberekend" in client.get(confirmed["Location"]).content.decode()


def test_a_supplier_files_errors_name_the_sheet_row_and_column(supplier_profile: ImportProfile) -> None:
    client = logged_in(UserFactory(is_staff=True))
    layout = WIDE_LAYOUT | {"sheets": "all", "year": {"from": "sheet"}, "total_rows": []}
    profile_save(name="Per jaar", organisation=supplier_profile.organisation, layout=layout)
    sheets = {f"Jaar {year}": rows_without_placeholder(wide_rows())[:6] for year in (2017, 2018)}
    sheets["Jaar 2018"][4][2] = -3
    client.post(
        "/import/",
        {
            "kind": "supplier",
            "profile": ImportProfile.objects.get(name="Per jaar").pk,
            "file": SimpleUploadedFile("x.xlsx", workbook(sheets)),
        },
    )

    job = job_when(ImportJob.objects.get().pk)
    page = client.get(f"/import/{job.pk}/").content.decode()

    assert not job.result["ok"]
    errors = page.split("fout: er is niets opgeslagen.", 1)[1].split("</table>", 1)[0]
    assert '<th scope="col">Blad</th>' in errors
    assert "<td>Jaar 2018</td><td>5</td><td>C (Jongeren)</td><td>-3</td>" in errors
    assert "Importeren bevestigen" not in page
