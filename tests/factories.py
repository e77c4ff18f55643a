"""Factories for every model tests need. Each makes a valid row with as few arguments as possible."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import Membership, MembershipRole, User
from inventory.models import (
    CollectionRound,
    ContextFigure,
    Edition,
    EditionFigure,
    Headcount,
    Indicator,
    Measure,
    MeasureMode,
    Organisation,
    OrganisationKind,
    OverlapCorrection,
    Region,
    RegionGrouping,
    Submission,
    SubmissionStatus,
    Trede,
)

PASSWORD = "Vier-Stevige-Woorden-2019"


def valid_kbo(n: int) -> str:
    """A valid enterprise number: eight digits starting with 0, then 97 - (those eight mod 97)."""
    first_eight = f"0{n % 10_000_000:07d}"
    return f"{first_eight}{97 - int(first_eight) % 97:02d}"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    # 9xxxx is no real REFNIS range, so test rows never collide with loaded reference data.
    code = factory.Sequence(lambda n: f"9{n % 10_000:04d}")
    name = factory.Sequence(lambda n: f"Testgemeente {n}")
    level = Region.Level.GEMEENTE


class RegionGroupingFactory(DjangoModelFactory):
    class Meta:
        model = RegionGrouping

    code = factory.Sequence(lambda n: f"regio-{n}")
    name = factory.Sequence(lambda n: f"Regio {n}")
    first_year = 2014

    @factory.post_generation
    def members(self, create: bool, extracted: list[Region] | None, **kwargs: object) -> None:
        if create:
            self.members.set(extracted if extracted is not None else [RegionFactory()])


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    kbo = factory.Sequence(lambda n: valid_kbo(4_000_000 + n))
    name = factory.Sequence(lambda n: f"Organisatie {n} vzw")
    kind = OrganisationKind.MAATWERKBEDRIJF
    home_region = factory.SubFactory(RegionFactory)
    email = factory.Sequence(lambda n: f"info{n}@organisatie.example")


class MeasureFactory(DjangoModelFactory):
    class Meta:
        model = Measure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TEST-{n}")
    name = factory.Sequence(lambda n: f"Testmaatregel {n}")
    trede = Trede.ONDERSTEUND
    mode = MeasureMode.INDIVIDUEEL
    group = "doelgroepkortingen"
    first_year = 2014


class CollectionRoundFactory(DjangoModelFactory):
    class Meta:
        model = CollectionRound
        django_get_or_create = ("year",)

    year = 2019
    opens_on = factory.LazyAttribute(lambda o: datetime.date(o.year + 1, 1, 15))
    closes_on = factory.LazyAttribute(lambda o: datetime.date(o.year + 1, 3, 31))


class SubmissionFactory(DjangoModelFactory):
    class Meta:
        model = Submission

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2019
    status = SubmissionStatus.DRAFT

    class Params:
        validated = factory.Trait(
            status=SubmissionStatus.VALIDATED,
            validated_at=factory.LazyFunction(lambda: datetime.datetime(2020, 3, 1, 12, tzinfo=datetime.UTC)),
        )


class HeadcountFactory(DjangoModelFactory):
    class Meta:
        model = Headcount

    submission = factory.SubFactory(SubmissionFactory)
    measure = factory.SubFactory(MeasureFactory)
    region = factory.SelfAttribute("submission.organisation.home_region")
    persons = 12


class OverlapCorrectionFactory(DjangoModelFactory):
    class Meta:
        model = OverlapCorrection

    year = 2019
    region = factory.SubFactory(RegionFactory)
    trede = Trede.ONDERSTEUND
    persons = -7
    reason = "Personen die zowel onder VOP als onder collectief maatwerk vallen."


class ContextFigureFactory(DjangoModelFactory):
    class Meta:
        model = ContextFigure

    year = 2019
    region = factory.SubFactory(RegionFactory)
    indicator = Indicator.LOONTREKKENDEN
    value = Decimal("433385")
    source = "RSZ"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.be")
    password = Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.EDITOR


class EditionFactory(DjangoModelFactory):
    class Meta:
        model = Edition

    name = factory.Sequence(lambda n: f"Inventaris 2019 (test {n})")
    reference_year = 2019
    published_on = datetime.date(2020, 6, 1)


class EditionFigureFactory(DjangoModelFactory):
    class Meta:
        model = EditionFigure

    edition = factory.SubFactory(EditionFactory)
    year = 2019
    region = factory.SubFactory(RegionFactory)
    persons = 63552
