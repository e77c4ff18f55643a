"""Demo data: organisations, users, rounds and validated submissions for 2014-2019 that reproduce POM's 2019
press release when summed (figures in inventory/demo/figures.py, which says what is synthetic), and two import
profiles with a supplier file each to try (inventory/demo/supplier/, not imported)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation, InvitationRole, Membership, MembershipRole, User
from accounts.services import STAFF_GROUP
from inventory.constants import FLANDERS, WEST_VLAANDEREN
from inventory.demo import figures
from inventory.demo.figures import apportion
from inventory.demo.supplier_files import FOLDER, RSZ_PROFILE_FILE, VDAB_PROFILE_FILE
from inventory.models import (
    CollectionRound,
    ContextFigure,
    Edition,
    EditionFigure,
    Headcount,
    ImportProfile,
    Measure,
    Organisation,
    OrganisationKind,
    OverlapCorrection,
    Region,
    Submission,
    SubmissionStatus,
)
from inventory.services.aggregation import aggregates_mark_years
from inventory.services.editions import edition_publish
from inventory.services.imports.profiles import profile_load
from inventory.services.reference import reference_load

K = OrganisationKind
DEMO_PASSWORD = "demo-wvl-2019"
DEMO_NOTE = "Demogegevens: synthetische organisatie en verdeling; totalen volgens het persbericht Inventaris 2019."
EDITION_2018 = "Inventaris 2018"
EDITION_2019 = "Inventaris 2019"

WSE_MEASURES = ["DGK-JONG", "DGK-JONG-FED", "DGK-OUD", "VOP", "DGK-LWZ", "SINE", "TWP50"]
VDAB_MEASURES = ["IBO", "WPL", "W2"]
KIND_MEASURES = {
    K.MAATWERKBEDRIJF: ["BW", "SW", "CMW-BED", "CMW-AFD"],
    K.LDE: ["LDE"],
    K.ARBEIDSZORG: ["AZ"],
    K.LOKAAL_BESTUUR: ["PWA", "WW", "AMA"],
    K.OPLEIDINGSPARTNER: ["GIBO", "TWE", "WEP"],
}

# Where the administrative data of the other provinces is spread (municipalities unchanged since 2014).
OTHER_PROVINCE_MUNICIPALITIES = {
    "10000": ["11002", "12025", "13040", "11008", "13008", "12021", "13025"],
    "20001": ["24062", "23088", "23027", "24107", "24001", "23016"],
    "40000": ["44021", "41002", "46021", "42006", "45035", "43005", "41048"],
    "70000": ["71016", "71053", "72020", "73107", "71004", "72004"],
}


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    kind: str
    home: str


POM = DemoOrganisation("POM West-Vlaanderen", K.GEGEVENSLEVERANCIER, "31005")
WSE = DemoOrganisation("Departement Werk en Sociale Economie (demo)", K.GEGEVENSLEVERANCIER, FLANDERS)
VDAB = DemoOrganisation("VDAB (demo)", K.GEGEVENSLEVERANCIER, FLANDERS)
ORGANISATIONS = [
    POM,
    WSE,
    VDAB,
    DemoOrganisation("Maatwerkbedrijf De Brugse Poort (demo)", K.MAATWERKBEDRIJF, "31005"),
    DemoOrganisation("Maatwerkbedrijf Leieland (demo)", K.MAATWERKBEDRIJF, "34022"),
    DemoOrganisation("Maatwerkbedrijf Mandelstreek (demo)", K.MAATWERKBEDRIJF, "36015"),
    DemoOrganisation("Maatwerkbedrijf Westhoek (demo)", K.MAATWERKBEDRIJF, "33011"),
    DemoOrganisation("Maatwerkbedrijf Kust (demo)", K.MAATWERKBEDRIJF, "35013"),
    DemoOrganisation("Maatwerkbedrijf Tieltse Ateliers (demo)", K.MAATWERKBEDRIJF, "37015"),
    DemoOrganisation("LDE Buurtdiensten Brugge (demo)", K.LDE, "31005"),
    DemoOrganisation("LDE Zuid-West (demo)", K.LDE, "34013"),
    DemoOrganisation("LDE IJzervallei (demo)", K.LDE, "32003"),
    DemoOrganisation("Arbeidszorg Houtland (demo)", K.ARBEIDSZORG, "31033"),
    DemoOrganisation("Arbeidszorg Poperinge (demo)", K.ARBEIDSZORG, "33021"),
    DemoOrganisation("Arbeidszorg Waregem (demo)", K.ARBEIDSZORG, "34040"),
    DemoOrganisation("Arbeidszorg Westkust (demo)", K.ARBEIDSZORG, "38025"),
    DemoOrganisation("OCMW Brugge (demo)", K.LOKAAL_BESTUUR, "31005"),
    DemoOrganisation("Stad Kortrijk (demo)", K.LOKAAL_BESTUUR, "34022"),
    DemoOrganisation("Stad Oostende (demo)", K.LOKAAL_BESTUUR, "35013"),
    DemoOrganisation("Stad Roeselare (demo)", K.LOKAAL_BESTUUR, "36015"),
    DemoOrganisation("Gemeente Wingene (demo)", K.LOKAAL_BESTUUR, "37018"),
    DemoOrganisation("Opleidingscentrum Brugge (demo)", K.OPLEIDINGSPARTNER, "31005"),
    DemoOrganisation("Trajectpartner Kortrijk (demo)", K.OPLEIDINGSPARTNER, "34022"),
    DemoOrganisation("Vormingscentrum Roeselare (demo)", K.OPLEIDINGSPARTNER, "36015"),
    DemoOrganisation("Maatwerkbedrijf Scheldeland (demo)", K.MAATWERKBEDRIJF, "11002"),
    DemoOrganisation("LDE Mechelen (demo)", K.LDE, "12025"),
    DemoOrganisation("Arbeidszorg Kempen (demo)", K.ARBEIDSZORG, "12025"),
    DemoOrganisation("Stad Antwerpen (demo)", K.LOKAAL_BESTUUR, "11002"),
    DemoOrganisation("Opleidingspartner Antwerpen (demo)", K.OPLEIDINGSPARTNER, "11002"),
    DemoOrganisation("Maatwerkbedrijf Hageland (demo)", K.MAATWERKBEDRIJF, "24062"),
    DemoOrganisation("LDE Vilvoorde (demo)", K.LDE, "23088"),
    DemoOrganisation("Arbeidszorg Dijleland (demo)", K.ARBEIDSZORG, "24062"),
    DemoOrganisation("Stad Leuven (demo)", K.LOKAAL_BESTUUR, "24062"),
    DemoOrganisation("Opleidingspartner Vilvoorde (demo)", K.OPLEIDINGSPARTNER, "23088"),
    DemoOrganisation("Maatwerkbedrijf Leiestreek Gent (demo)", K.MAATWERKBEDRIJF, "44021"),
    DemoOrganisation("LDE Aalst (demo)", K.LDE, "41002"),
    DemoOrganisation("Arbeidszorg Meetjesland (demo)", K.ARBEIDSZORG, "44021"),
    DemoOrganisation("Stad Gent (demo)", K.LOKAAL_BESTUUR, "44021"),
    DemoOrganisation("Opleidingspartner Aalst (demo)", K.OPLEIDINGSPARTNER, "41002"),
    DemoOrganisation("Maatwerkbedrijf Kempenland Genk (demo)", K.MAATWERKBEDRIJF, "71016"),
    DemoOrganisation("LDE Sint-Truiden (demo)", K.LDE, "71053"),
    DemoOrganisation("Arbeidszorg Haspengouw (demo)", K.ARBEIDSZORG, "71053"),
    DemoOrganisation("Stad Genk (demo)", K.LOKAAL_BESTUUR, "71016"),
    DemoOrganisation("Opleidingspartner Genk (demo)", K.OPLEIDINGSPARTNER, "71016"),
]

DEMO_USERS = [
    # (username, first name, staff, coordinator, membership role)
    ("medewerker", "Medewerker POM", True, False, None),
    ("coordinator", "Coördinator", False, True, None),
    ("invoerder", "Invoerder", False, False, MembershipRole.EDITOR),
    ("lezer", "Lezer", False, False, MembershipRole.VIEWER),
    # Manages the organisation's colleagues (/organisaties/<pk>/leden/): invites, changes roles, removes.
    ("contactpersoon", "Contactpersoon", False, False, MembershipRole.CONTACT),
]
# An invitation the contact sent and nobody accepted yet: the members page and the onboarding view show it.
DEMO_OPEN_INVITATION = "nieuwe.collega@demo.invalid"
DEMO_USER_ORGANISATION = "Maatwerkbedrijf De Brugse Poort (demo)"


def synthetic_kbo(n: int) -> str:
    """A valid (mod 97) but invented enterprise number."""
    body = f"0{n:07d}"
    return f"{body}{97 - int(body) % 97:02d}"


def province_figures(year: int, *, edition_2018: bool = False) -> dict[str, dict[str, int]]:
    """Persons per measure for every Flemish province in `year`."""
    west = figures.WEST_VLAANDEREN[year]
    if edition_2018 and year == 2018:
        west = figures.EDITION_2018_WEST_VLAANDEREN_2018
    result: dict[str, dict[str, int]] = {WEST_VLAANDEREN: dict(west)}
    codes = list(figures.PROVINCE_SHARES)
    shares = list(figures.PROVINCE_SHARES.values())
    for code in codes:
        result[code] = {}
    for measure, total in figures.REST_OF_FLANDERS[year].items():
        for code, part in zip(codes, apportion(total, shares), strict=True):
            result[code][measure] = part
    return result


def province_corrections(year: int) -> dict[str, int]:
    codes = list(figures.PROVINCE_SHARES)
    split = apportion(figures.REST_OF_FLANDERS_CORRECTIONS[year], list(figures.PROVINCE_SHARES.values()))
    return {WEST_VLAANDEREN: figures.WEST_VLAANDEREN_CORRECTIONS[year], **dict(zip(codes, split, strict=True))}


def _weight(organisation: Organisation, region: Region) -> int:
    # Stable across runs and years, so that a municipality's trend follows its province's.
    return random.Random(f"{organisation.kbo}-{region.code}").randint(40, 160)


class DemoLoader:
    def __init__(self) -> None:
        self.regions = {r.code: r for r in Region.objects.select_related("parent__parent")}
        self.measures = {m.code: m for m in Measure.objects.all()}
        self.organisations: dict[str, Organisation] = {}

    def province_of(self, region: Region) -> str:
        while region.level != Region.Level.PROVINCIE:
            region = self.regions[cast(Region, region.parent).code]  # below a province: has a parent
        return region.code

    def load(self) -> None:
        self.create_organisations()
        self.create_users()
        self.create_rounds()
        staff = User.objects.get(username="medewerker")
        for year in figures.YEARS:
            self.create_year(year, staff)
        self.create_context_figures()
        self.create_edition_2018()

    def create_organisations(self) -> None:
        for n, spec in enumerate(ORGANISATIONS, start=1):
            email_name = spec.name.lower().replace(" (demo)", "").replace(" ", "-")
            self.organisations[spec.name] = Organisation.objects.create(
                kbo=synthetic_kbo(4_100_000 + n * 137),
                name=spec.name,
                kind=spec.kind,
                home_region=self.regions[spec.home],
                email=f"{email_name}@demo.invalid",
                note=DEMO_NOTE,
            )

    def create_users(self) -> None:
        organisation = self.organisations[DEMO_USER_ORGANISATION]
        for username, first_name, staff, coordinator, role in DEMO_USERS:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first_name,
                email=f"{username}@demo.invalid",
                is_staff=staff,
                is_superuser=staff,
                is_coordinator=coordinator,
            )
            if staff:
                user.groups.add(Group.objects.get(name=STAFF_GROUP))
            if role:
                Membership.objects.create(user=user, organisation=organisation, role=role)
        # Sent, not accepted: its token is thrown away (a demo address gets no mail); "opnieuw versturen" on the
        # members page makes a link that works (printed in the console of `make run`).
        Invitation.objects.create(
            email=DEMO_OPEN_INVITATION,
            name="Nieuwe Collega",
            organisation=organisation,
            role=InvitationRole.EDITOR,
            invited_by=User.objects.get(username="contactpersoon"),
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            sent_at=timezone.now(),
            send_count=1,
            expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS),
        )

    def create_rounds(self) -> None:
        for year in figures.YEARS:
            CollectionRound.objects.create(
                year=year,
                opens_on=dt.date(year + 1, 1, 15),
                closes_on=dt.date(year + 1, 3, 31),
                instructions=f"Rapporteer het aantal personen per maatregel en gemeente op 31 december {year}.",
                # Historic years, loaded by staff from files: staff declared them complete.
                marked_complete_at=timezone.now(),
            )

    def slots(self, measure: str, province: str, year: int) -> list[tuple[Organisation, Region]]:
        """Who reports `measure` in `province`, and for which regions."""
        if measure == "DC":
            pom = self.organisations[POM.name]
            if province == WEST_VLAANDEREN:
                return [(pom, r) for r in self.regions.values() if r.parent and r.parent.code == province]
            return [(pom, self.regions[province])]
        if measure in WSE_MEASURES or measure in VDAB_MEASURES:
            supplier = self.organisations[WSE.name if measure in WSE_MEASURES else VDAB.name]
            if province == WEST_VLAANDEREN:
                municipalities = [
                    r
                    for r in self.regions.values()
                    if r.level == Region.Level.GEMEENTE and self.province_of(r) == province and r.is_valid_in(year)
                ]
            else:
                municipalities = [self.regions[code] for code in OTHER_PROVINCE_MUNICIPALITIES[province]]
            return [(supplier, r) for r in sorted(municipalities, key=lambda r: r.code)]
        kind = next(kind for kind, codes in KIND_MEASURES.items() if measure in codes)
        return [
            (o, o.home_region)
            for o in self.organisations.values()
            if o.kind == kind and self.province_of(o.home_region) == province
        ]

    def create_year(self, year: int, staff: User) -> None:
        persons: dict[tuple[str, str, str], int] = defaultdict(int)
        for province, measures in province_figures(year).items():
            for measure, total in measures.items():
                slots = self.slots(measure, province, year)
                parts = apportion(total, [_weight(o, r) for o, r in slots])
                for (organisation, region), part in zip(slots, parts, strict=True):
                    persons[(organisation.name, measure, region.code)] += part

        submitted = timezone.make_aware(dt.datetime(year + 1, 3, 15, 10, 0))
        validated = timezone.make_aware(dt.datetime(year + 1, 5, 2, 14, 0))
        submissions = {
            name: Submission.objects.create(
                organisation=self.organisations[name],
                year=year,
                status=SubmissionStatus.VALIDATED,
                note=DEMO_NOTE,
                submitted_at=submitted,
                validated_at=validated,
                validated_by=staff,
            )
            for name in sorted({name for name, _m, _r in persons})
        }
        Headcount.objects.bulk_create(
            Headcount(
                submission=submissions[name],
                measure=self.measures[measure],
                region=self.regions[region],
                persons=value,
            )
            for (name, measure, region), value in sorted(persons.items())
        )
        for province, correction in province_corrections(year).items():
            OverlapCorrection.objects.create(
                year=year,
                region=self.regions[province],
                trede=5,
                persons=correction,
                reason="Personen die zowel een doelgroepkorting als collectieve ondersteuning hebben, "
                "tellen in trede 5 maar één keer (demo).",
                created_by=staff,
            )

    def create_context_figures(self) -> None:
        for indicator, region, year, value, synthetic in figures.CONTEXT_FIGURES:
            if synthetic:
                source = "synthetisch (demo)"
            elif indicator.startswith("wzg-"):
                source = "Statbel, EAK 2019; verwerking POM West-Vlaanderen"
            else:
                source = figures.CONTEXT_SOURCE
            ContextFigure.objects.create(
                year=year,
                region=self.regions[region],
                indicator=indicator,
                value=Decimal(str(value)),
                source=source,
                synthetic=synthetic,
            )

    def create_edition_2018(self) -> None:
        """The 2018 edition as published, before the 2019 edition restated 2018 (57.302 -> 57.462)."""
        edition = Edition.objects.create(
            name=EDITION_2018,
            reference_year=2018,
            published_on=dt.date(2019, 6, 27),
            published_by=User.objects.get(username="coordinator"),
            note="Demo: gereconstrueerd; 2018 werd in Inventaris 2019 herzien van 57.302 naar 57.462.",
        )
        rows: list[EditionFigure] = []
        for year in range(2014, 2019):
            by_province = province_figures(year, edition_2018=True)
            corrections = province_corrections(year)
            flanders: dict[str, int] = defaultdict(int)
            for measures in by_province.values():
                for code, value in measures.items():
                    flanders[code] += value
            by_region = {**by_province, FLANDERS: dict(flanders)}
            corrections[FLANDERS] = sum(corrections.values())
            for region, measures in by_region.items():
                rows += self.edition_rows(edition, year, self.regions[region], measures, corrections[region])
        EditionFigure.objects.bulk_create(rows)

    def edition_rows(
        self, edition: Edition, year: int, region: Region, measures: dict[str, int], correction: int
    ) -> list[EditionFigure]:
        rows = []
        per_trede: dict[int, int] = defaultdict(int)
        per_group: dict[tuple[int, str], int] = defaultdict(int)
        for code, value in measures.items():
            measure = self.measures[code]
            per_trede[measure.trede] += value
            per_group[(measure.trede, measure.group)] += value
            rows.append(
                EditionFigure(
                    edition=edition,
                    year=year,
                    region=region,
                    trede=measure.trede,
                    group=measure.group,
                    measure=measure,
                    persons=value,
                )
            )
        per_trede[5] += correction
        for (trede, group), value in per_group.items():
            rows.append(
                EditionFigure(edition=edition, year=year, region=region, trede=trede, group=group, persons=value)
            )
        for trede, value in per_trede.items():
            rows.append(EditionFigure(edition=edition, year=year, region=region, trede=trede, persons=value))
        headline = sum(value for trede, value in per_trede.items() if trede in (3, 4, 5))
        rows.append(EditionFigure(edition=edition, year=year, region=region, persons=headline))
        return rows


def demo_exists() -> bool:
    return Organisation.objects.exists()


@transaction.atomic
def demo_load() -> None:
    """Load the demo into a database that has no organisations yet (reference data is loaded first)."""
    reference_load()
    DemoLoader().load()
    demo_profiles_load()
    aggregates_mark_years(years=figures.YEARS)
    # Published through the service like any edition; it computes the marked years first.
    edition_publish(
        name=EDITION_2019,
        reference_year=2019,
        published_on=dt.date(2020, 6, 30),
        note="Demo: de cijfers van het persbericht Inventaris 2019; 2018 herzien van 57.302 naar 57.462.",
        user=User.objects.get(username="coordinator"),
    )


def demo_profiles_load() -> list[ImportProfile]:
    """The demo's import profiles (inventory/demo/supplier/*.json), created or replaced by name, so a second run
    leaves the same two. Their files lie beside them; the demo does not import them (README, "Supplier files: try
    it")."""
    return [profile_load((FOLDER / name).read_bytes())[0] for name in (RSZ_PROFILE_FILE, VDAB_PROFILE_FILE)]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo users that still exist."""
    roles = {
        # Both need a second factor: the first login sets up an authenticator app (README, "Two-factor login").
        "medewerker": "POM-medewerker (beheer, validatie; eerste aanmelding: authenticator-app instellen)",
        "coordinator": "coördinator (export, edities; eerste aanmelding: authenticator-app instellen)",
        "invoerder": f"invoerder van {DEMO_USER_ORGANISATION}",
        "lezer": f"lezer van {DEMO_USER_ORGANISATION}",
        "contactpersoon": f"contactpersoon van {DEMO_USER_ORGANISATION} (beheert de collega's)",
    }
    existing = set(User.objects.filter(username__in=roles).values_list("username", flat=True))
    return [(name, DEMO_PASSWORD, role) for name, role in roles.items() if name in existing]
