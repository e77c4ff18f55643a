"""Bulk invitations: a file of people checked in a dry run that says per row what will happen, refused whole with
any error, sent after the staff member confirms, and never sent twice; the organisation import's contacts and
`manage.py invite_users` through the same service."""

from __future__ import annotations

import io
import random
import time
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import Workbook

from accounts.invitations import Outcome
from accounts.models import Invitation, InvitationRole, Membership, MembershipRole, User
from inventory.kbo import format_kbo
from inventory.models import ImportJob, Organisation
from inventory.services.import_jobs import import_job_run
from inventory.services.imports import ImportReport, invitations_import, organisations_import
from inventory.services.imports.invitations import REFUSED
from tests.conftest import logged_in
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory, valid_kbo
from tests.inventory.conftest import job_when
from tests.inventory.conftest import worker as worker  # the in-thread Celery worker, a fixture

UNKNOWN_KBO = valid_kbo(9_999_001)


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_file(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def outcomes(report: ImportReport) -> list[tuple[int, str]]:
    return [(line.row, line.outcome) for line in report.invitations]


def errors_of(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.value) for error in report.errors]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Organisations A and B; a member of A, an open invitation to A, an account without membership of B."""
    a = OrganisationFactory(name="Maatwerkbedrijf A")
    b = OrganisationFactory(name="Maatwerkbedrijf B")
    staff = UserFactory(username="pom", is_staff=True, is_superuser=True, first_name="Pom", last_name="Medewerker")
    MembershipFactory(user__username="lid", user__email="lid@a.example", organisation=a, role=MembershipRole.EDITOR)
    Invitation.objects.create(email="uitgenodigd@a.example", organisation=a, role=InvitationRole.EDITOR)
    UserFactory(username="elders", email="elders@b.example")
    return {"a": a, "b": b, "staff": staff}


def every_outcome(world: dict[str, Any]) -> list[list[Any]]:
    """One row of each kind, header first; the rows are numbered 2..10 as a spreadsheet numbers them."""
    a, b = world["a"].kbo, world["b"].kbo
    return [
        ["kbo", "email", "rol", "naam"],
        [a, "Nieuw@A.example", "editor", "Nieuwe Collega"],  # 2 a new invitation (address in any case)
        [a, "lid@a.example", "invoerder", ""],  # 3 already a member (a label as the role)
        [a, "uitgenodigd@a.example", "editor", ""],  # 4 already invited, link still valid
        [format_kbo(b), "elders@b.example", "viewer", ""],  # 5 an account: the membership is added
        [UNKNOWN_KBO, "wie@nergens.example", "editor", ""],  # 6 no organisation with that number
        [a, "geen-adres", "editor", ""],  # 7 not an e-mail address
        [a, "baas@a.example", "directeur", ""],  # 8 no such role
        [a, "nieuw@a.example", "editor", "Nog eens"],  # 9 the same as row 2
        ["", "collega@pom.example", "coordinator", ""],  # 10 a coordinator: no organisation
    ]


def as_csv(rows: list[list[Any]]) -> bytes:
    return csv_file(*(",".join(str(cell) for cell in row) for row in rows))


@pytest.mark.parametrize(("make", "filename"), [(as_csv, "uitnodigingen.csv"), (xlsx_file, "uitnodigingen.xlsx")])
def test_the_dry_run_says_per_row_what_would_happen_and_names_each_bad_row(
    world: dict[str, Any], make: Any, filename: str
) -> None:
    before = Invitation.objects.count()
    report = invitations_import(data=make(every_outcome(world)), filename=filename, actor=world["staff"], dry_run=True)

    assert outcomes(report) == [
        (2, Outcome.INVITED),
        (3, Outcome.ALREADY_MEMBER),
        (4, Outcome.ALREADY_INVITED),
        (5, Outcome.ADDED),
        (6, REFUSED),
        (7, REFUSED),
        (8, REFUSED),
        (9, REFUSED),
        (10, Outcome.INVITED),
    ]
    assert errors_of(report) == [
        (6, "kbo", UNKNOWN_KBO),
        (7, "email", "geen-adres"),
        (8, "rol", "directeur"),
        (9, "email", "nieuw@a.example"),
    ]
    messages = [str(error) for error in report.errors]
    assert messages[0] == (
        f"Rij 6, kolom kbo: geen organisatie met ondernemingsnummer {format_kbo(UNKNOWN_KBO)}; voeg ze eerst toe "
        "(organisatiebestand of beheer)."
    )
    assert messages[1] == "Rij 7, kolom email: ‘geen-adres’ is geen geldig e-mailadres."
    assert messages[2].startswith("Rij 8, kolom rol: onbekende rol ‘directeur’; verwacht een van editor, viewer,")
    assert "als rij 2" in messages[3]
    labels = {line.row: line.label for line in report.invitations}
    assert labels[2] == "nieuwe uitnodiging"
    assert labels[6] == "geweigerd: zie de fouten"
    assert report.invitations[0].organisation == "Maatwerkbedrijf A"
    assert report.invitations[0].email == "nieuw@a.example"
    # Refused whole: nothing made, nothing sent, not even for the good rows.
    assert Invitation.objects.count() == before
    assert not Membership.objects.filter(user__username="elders").exists()
    assert mail.outbox == []


def test_a_file_with_errors_is_refused_whole_even_outside_a_dry_run(world: dict[str, Any]) -> None:
    before = Invitation.objects.count()
    report = invitations_import(data=as_csv(every_outcome(world)), filename="u.csv", actor=world["staff"])

    assert not report.ok
    assert (2, Outcome.INVITED) in outcomes(report)  # what it would have done
    assert Invitation.objects.count() == before
    assert not Membership.objects.filter(user__username="elders").exists()


def good_rows(world: dict[str, Any]) -> list[list[Any]]:
    return [row for row in every_outcome(world) if row[1] not in ("wie@nergens.example", "geen-adres")][:5]


def test_headers_in_english_in_any_case_and_order_and_roles_by_their_english_label(world: dict[str, Any]) -> None:
    content = csv_file("EMAIL,Role,KBO,Name", f"nieuw@a.example,Viewer,{world['a'].kbo},Jan", "x@pom.example,staff,,")
    report = invitations_import(data=content, filename="u.csv", actor=world["staff"], dry_run=True)

    assert report.ok, report.errors
    assert [(line.role, line.outcome) for line in report.invitations] == [
        ("lezer", Outcome.INVITED),
        ("POM-medewerker", Outcome.INVITED),
    ]


def test_the_organisation_roles_need_a_number_and_staff_roles_have_none(world: dict[str, Any]) -> None:
    content = csv_file("kbo,email,role", ",een@a.example,editor", f"{world['a'].kbo},twee@pom.example,coordinator")
    report = invitations_import(data=content, filename="u.csv", actor=world["staff"], dry_run=True)

    assert [str(error) for error in report.errors] == [
        "Rij 2, kolom kbo: het ondernemingsnummer ontbreekt; verwacht bv. 0123.456.749.",
        "Rij 3, kolom kbo: een coördinator hoort bij geen organisatie; laat het ondernemingsnummer leeg.",
    ]


def test_the_same_person_twice_at_one_organisation_is_a_duplicate_with_any_role(world: dict[str, Any]) -> None:
    a = world["a"].kbo
    content = csv_file("kbo,email,role", f"{a},jan@a.example,editor", f"{a},JAN@a.example,viewer")
    report = invitations_import(data=content, filename="u.csv", actor=world["staff"], dry_run=True)

    assert [str(error) for error in report.errors] == [
        "Rij 3, kolom email: hetzelfde e-mailadres en dezelfde organisatie als rij 2 (als invoerder); een persoon "
        "heeft één rol per organisatie."
    ]


def test_a_staff_member_without_every_staff_permission_may_not_invite_staff(world: dict[str, Any]) -> None:
    from accounts.services import staff_group_ensure

    staff_group_ensure()
    plain = UserFactory(username="medewerker", is_staff=True)
    report = invitations_import(
        data=csv_file("kbo,email,role", ",nieuw@pom.example,staff"), filename="u.csv", actor=plain, dry_run=True
    )

    assert errors_of(report) == [(2, "role", "staff")]
    assert "enkel een superuser nodigt er dan een uit" in report.errors[0].message


# --- the page, the worker and the mails ---------------------------------------------------------------------------


@pytest.fixture
def staff_client(world: dict[str, Any]) -> Client:
    return logged_in(world["staff"])


def upload(client: Client, content: bytes, name: str = "uitnodigingen.csv") -> ImportJob:
    response = client.post("/beheer/uitnodigingen/bestand/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()
    job = ImportJob.objects.filter(kind=ImportJob.Kind.INVITATIONS, dry_run=True).latest("created_at")
    assert response["Location"] == f"/import/{job.pk}/"
    return job


def test_the_invitation_list_links_the_bulk_page_and_the_page_explains_the_columns(staff_client: Client) -> None:
    assert 'href="/beheer/uitnodigingen/bestand/"' in staff_client.get("/beheer/uitnodigingen/").content.decode()
    page = staff_client.get("/beheer/uitnodigingen/bestand/").content.decode()
    assert "Uitnodigen uit een bestand" in page
    assert "<code>rol</code> (<code>role</code>)" in page
    assert "helemaal geweigerd" in page


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(staff_client: Client, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("u.csv", b"kbo,email,role\n" + b"x" * (2 * 1024 * 1024))
    response = staff_client.post("/beheer/uitnodigingen/bestand/", {"file": big})

    assert response.status_code == 400
    assert "Het bestand is te groot (2,0 MB); het maximum is 1,0 MB." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_dry_run_page_lists_every_row_and_says_nothing_is_sent(world: dict[str, Any], staff_client: Client) -> None:
    job = upload(staff_client, as_csv(every_outcome(world)))
    import_job_run(job_id=job.pk)  # what the worker does with the job

    page = staff_client.get(f"/import/{job.pk}/").content.decode()
    assert "Het bestand is geweigerd: 4 rijen hebben een fout." in page
    assert "Er wordt niets verstuurd, ook niet aan de 5 rijen zonder fout" in page
    for label in ("nieuwe uitnodiging", "is al lid", "is al uitgenodigd", "bestaand account: lidmaatschap toegevoegd"):
        assert label in page
    assert "geweigerd: zie de fouten" in page
    assert "Uitnodigingen versturen" not in page
    assert 'href="/beheer/uitnodigingen/bestand/"' in page  # another file: back to the invitation page


def mails_to(*addresses: str, timeout: float = 30) -> list[str]:
    """The outbox's recipients once every address has its mail (the in-thread worker sends them)."""
    deadline = time.monotonic() + timeout
    while not set(addresses) <= {to for message in mail.outbox for to in message.to}:
        assert time.monotonic() < deadline, [message.to for message in mail.outbox]
        time.sleep(0.05)
    return sorted(to for message in mail.outbox for to in message.to)


def test_confirmed_invitations_are_sent_by_the_worker_and_a_second_run_sends_nothing_twice(
    worker: None, world: dict[str, Any], staff_client: Client
) -> None:
    content = as_csv(good_rows(world))
    job = upload(staff_client, content)
    job = job_when(job.pk)
    assert job.result is not None
    assert job.result["ok"], job.result
    page = staff_client.get(f"/import/{job.pk}/").content.decode()
    assert "Na uw bevestiging krijgen 2 personen een e-mail" in page
    assert "2 rijen krijgen niets" in page
    assert "Uitnodigingen versturen" in page
    assert mail.outbox == []

    response = staff_client.post(f"/import/{job.pk}/confirm/")
    confirmed = ImportJob.objects.get(source_job=job)
    assert response["Location"] == f"/import/{confirmed.pk}/"
    confirmed = job_when(confirmed.pk)
    assert confirmed.result is not None
    assert confirmed.result["ok"], confirmed.result

    assert mails_to("nieuw@a.example", "elders@b.example") == ["elders@b.example", "nieuw@a.example"]
    invitation = Invitation.objects.get(email="nieuw@a.example")
    assert (invitation.organisation, invitation.role, invitation.name) == (world["a"], "editor", "Nieuwe Collega")
    assert invitation.invited_by == world["staff"]
    assert invitation.sent_at is not None
    assert Membership.objects.get(user__username="elders").organisation == world["b"]
    assert "Pom Medewerker nodigt u uit" in next(m.body for m in mail.outbox if m.to == ["nieuw@a.example"])
    assert "2 e-mails verstuurd" in staff_client.get(f"/import/{confirmed.pk}/").content.decode()

    # The same file again: everyone is a member or invited now.
    invitations = Invitation.objects.count()
    again = job_when(upload(staff_client, content).pk)
    assert again.result is not None
    assert {line["outcome"] for line in again.result["invitations"]} == {
        Outcome.ALREADY_MEMBER,
        Outcome.ALREADY_INVITED,
    }
    staff_client.post(f"/import/{again.pk}/confirm/")
    job_when(ImportJob.objects.get(source_job=again).pk)
    time.sleep(0.5)  # a mail wrongly queued would arrive by now
    assert len(mail.outbox) == 2
    assert Invitation.objects.count() == invitations


def test_others_cannot_reach_the_page_nor_upload_an_invitation_file(world: dict[str, Any]) -> None:
    contact = MembershipFactory(organisation=world["a"], role=MembershipRole.CONTACT).user
    for user in (contact, UserFactory(is_coordinator=True)):
        client = logged_in(user)
        assert client.get("/beheer/uitnodigingen/bestand/").status_code == 404
        response = client.post(
            "/beheer/uitnodigingen/bestand/", {"file": SimpleUploadedFile("u.csv", as_csv(good_rows(world)))}
        )
        assert response.status_code == 404
    editor = logged_in(User.objects.get(username="lid"))
    response = editor.post("/import/", {"kind": "invitations", "file": SimpleUploadedFile("u.csv", b"kbo,email,role")})
    assert response.status_code == 200  # the form again: not a kind an editor may upload
    assert not ImportJob.objects.filter(kind=ImportJob.Kind.INVITATIONS).exists()


def test_a_staff_members_invitation_job_is_not_for_an_organisations_contact(world: dict[str, Any]) -> None:
    job = upload(logged_in(world["staff"]), as_csv(good_rows(world)))
    contact = logged_in(MembershipFactory(organisation=world["a"], role=MembershipRole.CONTACT).user)

    assert contact.get(f"/import/{job.pk}/").status_code == 404
    assert contact.post(f"/import/{job.pk}/confirm/").status_code == 404


# --- the command --------------------------------------------------------------------------------------------------


def run_command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("invite_users", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_sends_a_good_file_and_a_second_run_sends_nothing_twice(
    world: dict[str, Any], tmp_path: Any
) -> None:
    path = tmp_path / "uitnodigingen.csv"
    path.write_bytes(as_csv(good_rows(world)))

    out, _err = run_command(str(path), "--dry-run", "--user", "pom")
    a = f"Maatwerkbedrijf A ({format_kbo(world['a'].kbo)})"
    assert f"Rij 2: nieuw@a.example, {a}, invoerder: nieuwe uitnodiging" in out
    assert "proefdraai: niets verstuurd" in out
    assert mail.outbox == []

    out, _err = run_command(str(path), "--user", "pom")
    assert sorted(to for message in mail.outbox for to in message.to) == ["elders@b.example", "nieuw@a.example"]
    assert "4 rijen: 2 e-mails verstuurd, 2 niet (al lid of al uitgenodigd)" in out
    assert Invitation.objects.get(email="nieuw@a.example").invited_by == world["staff"]

    out, _err = run_command(str(path), "--user", "pom")
    assert len(mail.outbox) == 2
    assert f"Rij 2: nieuw@a.example, {a}, invoerder: is al uitgenodigd" in out
    assert "0 e-mails verstuurd, 4 niet" in out


def test_the_command_prints_every_error_and_fails_when_the_file_is_refused(
    world: dict[str, Any], tmp_path: Any
) -> None:
    path = tmp_path / "uitnodigingen.csv"
    path.write_bytes(as_csv(every_outcome(world)))
    err = io.StringIO()

    with pytest.raises(CommandError, match="4 fouten gevonden; niets verstuurd"):
        call_command("invite_users", str(path), "--user", "pom", stdout=io.StringIO(), stderr=err)
    assert f"{path}: Rij 7, kolom email: ‘geen-adres’ is geen geldig e-mailadres." in err.getvalue()
    assert mail.outbox == []


def test_the_command_needs_a_staff_user(world: dict[str, Any], tmp_path: Any) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(as_csv(good_rows(world)))

    with pytest.raises(CommandError, match="lid is geen"):
        run_command(str(path), "--user", "lid")
    with pytest.raises(CommandError, match="deze argumenten ontbreken: --user"):
        run_command(str(path))


# --- the organisation import's contacts ---------------------------------------------------------------------------


@pytest.fixture
def organisation_file(world: dict[str, Any]) -> bytes:
    """A new organisation with an address, A with the address of its member, B without an address."""
    region = RegionFactory(code="31005", name="Brugge")
    a, b = world["a"], world["b"]
    return csv_file(
        "kbo;naam;soort;regio;email",
        f"{valid_kbo(7_000_001)};Nieuw Bedrijf;maatwerkbedrijf;{region.code};info@nieuw.example",
        f"{a.kbo};{a.name};maatwerkbedrijf;{region.code};lid@a.example",
        f"{b.kbo};{b.name};maatwerkbedrijf;{region.code};",
    )


def test_the_organisation_import_invites_each_address_as_contact_once(
    world: dict[str, Any], organisation_file: bytes
) -> None:
    dry = organisations_import(
        data=organisation_file, filename="o.csv", dry_run=True, invite_contacts=True, actor=world["staff"]
    )
    assert dry.ok, dry.errors
    assert [(line.row, line.email, line.outcome) for line in dry.invitations] == [
        (2, "info@nieuw.example", Outcome.INVITED),
        (3, "lid@a.example", Outcome.ALREADY_MEMBER),
    ]
    assert not Invitation.objects.filter(email="info@nieuw.example").exists()

    report = organisations_import(
        data=organisation_file, filename="o.csv", invite_contacts=True, actor=world["staff"], queue=False
    )
    assert report.created == 1
    invitation = Invitation.objects.get(email="info@nieuw.example")
    assert invitation.organisation == Organisation.objects.get(kbo=valid_kbo(7_000_001))
    assert (invitation.role, invitation.invited_by) == (InvitationRole.CONTACT, world["staff"])
    assert report.invitations[0].invitation_id == invitation.pk

    again = organisations_import(data=organisation_file, filename="o.csv", invite_contacts=True, queue=False)
    assert [line.outcome for line in again.invitations] == [Outcome.ALREADY_INVITED, Outcome.ALREADY_MEMBER]
    assert Invitation.objects.filter(email="info@nieuw.example").count() == 1


def test_the_organisation_import_invites_nobody_unless_asked(world: dict[str, Any], organisation_file: bytes) -> None:
    report = organisations_import(data=organisation_file, filename="o.csv")

    assert report.ok
    assert report.invitations == []
    assert not Invitation.objects.filter(email="info@nieuw.example").exists()


def test_the_upload_pages_checkbox_goes_with_the_job_and_its_page_lists_the_contacts(
    world: dict[str, Any], organisation_file: bytes, staff_client: Client
) -> None:
    assert "Nodig de contact-e-mail uit als contactpersoon" in staff_client.get("/import/").content.decode()
    response = staff_client.post(
        "/import/",
        {"kind": "organisations", "invite_contacts": "on", "file": SimpleUploadedFile("o.csv", organisation_file)},
    )
    job = ImportJob.objects.get(kind=ImportJob.Kind.ORGANISATIONS)
    assert response["Location"] == f"/import/{job.pk}/"
    assert job.invite_contacts
    import_job_run(job_id=job.pk)

    page = staff_client.get(f"/import/{job.pk}/").content.decode()
    assert "Contactpersonen uitnodigen" in page
    assert "<td>info@nieuw.example</td>" in page
    assert "nieuwe uitnodiging" in page
    assert "Na uw bevestiging krijgt 1 persoon een e-mail" in page

    staff_client.post(f"/import/{job.pk}/confirm/")
    confirmed = ImportJob.objects.get(source_job=job)
    assert confirmed.invite_contacts
    import_job_run(job_id=confirmed.pk)
    assert Invitation.objects.get(email="info@nieuw.example").invited_by == world["staff"]


def test_the_checkbox_is_only_for_organisation_files(world: dict[str, Any], staff_client: Client) -> None:
    response = staff_client.post(
        "/import/", {"kind": "headcounts", "invite_contacts": "on", "file": SimpleUploadedFile("t.csv", b"jaar\n")}
    )

    assert "Contactpersonen uitnodigen kan enkel bij een organisatiebestand." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_editors_upload_page_has_no_checkbox(world: dict[str, Any]) -> None:
    page = logged_in(User.objects.get(username="lid")).get("/import/").content.decode()
    assert "contactpersoon" not in page


def test_import_organisations_invite_contacts_sends_the_mails_once(
    world: dict[str, Any], organisation_file: bytes, tmp_path: Any
) -> None:
    path = tmp_path / "organisaties.csv"
    path.write_bytes(organisation_file)
    out = io.StringIO()

    call_command("import_organisations", str(path), "--invite-contacts", "--user", "pom", stdout=out)
    assert [message.to for message in mail.outbox] == [["info@nieuw.example"]]
    assert "Rij 2: info@nieuw.example, Nieuw Bedrijf" in out.getvalue()
    assert "nieuwe uitnodiging" in out.getvalue()

    call_command("import_organisations", str(path), "--invite-contacts", stdout=io.StringIO())
    assert len(mail.outbox) == 1


# --- bad input ----------------------------------------------------------------------------------------------------


def refusal(content: bytes, filename: str = "u.csv", actor: User | None = None) -> list[str]:
    report = invitations_import(data=content, filename=filename, actor=actor, dry_run=True)
    assert not report.ok
    assert not Invitation.objects.filter(email__endswith="@x.example").exists()
    return [str(error) for error in report.errors]


def test_an_empty_file_is_refused(db: None) -> None:
    assert refusal(b"") == ["Het bestand is leeg."]
    assert refusal(b"\xef\xbb\xbf\r\n\r\n") == ["Het bestand is leeg."]
    assert refusal(b"kbo,email,role\n") == ["Het bestand bevat enkel een kopregel en geen gegevens."]


def test_wrong_columns_are_named_with_the_columns_expected(db: None) -> None:
    messages = refusal(csv_file("jaar,organisatie,maatregel", "2020,0123456749,X"))

    assert messages[0] == (
        "Rij 1, kolom jaar: onbekende kolom ‘jaar’; verwacht de kolommen kbo, email, rol (en optioneel naam)."
    )
    assert "Rij 1, kolom kbo: de kolom ‘kbo’ ontbreekt; verwacht de kolommen kbo, email, rol" in messages[3]


@pytest.mark.parametrize("filename", ["junk.csv", "junk.xlsx"])
def test_five_megabytes_of_junk_are_refused_as_unreadable(db: None, filename: str) -> None:
    junk = random.Random(14).randbytes(5 * 1024 * 1024)

    (message,) = refusal(junk, filename)
    assert message.startswith(("Het bestand is geen tekstbestand", "Het Excel-bestand is beschadigd"))


def test_a_semicolon_csv_with_a_bom_as_belgian_excel_writes_it_is_read(world: dict[str, Any]) -> None:
    content = f"KBO;Email;Rol;Naam\r\n{format_kbo(world['a'].kbo)};jan@a.example;Invoerder;José Peeters\r\n"
    content = b"\xef\xbb\xbf" + content.encode()
    report = invitations_import(data=content, filename="u.csv", actor=world["staff"], dry_run=True)

    assert report.ok, report.errors
    assert [(line.row, line.email, line.organisation, line.outcome) for line in report.invitations] == [
        (2, "jan@a.example", "Maatwerkbedrijf A", Outcome.INVITED)
    ]
    invitations_import(data=content, filename="u.csv", actor=world["staff"], queue=False)
    assert Invitation.objects.get(email="jan@a.example").name == "José Peeters"


def test_an_xlsx_with_a_formula_in_the_email_cell_is_refused(world: dict[str, Any]) -> None:
    content = xlsx_file([["kbo", "email", "rol"], [world["a"].kbo, '=HYPERLINK("https://x.example","klik")', "editor"]])
    messages = refusal(content, "u.xlsx", world["staff"])

    assert messages == [
        'Rij 2, kolom email: ‘=HYPERLINK("https://x.example","klik")’ begint met ‘=’, zodat een rekenblad het '
        "als formule zou uitvoeren; zulke waarden worden geweigerd. Verwijder dat teken vooraan."
    ]


def test_a_file_with_more_rows_than_an_invitation_file_holds_is_refused(
    world: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr("inventory.services.imports.invitations.MAX_ROWS", 2)
    content = csv_file("kbo,email,role", *(f"{world['a'].kbo},p{n}@x.example,editor" for n in range(3)))

    assert refusal(content)[0] == "Rij 4: Een bestand met uitnodigingen heeft hoogstens 2 rijen; splits het op."
