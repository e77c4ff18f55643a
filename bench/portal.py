"""Portal save benchmark (`make bench-portal`), on PostgreSQL, in a database of its own.

One organisation's 2019 form (a grid of measures x municipalities, a draft) is saved with 10, 100 and 1,000
changed cells, each size from an empty form:

- service, new cells: submission_save_figures with every cell new (one INSERT ... ON CONFLICT);
- service, changed cells: the same cells, every figure changed (the same statement, as updates);
- page, changed cells: the same save through the view (inventory:portal-form) with Django's test client, the
  POST the browser sends (version, the `measure` of each row, a `p-<measure>-<region>` per cell; 302 expected),
  access checks, form and service included;

against two baselines on the same cells in the same run:

- headcount_save per cell: the portal's save before it was set-based, a loop calling headcount_save (and
  headcount_delete), which bumps the version once per cell;
- one plain INSERT: the same rows in one INSERT ... SELECT FROM unnest(), no checks and no version (the floor).

Printed per size and variant: the number of SQL statements (BEGIN and COMMIT included, as Django's
CaptureQueriesContext counts them outside tests; counted on a first save that is not timed), the version's step and
the median time of the saves (--repeat, default 5; the per-cell baseline once at 1,000 cells). Goal: the
service's statements do not grow with the cells and stay <= 20; the page's do not grow either. Exit code 1 when
the service or the page needs more statements for more cells, the service more than 20, or a save leaves other
figures or another version than it should.

Options: --repeat N, --keep (keep the database), --quick (tiny data for the test suite: 2, 6 and 12 cells, one
repeat; the same steps, in a database of its own that is dropped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import statistics
import time
from collections.abc import Callable

from common import clean_up_database, force_login, recreate_database, setup_django, sql

BENCH_DB = "inventaris_bench_portal"
QUICK_DB = "inventaris_bench_portal_quick"
YEAR = 2019
SIZES = (10, 100, 1_000)
QUICK_SIZES = (2, 6, 12)
MEASURES = 10  # the grid's rows; the columns are as many municipalities as a size needs
MAX_SERVICE_QUERIES = 20

Cells = dict[tuple[int, int], tuple[int | None, str]]


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"bench: FAILED: {what}")


def per_cell_save(*, submission, figures: Cells, version: int, user) -> None:
    """The portal's save before it was set-based (submission_save_figures up to issue 10): a loop over the
    cells calling headcount_save / headcount_delete, each in a transaction of its own that bumps the version."""
    from django.db import transaction

    from inventory.access import submission_change_check
    from inventory.models import Headcount, Measure, Region, Submission, SubmissionStatus
    from inventory.services.submissions import SubmissionConflict, headcount_delete, headcount_save

    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.version != version:
            raise SubmissionConflict(locked)
        submission_change_check(user=user, submission=locked)
        measures = Measure.objects.in_bulk({m for m, _r in figures})
        regions = Region.objects.in_bulk({r for _m, r in figures})
        existing: dict[tuple[int, int], Headcount] = {(h.measure_id, h.region_id): h for h in locked.headcounts.all()}
        for (measure_id, region_id), (persons, explanation) in figures.items():
            headcount = existing.get((measure_id, region_id))
            if persons is None:
                if headcount is not None:
                    headcount_delete(headcount=headcount)
                continue
            if headcount is not None and (headcount.persons, headcount.explanation) == (persons, explanation):
                continue
            headcount_save(
                submission=locked,
                measure=measures[measure_id],
                region=regions[region_id],
                persons=persons,
                explanation=explanation,
                headcount=headcount,
            )
        if locked.status == SubmissionStatus.RETURNED:
            Submission.objects.filter(pk=locked.pk).update(status=SubmissionStatus.DRAFT)


def plain_insert(submission_id: int, figures: Cells) -> None:
    sql(
        """insert into inventory_headcount (submission_id, measure_id, region_id, persons, explanation)
           select %(s)s, m, r, p, '' from unnest(%(m)s::bigint[], %(r)s::bigint[], %(p)s::int[]) as c(m, r, p)""",
        {
            "s": submission_id,
            "m": [m for m, _r in figures],
            "r": [r for _m, r in figures],
            "p": [p for p, _e in figures.values()],
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny data, for the test suite")
    options = parser.parse_args()
    options.repeat = options.repeat or (1 if options.quick else 5)
    database = QUICK_DB if options.quick else BENCH_DB

    recreate_database(database)
    try:
        run(options, database)
    finally:
        with contextlib.suppress(Exception):  # Django may not have got as far as its settings
            from django.db import connections

            connections.close_all()
        clean_up_database(database, quick=options.quick, keep=options.keep)


def run(options: argparse.Namespace, database: str) -> None:
    # The page through Django's test client: its host allowed, DEBUG off as in production.
    setup_django(database, ALLOWED_HOSTS="testserver,127.0.0.1,localhost")
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Membership, MembershipRole, User
    from inventory.models import CollectionRound, Measure, Organisation, OrganisationKind, Region, Submission
    from inventory.services.demo import synthetic_kbo
    from inventory.services.reference import reference_load
    from inventory.services.submissions import submission_save_figures

    call_command("migrate", verbosity=0)
    reference_load()
    sizes = QUICK_SIZES if options.quick else SIZES
    # A data supplier reports every measure (access.cell_measure_problem): the grid can be as wide as needed.
    measures = list(Measure.objects.valid_in(YEAR).for_kind(OrganisationKind.GEGEVENSLEVERANCIER).order_by("code"))
    measures = measures[:MEASURES]
    municipalities = list(Region.objects.municipalities().valid_in(YEAR).order_by("code"))
    check(len(measures) * len(municipalities) >= max(sizes), "not enough measures and municipalities for the grid")
    home = municipalities[0]
    organisation = Organisation.objects.create(
        kbo=synthetic_kbo(7_000_001), name="Bench portaal", kind=OrganisationKind.GEGEVENSLEVERANCIER, home_region=home
    )
    editor = User.objects.create_user(username="bench-portaal", password=None)
    Membership.objects.create(user=editor, organisation=organisation, role=MembershipRole.EDITOR)
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=YEAR, opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=1)
    )
    submission = Submission.objects.create(organisation=organisation, year=YEAR)
    client = Client()
    force_login(client, editor)
    url = reverse("inventory:portal-form", kwargs={"organisation_pk": organisation.pk, "year": YEAR})

    server = sql("select version()")[0][0].split(" on ")[0]
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, {server}")
    print(
        f"data: 1 organisation, its {YEAR} draft: a grid of {len(measures)} measures x the municipalities a size "
        f"needs; sizes {', '.join(f'{n:,}' for n in sizes)} changed cells; median of {options.repeat} saves"
    )

    def grid(size: int, persons: int) -> Cells:
        columns = -(-size // len(measures))
        keys = [(m.pk, r.pk) for r in municipalities[:columns] for m in measures][:size]
        return {key: (persons + i % 7, "") for i, key in enumerate(keys)}

    def reset() -> None:
        """An empty draft at version 1, which every save below posts."""
        sql("delete from inventory_headcount where submission_id = %s", [submission.pk])
        sql("update inventory_submission set version = 1, status = 'draft' where id = %s", [submission.pk])

    def vacuum() -> None:
        """Before a timed save: the same keys deleted and inserted round after round leave dead index entries
        that every later lookup of those keys steps over (a save of 1,000 changed cells took 10x as long)."""
        sql("vacuum analyze inventory_headcount")

    def version() -> int:
        return sql("select version from inventory_submission where id = %s", [submission.pk])[0][0]

    def stored() -> dict[tuple[int, int], int]:
        rows = sql(
            "select measure_id, region_id, persons from inventory_headcount where submission_id = %s", [submission.pk]
        )
        return {(m, r): p for m, r, p in rows}

    def measure(label: str, size: int, save: Callable[[int], Cells], prepare: Callable[[], None], repeat: int) -> dict:
        """`save(round)` saves and returns the figures it should leave; `prepare()` before every round (not
        timed). The first round counts the statements, the others are timed."""
        queries, times, bumps = 0, [], set()
        for round_ in range(repeat + 1):
            prepare()
            before = version()
            started = time.perf_counter()
            if round_ == 0:
                with CaptureQueriesContext(connection) as captured:
                    expected = save(round_)
                queries = len(captured)
            else:
                expected = save(round_)
                times.append(time.perf_counter() - started)
            check(stored() == {k: p for k, (p, _e) in expected.items()}, f"{label}, {size} cells: other figures stored")
            bumps.add(version() - before)
        return {"label": label, "size": size, "queries": queries, "ms": statistics.median(times) * 1000, "bumps": bumps}

    results: list[dict] = []
    for size in sizes:
        new = grid(size, 10)

        def service_new(_round: int, new: Cells = new) -> Cells:
            submission_save_figures(submission=submission, figures=new, version=1, user=editor)
            return new

        def set_up_empty() -> None:
            reset()
            vacuum()

        results.append(measure("service, new cells", size, service_new, set_up_empty, options.repeat))

        def set_up_stored(new: Cells = new) -> None:
            reset()
            plain_insert(submission.pk, new)
            vacuum()

        def service_changed(round_: int, new: Cells = new) -> Cells:
            changed = {key: (persons + 1 + round_, "") for key, (persons, _e) in new.items()}
            submission_save_figures(submission=submission, figures=changed, version=1, user=editor)
            return changed

        results.append(measure("service, changed cells", size, service_changed, set_up_stored, options.repeat))

        def page_changed(round_: int, new: Cells = new, size: int = size) -> Cells:
            changed = {key: (persons + 1 + round_, "") for key, (persons, _e) in new.items()}
            data: dict[str, object] = {"version": 1, "measure": sorted({m for m, _r in new}), "save": "1"}
            data |= {f"p-{m}-{r}": str(persons) for (m, r), (persons, _e) in changed.items()}
            response = client.post(url, data)
            check(response.status_code == 302, f"page, {size} cells: {response.status_code}, not 302")
            return changed

        results.append(measure("page (test client), changed cells", size, page_changed, set_up_stored, options.repeat))

        def per_cell(round_: int, new: Cells = new) -> Cells:
            changed = {key: (persons + 1 + round_, "") for key, (persons, _e) in new.items()}
            per_cell_save(submission=submission, figures=changed, version=1, user=editor)
            return changed

        slow_repeat = 1 if size >= 1_000 else options.repeat
        results.append(measure("baseline: headcount_save per cell", size, per_cell, set_up_stored, slow_repeat))

        def insert(_round: int, new: Cells = new) -> Cells:
            plain_insert(submission.pk, new)
            return new

        results.append(measure("baseline: one plain INSERT", size, insert, set_up_empty, options.repeat))

    print(f"{'cells':>6}  {'variant':<36} {'queries':>8} {'ms':>9} {'version':>8}")
    for r in results:
        bumps = "/".join(f"+{b}" for b in sorted(r["bumps"]))
        print(f"{r['size']:>6,}  {r['label']:<36} {r['queries']:>8,} {r['ms']:>9.1f} {bumps:>8}")

    def by(label: str) -> list[dict]:
        return [r for r in results if r["label"] == label]

    for r in by("service, new cells") + by("service, changed cells") + by("page (test client), changed cells"):
        check(r["bumps"] == {1}, f"{r['label']}, {r['size']} cells: the version went up by {r['bumps']}, not 1")
    for r in by("baseline: headcount_save per cell"):
        check(r["bumps"] == {r["size"]}, f"per-cell baseline, {r['size']} cells: version +{r['bumps']}")
    failures = []
    for label in ("service, new cells", "service, changed cells", "page (test client), changed cells"):
        counts = [r["queries"] for r in by(label)]
        grows = any(later > earlier for earlier, later in itertools.pairwise(counts))
        print(
            f"{label}: {' / '.join(map(str, counts))} queries for {' / '.join(f'{n:,}' for n in sizes)} cells: "
            + ("GROWS with the cells" if grows else "the same for every size")
        )
        if grows:
            failures.append(f"{label}: the queries grow with the cells ({counts})")
        if label.startswith("service") and max(counts) > MAX_SERVICE_QUERIES:
            failures.append(f"{label}: {max(counts)} queries, more than {MAX_SERVICE_QUERIES}")
    largest = sizes[-1]

    def at_largest(label: str) -> dict:
        return next(r for r in by(label) if r["size"] == largest)

    new, changed = at_largest("service, new cells"), at_largest("service, changed cells")
    loop, floor = at_largest("baseline: headcount_save per cell"), at_largest("baseline: one plain INSERT")
    page = at_largest("page (test client), changed cells")
    met = not failures
    print(
        f"{'goal met' if met else 'GOAL MISSED'} (service queries do not grow with the cells and stay <= "
        f"{MAX_SERVICE_QUERIES}; page queries do not grow): service {changed['queries']} queries at {largest:,} cells"
    )
    print(
        f"at {largest:,} cells: changed {changed['ms']:.1f} ms, {loop['ms'] / changed['ms']:.1f}x faster than "
        f"headcount_save per cell ({loop['queries']:,} queries, {loop['ms']:.0f} ms); new {new['ms']:.1f} ms, "
        f"{new['ms'] / floor['ms']:.1f}x the time of one plain INSERT ({floor['ms']:.1f} ms); through the page "
        f"{page['ms']:.1f} ms"
    )
    check(met, "; ".join(failures))


if __name__ == "__main__":
    main()
