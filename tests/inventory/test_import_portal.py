"""Uploading a headcount file in the portal: dry run, confirm, own organisations only; every file is read by the
worker (a real one, in a thread) while the job page polls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from inventory.models import CollectionRound, Headcount, ImportJob, Measure, Organisation, Region, Submission
from inventory.services.reference import reference_load
from tests.conftest import logged_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.inventory.conftest import job_when


def upload(client: Client, content: str, name: str = "tellingen.csv"):
    return client.post("/import/", {"kind": "headcounts", "file": SimpleUploadedFile(name, content.encode("utf-8"))})


@pytest.fixture
def editor(worker: None) -> tuple[Client, Organisation]:
    reference_load()
    organisation = OrganisationFactory(home_region=Region.objects.get(code="31005"), kind="maatwerkbedrijf")
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role="editor")
    # An editor's figures change while the year's round is open, whichever way they come in.
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2019, opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9)
    )
    return logged_in(user), organisation


def test_an_editor_sees_a_dry_run_and_imports_only_after_confirming(editor) -> None:
    client, organisation = editor
    content = f"jaar;organisatie;maatregel;regio;personen\n2019;{organisation.kbo};CMW-BED;31005;42\n"

    response = upload(client, content)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/import/{job.pk}/"
    job_when(job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "1 rij: 1 nieuw, 0 gewijzigd, 0 ongewijzigd." in page
    assert "Importeren bevestigen" in page
    assert not Headcount.objects.exists()

    confirmed = client.post(f"/import/{job.pk}/confirm/")

    assert confirmed.status_code == 302
    assert job_when(ImportJob.objects.get(dry_run=False).pk).status == "done"
    headcount = Headcount.objects.get()
    assert (headcount.submission.organisation, headcount.submission.year, headcount.persons) == (organisation, 2019, 42)
    assert headcount.measure == Measure.objects.get(code="CMW-BED")
    assert "Ingelezen" in client.get(confirmed["Location"]).content.decode()


def test_a_row_for_another_organisation_rejects_the_file(editor) -> None:
    client, organisation = editor
    other = OrganisationFactory(home_region=Region.objects.get(code="34022"))
    content = (
        "year,organisation,measure,region,persons\n"
        f"2019,{organisation.kbo},CMW-BED,31005,42\n"
        f"2019,{other.kbo},CMW-BED,34022,7\n"
    )

    response = upload(client, content)
    job_when(ImportJob.objects.get().pk)
    page = client.get(response["Location"]).content.decode()

    assert "Importeren bevestigen" not in page
    assert other.kbo in page or other.kbo_display in page
    assert not Headcount.objects.exists()
    job = ImportJob.objects.get()
    assert client.post(f"/import/{job.pk}/confirm/").status_code == 403


def test_viewers_cannot_upload_and_nobody_sees_someone_elses_job(editor) -> None:
    client, organisation = editor
    viewer = UserFactory()
    MembershipFactory(user=viewer, organisation=organisation, role="viewer")
    assert logged_in(viewer).get("/import/").status_code == 403
    response = upload(client, "year,organisation,measure,region,persons\n")
    assert logged_in(UserFactory(is_staff=False)).get(response["Location"]).status_code == 404


def test_every_file_is_read_by_the_worker_while_the_page_polls_then_shows_the_report(editor) -> None:
    client, organisation = editor
    municipalities = list(Region.objects.municipalities().filter(parent__parent__code="30000").valid_in(2019))[:30]
    content = "year,organisation,measure,region,persons\n" + "".join(
        f"2019,{organisation.kbo},CMW-BED,{region.code},{i}\n" for i, region in enumerate(municipalities)
    )

    job_url = upload(client, content)["Location"]

    first = client.get(job_url).content.decode()
    job = job_when(ImportJob.objects.get().pk)
    if "30 rijen" not in first:  # the worker may be done before the first look
        assert 'http-equiv="refresh"' in first
        assert "wachtrij" in first or "wordt verwerkt" in first
    assert job.rows == 30
    done = client.get(job_url).content.decode()
    assert "30 rijen: 30 nieuw" in done
    assert 'http-equiv="refresh"' not in done
    status = client.get(job_url + "status/").json()
    assert status["status"] == "done"
    assert status["result"]["created"] == 30
    assert "versions" not in status["result"]


def test_a_file_over_the_size_limit_is_refused_on_the_form_with_the_services_message(editor, settings) -> None:
    client, organisation = editor
    settings.IMPORT_MAX_BYTES = 100
    response = upload(
        client, "year,organisation,measure,region,persons\n" + f"2019,{organisation.kbo},AZ,31005,1\n" * 5
    )
    assert response.status_code == 200
    assert "te groot" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_editors_file_follows_the_portals_rules_for_a_year_without_a_round(editor) -> None:
    client, organisation = editor
    content = f"jaar;organisatie;maatregel;regio;personen\n2021;{organisation.kbo};CMW-BED;31005;42\n"

    upload(client, content)

    job = job_when(ImportJob.objects.get().pk)
    assert job.result is not None
    assert not job.result["ok"]
    assert "Er is geen bevraging voor 2021." in client.get(f"/import/{job.pk}/").content.decode()
    assert not Submission.objects.filter(year=2021).exists()


def test_an_editor_cannot_change_by_file_what_was_already_sent_to_pom(editor) -> None:
    client, organisation = editor
    Submission.objects.create(organisation=organisation, year=2019, status="submitted")
    content = f"jaar;organisatie;maatregel;regio;personen\n2019;{organisation.kbo};CMW-BED;31005;42\n"

    upload(client, content)

    job = job_when(ImportJob.objects.get().pk)
    assert job.result is not None
    assert not job.result["ok"]
    assert "al ingediend" in client.get(f"/import/{job.pk}/").content.decode()
    assert not Headcount.objects.exists()


def test_an_editor_cannot_upload_an_organisation_file_even_by_posting_the_kind(editor) -> None:
    client, _organisation = editor
    content = "kbo,naam,soort,regio,email\n0987654394,Nieuw,maatwerkbedrijf,31005,\n"

    response = client.post(
        "/import/", {"kind": "organisations", "file": SimpleUploadedFile("o.csv", content.encode("utf-8"))}
    )

    assert response.status_code == 200
    assert "organisations" in response.context["form"].errors["kind"][0]
    assert not ImportJob.objects.exists()
