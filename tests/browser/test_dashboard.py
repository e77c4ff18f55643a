"""In Debian's Chromium, on the demo: the dashboard draws its charts and tables with the press-release numbers,
an editor sees only their own organisation's figures, the dashboard prints on one A4 page, and the screenshots
in docs/screenshots/ (shown in the README) are made from the real pages."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.models import CollectionRound, Headcount, Organisation, Region, Submission
from inventory.services import aggregation
from inventory.services.demo import DEMO_PASSWORD, DEMO_USER_ORGANISATION, demo_load
from tests.browser.conftest import log_in, needs_chromium, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

# `make screenshots` writes them into docs/screenshots/ (the README shows them); otherwise a temporary folder,
# so that a test run leaves the repository as it was.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="inventaris-screenshots-"))
WIDTH = 1280
WEST_VLAANDEREN, VLAAMS_GEWEST = "30000", "02000"
WEST_VLAANDEREN_ARRONDISSEMENTS = [
    "Brugge",
    "Diksmuide",
    "Ieper",
    "Kortrijk",
    "Oostende",
    "Roeselare",
    "Tielt",
    "Veurne",
]


@pytest.fixture
def demo(transactional_db: None) -> Iterator[None]:
    """The demo with its aggregates and editions, committed so that the live server's thread sees it."""
    aggregation.redis_client().flushdb()  # nothing left over from another test (queued tasks, cached pages)
    demo_load()
    yield
    # Recomputes queued for a worker that never ran: gone, so that no later worker picks them up.
    aggregation.redis_client().flushdb()


# --- helpers ---------------------------------------------------------------------------------------------------


def by(css: str):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def text_of(element) -> str:
    """Visible text with (narrow) no-break spaces as plain ones: '10,6 %' however the locale spaces it."""
    return " ".join(element.text.replace("\u00a0", " ").replace("\u202f", " ").split())


def texts(driver, css: str) -> list[str]:
    return [text_of(e) for e in driver.find_elements(*by(css))]


def one(driver, css: str) -> str:
    elements = driver.find_elements(*by(css))
    assert len(elements) == 1, f"{css}: {len(elements)} elements"
    return text_of(elements[0])


def dotted(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def rect_of(driver, element) -> dict[str, float]:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return {width: r.width, height: r.height};", element
    )


def table_rows(driver, css: str) -> list[list[str]]:
    """The text of every body row's cells (th and td) of the table at `css`."""
    rows = driver.find_elements(*by(f"{css} tbody tr"))
    return [[text_of(cell) for cell in row.find_elements(*by("th, td"))] for row in rows]


def assert_png(path: Path) -> tuple[int, int]:
    """A complete PNG (signature, IHDR, every chunk's CRC, IEND) of plausible size; returns (width, height)."""
    data = path.read_bytes()
    assert len(data) > 10_000, f"{path.name}: only {len(data)} bytes"
    assert len(data) < 1_000_000, f"{path.name}: {len(data)} bytes is too big to commit"
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: not a PNG"
    offset, chunks = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path.name}: bad CRC in {kind!r}"
        chunks.append(kind)
        offset += 12 + length
    assert (chunks[0], chunks[-1]) == (b"IHDR", b"IEND"), f"{path.name}: chunks {chunks}"
    assert b"IDAT" in chunks, f"{path.name}: no image data"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def screenshot(driver, name: str) -> Path:
    """The whole page, WIDTH px wide and as high as its content, as SCREENSHOTS/<name>, checked to be a
    real PNG."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    path.unlink(missing_ok=True)  # a stale file from an earlier run must not make the test pass
    driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})
    metrics = {"width": WIDTH, "height": 400, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": height})
    try:
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": False})
    path.write_bytes(base64.b64decode(shot["data"]))
    width, shot_height = assert_png(path)
    assert (width, shot_height) == (WIDTH, height), f"{name}: {width}x{shot_height}, expected {WIDTH}x{height}"
    assert height >= 400, f"{name}: {height} px high"
    return path


def west_vlaanderen_region_ids() -> set[int]:
    """West-Vlaanderen and every region below it."""
    ids = set(Region.objects.filter(code=WEST_VLAANDEREN).values_list("pk", flat=True))
    frontier = set(ids)
    while frontier:
        frontier = set(Region.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return ids


def pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF (Chromium writes them as plain dictionaries, not in object streams)."""
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


# --- tests -----------------------------------------------------------------------------------------------------


def test_the_coordinator_sees_the_press_release_numbers_in_charts_tables_and_kerncijfers(
    browser, live_server, demo
) -> None:
    from selenium.webdriver.support.ui import Select

    log_in(browser, live_server, "coordinator", DEMO_PASSWORD)
    assert urlsplit(browser.current_url).path == "/"
    assert one(browser, "#dashboard-title") == "Participatieladder West-Vlaanderen, 2019"

    # The KPI boxes.
    assert one(browser, '[data-figure="headline"]') == "63.552"
    assert texts(browser, ".kpi .kpi-value") == ["63.552", "+6.090 (+10,6 %)", "+7.846 (+14,1 %)", "20,0 %"]
    labels = texts(browser, ".kpi .kpi-label")
    assert labels[1:] == ["t.o.v. 2018", "t.o.v. 2014", "aandeel in Vlaanderen"]

    # Both charts are drawn, with a real size on the page.
    ladder = browser.find_element(*by('svg.chart[aria-describedby="ladder-table"]'))
    series = browser.find_element(*by('svg.chart[aria-describedby="series-table"]'))
    for chart in (ladder, series):
        assert chart.is_displayed()
        assert chart.size["width"] > 300, chart.size
        assert chart.size["height"] > 100, chart.size
        box = rect_of(browser, chart)
        assert box["width"] > 300, box
        assert box["height"] > 100, box

    # The ladder: one bar per trede 5, 4, 3, longest for trede 5.
    bars = ladder.find_elements(*by("rect"))
    titles = [" ".join(bar.find_element(*by("title")).get_attribute("textContent").split()) for bar in bars]
    assert len(bars) == 3, titles
    assert [t.split(":")[0] for t in titles] == ["Trede 5", "Trede 4", "Trede 3"]
    assert [t.rsplit(": ", 1)[1] for t in titles] == ["51.901", "10.198", "1.453"]
    widths = [rect_of(browser, bar)["width"] for bar in bars]
    assert widths[0] > widths[1] > widths[2] > 0, widths
    assert texts(browser, 'svg.chart[aria-describedby="ladder-table"] text.value') == ["51.901", "10.198", "1.453"]

    # The evolution: one stacked column per year 2014-2019, its total on top.
    columns = series.find_elements(*by("g.column"))
    assert len(columns) == 6
    assert all(len(column.find_elements(*by("rect"))) == 3 for column in columns)
    totals = texts(browser, 'svg.chart[aria-describedby="series-table"] g.column text.value')
    assert [totals[0], *totals[-2:]] == ["55.706", "57.462", "63.552"], totals
    heights = [rect_of(browser, column)["height"] for column in columns]
    assert min(heights) > 0, heights
    assert heights[-1] == max(heights), heights  # 2019 is the highest

    # The tables beside the charts.
    assert one(browser, '#ladder-table [data-figure="trede-5"]') == "51.901"
    assert one(browser, '#ladder-table [data-figure="trede-4"]') == "10.198"
    assert one(browser, '#ladder-table [data-figure="trede-3"]') == "1.453"
    assert texts(browser, "#ladder-table tfoot td.num") == ["63.552", "100,0 %"]
    assert one(browser, '[data-figure="trede-6"]') == "13.900"
    series_rows = table_rows(browser, "#series-table")
    assert [row[0] for row in series_rows] == ["2014", "2015", "2016", "2017", "2018", "2019"]
    assert [row[4] for row in series_rows][::4] == ["55.706", "57.462"]  # 2014 and 2018
    assert series_rows[-1][1:5] == ["1.453", "10.198", "51.901", "63.552"]

    assert one(browser, "#comparison-title") == "West-Vlaanderen naast Vlaanderen"
    comparison = table_rows(browser, "table.comparison")
    assert comparison[0][1:] == ["63.552", "+6.090 (+10,6 %)", "+7.846 (+14,1 %)", "317.495", "20,0 %"]

    children = table_rows(browser, "table.children")
    assert [row[0] for row in children] == WEST_VLAANDEREN_ARRONDISSEMENTS
    assert dict((row[0], row[4]) for row in children)["Brugge"] == "10.290"

    screenshot(browser, "dashboard.png")

    # Another region through the GET form, with JavaScript switched off to prove it needs none.
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    Select(browser.find_element(*by("form.place-form select[name=region]"))).select_by_value(VLAAMS_GEWEST)
    browser.find_element(*by("form.place-form button[type=submit]")).click()
    wait_for(lambda: "region=02000" in browser.current_url)
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    assert parse_qs(urlsplit(browser.current_url).query)["region"] == [VLAAMS_GEWEST]
    assert one(browser, "#dashboard-title") == "Participatieladder Vlaams Gewest, 2019"
    assert one(browser, '[data-figure="headline"]') == "317.495"
    assert {"Brugge", "Antwerpen", "Tongeren"} <= {row[0] for row in table_rows(browser, "table.children")}

    # Kerncijfers: the press release of the latest edition, Inventaris 2019.
    browser.get(f"{live_server.url}/kerncijfers/")
    assert one(browser, "h1") == "Kerncijfers: West-Vlaanderen 2019"
    assert one(browser, '[data-figure="total"]') == "63.552"
    assert one(browser, '[data-figure="change-previous"]') == "+6.090 (+10,6 %)"
    assert one(browser, '[data-figure="change-base"]') == "+7.846 (+14,1 %)"
    assert one(browser, '[data-figure="share-flanders"]') == "20,0 %"
    assert one(browser, '[data-figure="share-wage-earners"]') == "14,7 %"
    assert texts(browser, "ul.treden li strong") == ["51.901", "10.198", "1.453"]
    assert texts(browser, '[data-figure^="trend-"]') == ["-16,0 %", "+27,0 %", "+55,4 %"]
    screenshot(browser, "kerncijfers.png")


def test_an_editor_sees_only_the_figures_of_their_own_organisation(browser, live_server, demo) -> None:
    organisation = Organisation.objects.get(name=DEMO_USER_ORGANISATION)
    own = Headcount.objects.filter(
        submission__organisation=organisation,
        submission__status__in=["submitted", "validated"],
        submission__year=2019,
        measure__trede__in=[3, 4, 5],
        region__in=west_vlaanderen_region_ids(),
    )
    total = own.aggregate(total=Sum("persons"))["total"]
    per_trede = dict(own.values_list("measure__trede").annotate(total=Sum("persons")))
    assert total, "the demo editor's organisation has no 2019 figures"
    assert total != 63_552

    log_in(browser, live_server, "invoerder", DEMO_PASSWORD)
    assert urlsplit(browser.current_url).path == "/"
    assert one(browser, "#dashboard-title") == "Participatieladder West-Vlaanderen, 2019"
    assert "enkel de cijfers van uw eigen organisaties" in one(browser, "p.source")
    headline = one(browser, '[data-figure="headline"]')
    assert headline != "63.552"
    assert headline == dotted(total)
    assert texts(browser, "#ladder-table tfoot td.num")[0] == dotted(total)
    for trede in (3, 4, 5):
        cells = texts(browser, f'#ladder-table [data-figure="trede-{trede}"]')
        assert cells == [dotted(per_trede[trede]) if trede in per_trede else "–"], (trede, cells)
    # No comparison with Flanders anywhere.
    assert "aandeel in Vlaanderen" not in texts(browser, ".kpi .kpi-label")
    assert "aandeel in Vlaanderen" not in browser.find_element(*by("main")).text
    assert one(browser, "#comparison-title") == "Evolutie"
    assert "Vlaanderen" not in texts(browser, "table.comparison thead th")
    assert DEMO_USER_ORGANISATION in browser.find_element(*by("main")).text


def test_screenshots_of_the_portal_form_and_the_review_page(browser, live_server, demo) -> None:
    """The editor fills the 2020 form (the demo's rounds 2014-2019 are closed, so a 2020 round is opened here)
    with last year's figures and submits it; staff open the submitted submission."""
    organisation = Organisation.objects.get(name=DEMO_USER_ORGANISATION)
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=3), closes_on=today + dt.timedelta(days=30)
    )
    last_year = {
        f"{h.measure_id}-{h.region_id}": h.persons
        for h in Headcount.objects.filter(submission__organisation=organisation, submission__year=2019)
    }
    assert last_year

    log_in(browser, live_server, "invoerder", DEMO_PASSWORD)
    browser.find_element(*by(f'a[href="/portaal/{organisation.pk}/2020/"]')).click()
    wait_for(lambda: urlsplit(browser.current_url).path == f"/portaal/{organisation.pk}/2020/")
    assert one(browser, "h1") == f"{DEMO_USER_ORGANISATION} – aangifte 2020"
    for cell, persons in last_year.items():
        browser.find_element(*by(f"#p-{cell}")).send_keys(str(persons))
    browser.find_element(*by("button[name=save]")).click()
    wait_for(lambda: "Bewaard als ontwerp:" in browser.page_source)
    assert "Status: ontwerp" in one(browser, "main h1 + p")
    assert not browser.find_elements(*by(".flags"))  # the same as last year: nothing to explain
    screenshot(browser, "portal-form.png")
    browser.find_element(*by("button[name=submit]")).click()
    wait_for(lambda: "De aangifte is ingediend" in browser.page_source)
    submission = Submission.objects.get(organisation=organisation, year=2020)
    assert submission.status == "submitted"

    log_in(browser, live_server, "medewerker", DEMO_PASSWORD)
    browser.get(f"{live_server.url}/beheer/aangiften/{submission.pk}/")
    assert one(browser, "h1") == f"{DEMO_USER_ORGANISATION} – 2020"
    rows = table_rows(browser, "main table.review")
    figures = [row for row in rows if not row[0].startswith("Totaal")]  # not the totals per measure
    assert len(figures) == len(last_year)
    # measure, region, persons, VTE, last year, change, change in %: as many as last year
    assert all(row[2] == row[4] and row[5] == "0" and row[6] == "0,0 %" for row in figures), figures
    assert browser.find_elements(*by("main form button[type=submit]"))  # Valideren, Terugsturen
    screenshot(browser, "review-page.png")


def print_dashboard(driver, live_server) -> None:
    log_in(driver, live_server, "coordinator", DEMO_PASSWORD)
    assert one(driver, '[data-figure="headline"]') == "63.552"
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert driver.execute_script("return matchMedia('print').matches")


def test_the_printed_dashboard_has_no_navigation_or_forms_but_its_charts(browser, live_server, demo) -> None:
    not_printed = ["header.site nav", "form.place-form", "footer.site"]
    log_in(browser, live_server, "coordinator", DEMO_PASSWORD)
    assert all(browser.find_element(*by(css)).is_displayed() for css in not_printed)

    print_dashboard(browser, live_server)
    for css in not_printed:
        assert not browser.find_element(*by(css)).is_displayed(), f"{css} is printed"
    assert not [form for form in browser.find_elements(*by("form")) if form.is_displayed()]
    assert browser.find_element(*by("header.site .brand")).is_displayed()
    charts = browser.find_elements(*by("svg.chart"))
    assert len(charts) == 2
    for chart in charts:
        assert chart.is_displayed()
        box = rect_of(browser, chart)
        assert box["width"] > 200, box
        assert box["height"] > 50, box
    assert len(browser.find_elements(*by('svg.chart[aria-describedby="ladder-table"] rect'))) == 3
    for css in ("#ladder-table", "#series-table", "table.comparison", "table.children"):
        assert browser.find_element(*by(css)).is_displayed(), f"{css} is not printed"


def test_the_dashboard_prints_on_one_a4_page(browser, live_server, demo, tmp_path) -> None:
    print_dashboard(browser, live_server)
    a4 = {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True}
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", a4)["data"])
    (tmp_path / "dashboard-print.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1, f"the dashboard prints on {pdf_pages(pdf)} A4 pages"


def test_kerncijfers_print_on_one_a4_page_without_forms(browser, live_server, demo, tmp_path) -> None:
    log_in(browser, live_server, "coordinator", DEMO_PASSWORD)
    browser.get(f"{live_server.url}/kerncijfers/")
    assert one(browser, '[data-figure="total"]') == "63.552"
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not [form for form in browser.find_elements(*by("form")) if form.is_displayed()]
    assert browser.find_element(*by("table.trends")).is_displayed()
    a4 = {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True}
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", a4)["data"])
    (tmp_path / "kerncijfers-print.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1, f"Kerncijfers print on {pdf_pages(pdf)} A4 pages"
