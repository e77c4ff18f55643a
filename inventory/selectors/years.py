"""Year states: per reporting year, whether its figures are still being collected, complete, or published.

One selector, `year_states()`, answers it for every page, export and the API (README, "Year states"):

- published: a current (not withdrawn) edition has this year as its reference year;
- complete: staff declared the round's year complete, or the round has closed with at least its required share
  of the expected organisations validated; a year with validated figures but no round is a historic year that
  staff loaded from files, and counts as complete;
- collecting: otherwise (the round is open, or fewer organisations are validated than staff require).

Pages lead with the latest complete (or published) year and label any other year they show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import AggregateYear, CollectionRound, Edition, Scope, Submission, scope_statuses
from inventory.services.completeness import expected_organisations


class YearState(TextChoices):
    COLLECTING = "collecting", gettext_lazy("onvolledig")
    COMPLETE = "complete", gettext_lazy("volledig")
    PUBLISHED = "published", gettext_lazy("gepubliceerd")


@dataclass(frozen=True)
class YearStatus:
    year: int
    state: str
    expected: int
    validated: int
    required_pct: int | None  # None: no round (a historic year)
    marked: bool  # staff declared it complete
    round_open: bool
    edition: str = ""  # the current edition that publishes it

    @property
    def complete(self) -> bool:
        return self.state != YearState.COLLECTING

    @property
    def completeness_pct(self) -> Decimal | None:
        if not self.expected:
            return None
        return (Decimal(100) * self.validated / self.expected).quantize(Decimal("0.1"))

    @property
    def label(self) -> str:
        """What a page writes beside the year's figures."""
        names = {"validated": self.validated, "expected": self.expected, "year": self.year}
        if self.state == YearState.COLLECTING:
            return _("onvolledig: %(validated)s van %(expected)s organisaties gevalideerd") % names
        if self.state == YearState.PUBLISHED:
            return _("gepubliceerd in %(edition)s") % {"edition": self.edition}
        if self.required_pct is None:
            return _("volledig (historisch jaar, door POM ingeladen)")
        if self.marked:
            return _("volledig verklaard door POM: %(validated)s van %(expected)s organisaties gevalideerd") % names
        return _("volledig: %(validated)s van %(expected)s organisaties gevalideerd") % names

    def as_dict(self) -> dict[str, object]:
        """The metadata field of exports and the API."""
        return {
            "state": self.state,
            "expected": self.expected,
            "validated": self.validated,
            "label": self.label,
        }


def year_states() -> dict[int, YearStatus]:
    """Every year with a round, validated submissions or aggregates, with its state (four queries)."""
    today = timezone.localdate()
    rounds = {r.year: r for r in CollectionRound.objects.all()}
    validated = dict(
        Submission.objects.filter(
            status__in=scope_statuses(Scope.VALIDATED), organisation__in=expected_organisations()
        )
        .values("year")
        .annotate(n=Count("organisation", distinct=True))
        .values_list("year", "n")
    )
    expected = expected_organisations().count()
    computed = set(AggregateYear.objects.filter(computed_at__isnull=False).values_list("year", flat=True))
    published: dict[int, str] = {}
    for year, name in Edition.objects.current().order_by("published_on", "created_at").values_list(
        "reference_year", "name"
    ):
        published[year] = name
    result: dict[int, YearStatus] = {}
    for year in sorted(set(rounds) | set(validated) | computed | set(published)):
        round_ = rounds.get(year)
        count = validated.get(year, 0)
        if round_ is None:
            state, marked, is_open, required = YearState.COMPLETE, False, False, None
        else:
            marked = round_.marked_complete_at is not None
            is_open = round_.closes_on >= today
            required = round_.required_completeness
            enough = count * 100 >= required * expected
            state = YearState.COMPLETE if marked or (not is_open and enough) else YearState.COLLECTING
        if year in published:
            state = YearState.PUBLISHED
        result[year] = YearStatus(year, state, expected, count, required, marked, is_open, published.get(year, ""))
    return result


def default_year(years: list[int], states: dict[int, YearStatus]) -> int | None:
    """The latest of `years` that is complete (or published); the latest year when none is."""
    if not years:
        return None
    complete = [y for y in years if y not in states or states[y].complete]
    return complete[-1] if complete else years[-1]


def states_version(states: dict[int, YearStatus]) -> str:
    """For cache keys: a page that labels years changes when a year's state or count does."""
    return ";".join(f"{s.year}:{s.state}:{s.validated}:{s.expected}" for s in states.values())


def incomplete_labels(years: list[int], states: dict[int, YearStatus]) -> dict[int, str]:
    """The labels of those of `years` that are not complete."""
    return {y: states[y].label for y in years if y in states and not states[y].complete}
