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

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import CollectionRoundEvent, Edition, EditionEvent, Scope, SubmissionEvent, scope_statuses
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
    edition: str = ""  # the current edition that publishes it
    frozen: bool = False  # the state an edition recorded when it was published (edition_year_states)
    round_open: bool = False  # its round has not closed yet (the completeness page says why it is not complete)

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
            if self.frozen:
                return _("onvolledig bij publicatie: %(validated)s van %(expected)s organisaties gevalideerd") % names
            return _("onvolledig: %(validated)s van %(expected)s organisaties gevalideerd") % names
        if self.frozen:
            return _("volledig bij publicatie")
        if self.state == YearState.PUBLISHED:
            return _("gepubliceerd in %(edition)s") % {"edition": self.edition}
        if self.required_pct is None:
            return _("volledig (historisch jaar, door POM ingeladen)")
        if self.marked:
            return _("volledig verklaard door POM: %(validated)s van %(expected)s organisaties gevalideerd") % names
        return _("volledig: %(validated)s van %(expected)s organisaties gevalideerd") % names

    @property
    def state_label(self) -> str:
        return str(YearState(self.state).label)

    @property
    def reason(self) -> str:
        """Why the year has its state, by the rule above: what the completeness page writes after it."""
        if self.state == YearState.PUBLISHED:
            return _("%(edition)s publiceert de cijfers van dit jaar") % {"edition": self.edition}
        if self.required_pct is None:
            return _("historisch jaar, door POM ingeladen")
        if self.marked:
            return _("volledig verklaard door POM")
        if self.state == YearState.COMPLETE:
            return _("de bevraging is gesloten met minstens %(required)s %% van de organisaties gevalideerd") % {
                "required": self.required_pct
            }
        if self.round_open:
            return _("de bevraging loopt nog; een jaar telt pas als volledig na de sluitingsdatum")
        return _("de bevraging is gesloten met minder dan %(required)s %% van de organisaties gevalideerd") % {
            "required": self.required_pct
        }

    def as_dict(self) -> dict[str, object]:
        """The metadata field of exports and the API."""
        return {
            "state": self.state,
            "expected": self.expected,
            "validated": self.validated,
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, year: int, data: dict[str, Any]) -> YearStatus:
        """A state an edition recorded (as_dict()) when it was published."""
        collecting = data.get("state") == YearState.COLLECTING
        state = YearState.COLLECTING if collecting else YearState.COMPLETE
        return cls(year, state, data.get("expected", 0), data.get("validated", 0), None, False, frozen=True)


# What the states are read from changes only with a write the audit trail records (submissions, rounds,
# editions: a new event id), the expected organisations or the computed years; the fingerprint names all of it.
# When it is the one this process saw last, the validated counts (a scan of every validated submission: tens of
# milliseconds with thousands of organisations) are skipped: an InitPlan that is false never runs its node.
_STATES_SQL = """
with expected as ({expected}),
     fingerprint as (
         select concat_ws(';', (select max(pgh_id) from {submission_events}),
                               (select max(pgh_id) from {round_events}),
                               (select max(pgh_id) from {edition_events}),
                               (select concat_ws(',', count(*), sum(pk), bit_xor(hashint8(pk))) from expected),
                               (select string_agg(year || '@' || computed_at, ',' order by year)
                                from inventory_aggregateyear where computed_at is not null)) as value),
     validated as (select s.year, count(*) n from inventory_submission s  -- one per organisation and year
                   where (select value from fingerprint) is distinct from %s
                         and s.status = any(%s) and s.organisation_id in (select pk from expected)
                   group by s.year),
     published as (select distinct on (reference_year) reference_year as year, name from inventory_edition
                   where withdrawn_at is null
                         -- an edition that froze its year incomplete does not make the year final
                         and coalesce(year_states -> reference_year::text ->> 'state', '') <> %s
                   order by reference_year, published_on desc, created_at desc),
     years as (select year from inventory_collectionround union select year from validated
               union select year from inventory_aggregateyear where computed_at is not null
               union select year from published)
select f.value, s.* from fingerprint f left join (
    select y.year, r.id is not null, coalesce(r.closes_on >= %s, false), r.required_completeness,
           r.marked_complete_at is not null, coalesce(v.n, 0), (select count(*) from expected), coalesce(p.name, '')
    from years y left join inventory_collectionround r on r.year = y.year left join validated v on v.year = y.year
         left join published p on p.year = y.year
) s on true
order by s.year
"""

# (fingerprint, day, states) this process read last.
_last_states: tuple[str, dt.date, dict[int, YearStatus]] | None = None


def year_states() -> dict[int, YearStatus]:
    """Every year with a round, validated submissions, aggregates or a current edition, with its state, in one
    query (every page of figures and every export reads it)."""
    global _last_states
    today = timezone.localdate()
    last = _last_states if _last_states is not None and _last_states[1] == today else None
    expected_sql, expected_params = expected_organisations().order_by().values("pk").query.sql_with_params()
    sql = _STATES_SQL.format(
        expected=expected_sql,
        submission_events=SubmissionEvent._meta.db_table,
        round_events=CollectionRoundEvent._meta.db_table,
        edition_events=EditionEvent._meta.db_table,
    )
    with connection.cursor() as cursor:
        params = [
            *expected_params,
            last[0] if last else None,
            scope_statuses(Scope.VALIDATED),
            YearState.COLLECTING.value,
            today,
        ]
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    fingerprint = rows[0][0]  # always one row at least
    if last and fingerprint == last[0]:
        return dict(last[2])
    result: dict[int, YearStatus] = {}
    for _fingerprint, year, has_round, is_open, required, marked, count, expected, edition in rows:
        if year is None:  # no year at all
            continue
        if not has_round:
            state = YearState.COMPLETE  # a historic year, loaded by staff from files
        elif marked or (not is_open and count * 100 >= required * expected):
            state = YearState.COMPLETE
        else:
            state = YearState.COLLECTING
        if edition:
            state = YearState.PUBLISHED
        result[year] = YearStatus(year, state, expected, count, required, marked, edition, round_open=is_open)
    _last_states = (fingerprint, today, result)
    return dict(result)


def edition_year_states(edition: Edition) -> dict[int, YearStatus]:
    """The states an edition recorded for its years when it was published (no query): the year it froze while
    still collecting keeps saying so. Editions published before states were recorded hold none: their years
    count as complete."""
    return {int(y): YearStatus.from_dict(int(y), data) for y, data in (edition.year_states or {}).items()}


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


def incomplete_note(labels: Mapping[int, str], years: Iterable[int]) -> str:
    """What a comparison of `years` says when some of them are not complete: which ones and why ("2020 is
    onvolledig: 1 van 41 organisaties gevalideerd"), so that it never reads as if the other year were; empty
    when all are complete. `labels`: incomplete_labels(), or OwnSource.provisional_labels() for an
    organisation's own figures."""
    named = [_("%(year)s is %(label)s") % {"year": y, "label": labels[y]} for y in dict.fromkeys(years) if y in labels]
    return "; ".join(named)


def year_choices(years: Iterable[int], states: Mapping[int, YearStatus] | None) -> list[tuple[int, str]]:
    """A year select's choices, in the order given: an incomplete year says so ("2020 (onvolledig)"). Without
    `states` (an edition's frozen figures, an organisation's own) the years are bare."""
    states = states or {}
    return [
        (y, _("%(year)s (onvolledig)") % {"year": y} if y in states and not states[y].complete else str(y))
        for y in years
    ]
