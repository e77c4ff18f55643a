"""Staff imports in the admin through django-import-export: permission, dry run, confirm, services; headcount and
organisation files become import jobs that the worker reads."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from inventory.models import AggregateDirtyKey, ContextFigure, Headcount, ImportJob, Measure, OverlapCorrection, Region
from inventory.services.reference import reference_load
from tests.conftest import force_login
from tests.factories import HeadcountFactory, MeasureFactory, OrganisationFactory, RegionFactory, UserFactory
from tests.inventory.conftest import job_when


def staff_with(*codenames: str) -> Client:
    user: User = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    force_login(client, user)
    return client


def upload(client: Client, url: str, content: str, name: str = "bestand.csv"):
    # format 0 is CSV (import_formats = (CSV, XLSX))
    return client.post(url, {"format": "0", "import_file": SimpleUploadedFile(name, content.encode())})


def confirm(client: Client, url: str, dry_run_response) -> None:
    form = dry_run_response.context["confirm_form"]
    response = client.post(url.replace("/import/", "/process_import/"), form.initial)
    assert response.status_code == 302


def test_only_staff_with_the_import_permission_may_import(db) -> None:
    url = "/admin/inventory/measure/import/"
    assert staff_with("view_measure", "change_measure", "add_measure").get(url).status_code == 403
    assert staff_with("view_measure", "import_measure", "add_measure", "change_measure").get(url).status_code == 200


def test_a_measure_file_is_checked_in_a_dry_run_then_imported_through_the_service(db) -> None:
    client = staff_with("view_measure", "import_measure", "add_measure", "change_measure")
    kept = MeasureFactory(
        code="KEEP", name="Ongewijzigd", trede=4, mode="individueel", group="werkervaring", first_year=None
    )
    moved = MeasureFactory(code="MOVE", name="Verhuisd", trede=4, mode="individueel", group="werkervaring")
    HeadcountFactory(measure=moved, submission__year=2019, submission__status="submitted")
    AggregateDirtyKey.objects.all().delete()
    content = (
        "code,name,trede,mode,group,target_group,administering_body,first_year,last_year,note\n"
        "KEEP,Ongewijzigd,4,individueel,werkervaring,,,,,\n"
        "MOVE,Verhuisd,3,individueel,arbeidszorg,,,,,\n"
        "NEW,Nieuwe maatregel,5,collectief,collectief maatwerk,,,2020,,\n"
    )
    url = "/admin/inventory/measure/import/"

    dry_run = upload(client, url, content)

    assert dry_run.status_code == 200
    result = dry_run.context["result"]
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (1, 1, 1)
    assert not Measure.objects.filter(code="NEW").exists()
    assert Measure.objects.get(code="MOVE").trede == 4

    confirm(client, url, dry_run)

    assert Measure.objects.get(code="NEW").first_year == 2020
    assert (Measure.objects.get(code="MOVE").trede, Measure.objects.get(code="MOVE").group) == (3, "arbeidszorg")
    assert Measure.objects.get(pk=kept.pk).name == "Ongewijzigd"
    # The reclassification goes through catalogue.measure_save, which marks the year for recomputing.
    assert AggregateDirtyKey.objects.filter(year=2019, region__isnull=True).exists()


def test_a_correction_file_with_one_bad_row_writes_nothing(db) -> None:
    client = staff_with(
        "view_overlapcorrection", "import_overlapcorrection", "add_overlapcorrection", "change_overlapcorrection"
    )
    region = RegionFactory(code="30000", level=Region.Level.PROVINCIE)
    content = f"year,region,trede,persons,reason\n2019,{region.code},5,-847,overlap\n2019,{region.code},4,12,positief\n"

    response = upload(client, "/admin/inventory/overlapcorrection/import/", content)

    assert response.status_code == 200
    assert response.context["result"].has_validation_errors() or response.context["result"].has_errors()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert OverlapCorrection.objects.count() == 0


def test_corrections_and_context_figures_import_and_mark_the_aggregates(db) -> None:
    client = staff_with(
        "view_overlapcorrection",
        "import_overlapcorrection",
        "add_overlapcorrection",
        "change_overlapcorrection",
        "view_contextfigure",
        "import_contextfigure",
        "add_contextfigure",
        "change_contextfigure",
    )
    region = RegionFactory(code="30000", level=Region.Level.PROVINCIE)
    url = "/admin/inventory/overlapcorrection/import/"
    confirm(client, url, upload(client, url, f"year,region,trede,persons,reason\n2019,{region.code},5,-847,overlap\n"))
    assert OverlapCorrection.objects.get().persons == -847
    assert AggregateDirtyKey.objects.filter(year=2019, region=region, measure__isnull=True).exists()

    url = "/admin/inventory/contextfigure/import/"
    content = f"year,region,indicator,value,source,synthetic\n2019,{region.code},loontrekkenden,433385,RSZ,0\n"
    confirm(client, url, upload(client, url, content))
    assert ContextFigure.objects.get().value == 433385


def test_a_headcount_file_becomes_an_import_job_that_the_worker_reads(worker: None) -> None:
    reference_load()
    client = staff_with("view_headcount", "import_headcount", "add_headcount", "change_headcount")
    organisation = OrganisationFactory(home_region=Region.objects.get(code="31005"))
    # Semicolons and Windows-1252, as Excel on a Belgian PC writes them: the service reads the bytes as they are.
    content = f"jaar;organisatie;maatregel;regio;personen\n2019;{organisation.kbo_display};CMW-BED;31005;42\n"
    url = "/admin/inventory/headcount/import/"
    assert "year / jaar" in client.get(url).content.decode()

    dry_run = client.post(
        url, {"format": "0", "import_file": SimpleUploadedFile("Brugge é.csv", content.encode("cp1252"))}
    )

    job = ImportJob.objects.get()
    assert dry_run["Location"] == f"/import/{job.pk}/"
    assert (job.kind, job.dry_run, job.filename) == ("headcounts", True, "Brugge é.csv")
    job_when(job.pk)
    assert "1 rij: 1 nieuw, 0 gewijzigd, 0 ongewijzigd" in client.get(dry_run["Location"]).content.decode()
    assert not Headcount.objects.exists()

    client.post(f"/import/{job.pk}/confirm/")

    job_when(ImportJob.objects.get(dry_run=False).pk)
    assert Headcount.objects.get().persons == 42


def test_a_headcount_file_with_errors_lists_them_on_the_jobs_page_and_writes_nothing(worker: None) -> None:
    reference_load()
    client = staff_with("view_headcount", "import_headcount", "add_headcount", "change_headcount")
    content = "year,organisation,measure,region,persons\n2019,0202.239.952,CMW-BED,31005,-3\n"

    response = upload(client, "/admin/inventory/headcount/import/", content)

    job_when(ImportJob.objects.get().pk)
    page = client.get(response["Location"]).content.decode()
    assert "0202.239.952" in page
    assert "-3" in page
    assert "Importeren bevestigen" not in page
    assert not Headcount.objects.exists()


def test_an_admin_file_over_the_size_limit_is_refused_on_the_form(db: None, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 10
    client = staff_with("view_organisation", "import_organisation", "add_organisation", "change_organisation")

    response = upload(client, "/admin/inventory/organisation/import/", "kbo,naam,soort,regio,email\n")

    assert response.status_code == 200
    assert "Het bestand is te groot" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_admins_own_confirm_step_reads_no_file_for_headcounts(db: None) -> None:
    client = staff_with("view_headcount", "import_headcount", "add_headcount", "change_headcount")

    assert client.post("/admin/inventory/headcount/process_import/", {}).status_code == 404


def test_a_catalogue_xlsx_that_unpacks_out_of_proportion_is_refused_before_it_is_read(db: None) -> None:
    client = staff_with("view_measure", "import_measure", "add_measure", "change_measure")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "x" * 5_000_000 + "</sst>")

    response = client.post(
        "/admin/inventory/measure/import/",
        {"format": "1", "import_file": SimpleUploadedFile("m.xlsx", out.getvalue())},
    )

    assert response.status_code == 200
    assert "Het Excel-bestand is uitgepakt te groot" in response.content.decode()


def test_organisation_files_need_the_import_permission_too(db) -> None:
    assert (
        staff_with("view_organisation", "change_organisation").get("/admin/inventory/organisation/import/").status_code
        == 403
    )
