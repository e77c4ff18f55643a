"""The demo data, summed in SQL straight from the tables, reproduces every number of the 2019 press release."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from accounts.models import Membership
from inventory.kbo import normalise_kbo
from inventory.models import (
    ContextFigure,
    EditionFigure,
    Headcount,
    Organisation,
    OrganisationKind,
    Region,
    Submission,
)
from inventory.services.demo import demo_logins

pytestmark = pytest.mark.django_db

WVL, FLANDERS = "30000", "02000"

# Every headcount and correction counted at its own region and at every ancestor (recursive, independent of
# any aggregation code), restricted to validated submissions.
ROLLUP_SQL = """
with recursive ancestry(region_id, ancestor_id) as (
    select id, id from inventory_region
    union all
    select a.region_id, r.parent_id from ancestry a join inventory_region r on r.id = a.ancestor_id
    where r.parent_id is not null
),
figures as (
    select s.year, m.trede, m."group", m.code as measure, h.persons, h.region_id
    from inventory_headcount h
    join inventory_submission s on s.id = h.submission_id and s.status = 'validated'
    join inventory_measure m on m.id = h.measure_id
    union all
    select c.year, c.trede, '(correctie)', null, c.persons, c.region_id from inventory_overlapcorrection c
)
select coalesce(sum(f.persons), 0)
from figures f
join ancestry a on a.region_id = f.region_id
join inventory_region anc on anc.id = a.ancestor_id
where f.year = %(year)s and anc.code = %(region)s
  and f.trede = any(%(treden)s)
  and (%(group)s is null or f."group" = %(group)s)
  and (%(measure_prefix)s is null or f.measure like %(measure_prefix)s || '%%')
"""


def persons(
    year: int,
    region: str,
    treden: tuple[int, ...] = (3, 4, 5),
    group: str | None = None,
    measure_prefix: str | None = None,
) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            ROLLUP_SQL,
            {"year": year, "region": region, "treden": list(treden), "group": group, "measure_prefix": measure_prefix},
        )
        return cursor.fetchone()[0]


def change_pct(old: int, new: int) -> Decimal:
    return (Decimal(new - old) * 100 / old).quantize(Decimal("0.1"), ROUND_HALF_UP)


def share_pct(part: int, whole: int | Decimal) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def context(indicator: str, region: str, year: int = 2019) -> Decimal:
    return ContextFigure.objects.get(indicator=indicator, region__code=region, year=year).value


def test_west_vlaanderen_totals_of_2014_2018_and_2019(demo_db) -> None:
    assert persons(2014, WVL) == 55_706
    assert persons(2018, WVL) == 57_462
    assert persons(2019, WVL) == 63_552
    assert persons(2019, WVL) - persons(2018, WVL) == 6_090
    assert change_pct(57_462, persons(2019, WVL)) == Decimal("10.6")
    assert persons(2019, WVL) - persons(2014, WVL) == 7_846
    assert change_pct(persons(2014, WVL), persons(2019, WVL)) == Decimal("14.1")


def test_west_vlaanderen_2019_per_trede(demo_db) -> None:
    assert persons(2019, WVL, (5,)) == 51_901
    assert persons(2019, WVL, (4,)) == 10_198
    assert persons(2019, WVL, (3,)) == 1_453
    assert persons(2019, WVL, (3, 4)) == 11_651


def test_trede_4_fell_from_12140_to_10198(demo_db) -> None:
    assert persons(2014, WVL, (4,)) == 12_140
    assert persons(2019, WVL, (4,)) - persons(2014, WVL, (4,)) == -1_942
    assert change_pct(12_140, persons(2019, WVL, (4,))) == Decimal("-16.0")


def test_doelgroepkortingen_and_jongeren(demo_db) -> None:
    dgk_2014 = persons(2014, WVL, (5,), group="doelgroepkortingen")
    assert persons(2019, WVL, (5,), group="doelgroepkortingen") == 46_649
    assert change_pct(dgk_2014, 46_649) == Decimal("27.0")
    assert persons(2014, WVL, (5,), measure_prefix="DGK-JONG") == 4_443
    assert persons(2019, WVL, (5,), measure_prefix="DGK-JONG") == 6_906
    assert change_pct(4_443, 6_906) == Decimal("55.4")


def test_collective_measures_and_the_overlap_correction_make_trede_5(demo_db) -> None:
    collective = sum(
        persons(2019, WVL, (5,), group=group) for group in ("collectief maatwerk", "lokale diensteneconomie")
    )
    assert collective == 6_099
    assert persons(2019, WVL, (5,), group="(correctie)") == -847
    assert 46_649 + collective - 847 == persons(2019, WVL, (5,))


def test_flanders(demo_db) -> None:
    assert persons(2019, FLANDERS) == 317_495
    assert change_pct(persons(2014, FLANDERS), 317_495) == Decimal("13.6")
    assert change_pct(persons(2014, FLANDERS, (4,)), persons(2019, FLANDERS, (4,))) == Decimal("-17.5")
    dgk = [persons(year, FLANDERS, (5,), group="doelgroepkortingen") for year in (2014, 2019)]
    assert change_pct(*dgk) == Decimal("29.2")
    assert persons(2014, FLANDERS, (5,), measure_prefix="DGK-JONG") == 17_577
    assert persons(2019, FLANDERS, (5,), measure_prefix="DGK-JONG") == 34_365
    assert share_pct(persons(2019, WVL), 317_495) == Decimal("20.0")


def test_the_provinces_add_up_to_flanders_every_year(demo_db) -> None:
    for year in range(2014, 2020):
        provinces = Region.objects.filter(level="provincie").values_list("code", flat=True)
        assert sum(persons(year, p, (3, 4, 5, 6)) for p in provinces) == persons(year, FLANDERS, (3, 4, 5, 6))


def test_context_figures_of_the_release(demo_db) -> None:
    assert context("loontrekkenden", WVL) == 433_385
    assert share_pct(persons(2019, WVL), context("loontrekkenden", WVL)) == Decimal("14.7")
    assert context("niet-beroepsactieven", WVL) == 155_360
    assert context("niet-beroepsactieven", FLANDERS) == 914_746
    assert context("invaliden", WVL) == 44_711
    assert context("nwwz", WVL) == 26_518
    rates = {
        ("wzg-20-64", WVL, 2019): "77.5",
        ("wzg-20-64", FLANDERS, 2019): "75.5",
        ("wzg-migratieachtergrond", WVL, 2019): "61.7",
        ("wzg-migratieachtergrond", FLANDERS, 2014): "53.3",
        ("wzg-55-64", WVL, 2019): "57.3",
        ("wzg-55-64", WVL, 2014): "44.4",
        ("wzg-laaggeschoold", WVL, 2019): "57.6",
        ("wzg-laaggeschoold", FLANDERS, 2014): "51.8",
        ("bevolking-20-64", WVL, 2019): "685000",
        ("bevolking-20-64", FLANDERS, 2019): "3557000",
    }
    for (indicator, region, year), value in rates.items():
        assert context(indicator, region, year) == Decimal(value)
    assert not ContextFigure.objects.get(indicator="loontrekkenden", region__code=WVL).synthetic
    assert ContextFigure.objects.get(indicator="loontrekkenden", region__code=FLANDERS).synthetic


def test_the_2018_edition_keeps_2018_as_first_published(demo_db) -> None:
    figures = EditionFigure.objects.filter(edition__name="Inventaris 2018", year=2018, region__code=WVL)
    assert figures.get(trede=None).persons == 57_302
    assert figures.get(trede=4, group="").persons == 10_728
    assert figures.get(trede=3, group="").persons == 1_454
    restated = EditionFigure.objects.filter(edition__name="Inventaris 2018", year=2014, region__code=WVL)
    assert restated.get(trede=None).persons == persons(2014, WVL)
    assert EditionFigure.objects.get(
        edition__name="Inventaris 2018", year=2018, region__code=FLANDERS, trede=None
    ).persons == (persons(2018, FLANDERS) - 160)


def test_every_demo_figure_obeys_the_rules_on_years_and_states(demo_db) -> None:
    assert set(Submission.objects.values_list("status", flat=True)) == {"validated"}
    assert set(Submission.objects.values_list("year", flat=True)) == set(range(2014, 2020))
    for h in Headcount.objects.select_related("measure", "region", "submission"):
        year = h.submission.year
        assert h.measure.is_valid_in(year), h
        assert (h.region.first_year or 0) <= year <= (h.region.last_year or 9999), h
    for organisation in Organisation.objects.all():
        assert normalise_kbo(organisation.kbo) == organisation.kbo


def test_organisations_of_every_kind_in_west_vlaanderen_and_the_other_provinces(demo_db) -> None:
    for kind in OrganisationKind.values:
        assert Organisation.objects.filter(kind=kind, home_region__parent__parent__code=WVL).exists() or (
            kind == OrganisationKind.GEGEVENSLEVERANCIER
        )
    assert Organisation.objects.filter(name="POM West-Vlaanderen", kind="gegevensleverancier").exists()
    elsewhere = Organisation.objects.exclude(home_region__parent__parent__code=WVL).exclude(home_region__level="gewest")
    assert {o.home_region.parent.parent.code for o in elsewhere} == {"10000", "20001", "40000", "70000"}


def test_one_user_per_role_logs_in_with_the_printed_password(demo_db) -> None:
    logins = {username: password for username, password, _role in demo_logins()}
    # django-axes needs the request (it locks per username and IP address).
    request = RequestFactory().post("/accounts/login/")
    users = {name: authenticate(request, username=name, password=password) for name, password in logins.items()}
    assert users["medewerker"].is_staff
    assert users["coordinator"].is_coordinator
    assert not users["coordinator"].is_staff
    assert Membership.objects.get(user=users["invoerder"]).role == "editor"
    assert Membership.objects.get(user=users["lezer"]).role == "viewer"
    assert Membership.objects.get(user=users["contactpersoon"]).role == "contact"


def test_the_demo_has_one_open_invitation_sent_by_its_contact(demo_db) -> None:
    from accounts.models import Invitation

    (invitation,) = Invitation.objects.all()
    assert invitation.state == "open"
    assert invitation.email == "nieuwe.collega@demo.invalid"
    assert invitation.invited_by.username == "contactpersoon"
    assert invitation.organisation.name == "Maatwerkbedrijf De Brugse Poort (demo)"


def test_load_demo_refuses_a_database_that_has_data_unless_told_to_skip(demo_db, capsys) -> None:
    with pytest.raises(CommandError, match="al organisaties"):
        call_command("load_demo")
    call_command("load_demo", "--if-empty")
    assert "niet opnieuw geladen" in capsys.readouterr().out
