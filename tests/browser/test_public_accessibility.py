"""In Debian's Chromium, on the demo: every public page passes axe-core's WCAG 2.1 A and AA rules in Dutch and in
English, works with the keyboard alone (skip link, menu, Enter on links, a visible focus), and is Dutch until the
visitor picks English with the header's language link.

axe-core is the npm package, vendored for these tests only (tests/browser/vendor/axe-core/README.md): Selenium
injects it into the page it has opened; the site never serves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from inventory.services import aggregation
from inventory.services.demo import demo_load
from tests.browser.conftest import needs_chromium, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EDITION = "/cijfers/inventaris-2019/"

# Every public page, by a name for the failure message. Add each new public page here: the accessibility tests
# run on all of them, in both languages.
PUBLIC_PAGES: list[tuple[str, str]] = [
    ("editions", "/cijfers/"),
    ("edition", EDITION),
    ("province", f"{EDITION}gebied/30000/"),
    ("arrondissement", f"{EDITION}gebied/31000/"),
    ("municipality", f"{EDITION}gebied/31005/"),
    ("region grouping", f"{EDITION}gebied/westhoek/"),
    ("flanders", f"{EDITION}gebied/02000/"),
    ("areas", f"{EDITION}gebieden/"),
    ("map", f"{EDITION}kaart/"),
    ("map of Flanders", f"{EDITION}kaart/?kaart=vlaanderen"),
    ("table builder", f"{EDITION}tabel/"),
    ("table builder per measure", f"{EDITION}tabel/?niveau=arrondissement&indeling=maatregel"),
    ("what changed", f"{EDITION}wijzigingen/"),
]


@pytest.fixture
def demo(transactional_db: None) -> Iterator[None]:
    """The demo with its aggregates and editions, committed so that the live server's thread sees it."""
    aggregation.redis_client().flushdb()  # nothing left over from another test (queued tasks, cached pages)
    demo_load()
    yield
    aggregation.redis_client().flushdb()


def by(css: str):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def open_page(driver, url: str) -> None:
    """Opens `url` and fails unless the server answered 200 (a missing page must not pass as accessible)."""
    driver.get(url)
    wait_for(lambda: driver.execute_script("return document.readyState") == "complete")
    status = driver.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus")
    assert status == 200, f"{url}: status {status}"


def axe_violations(driver) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the open page, one line per element: rule, impact, target, help."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(120)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
          .then(r => done({violations: r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              targets: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary.replace(/\\s+/g, " "))}))}))
          .catch(e => done({error: String(e)}));
        """,
        WCAG_21_AA,
    )
    assert "error" not in result, result.get("error")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {target}" for v in result["violations"] for target in v["targets"]
    ]


def choose_language(driver, code: str) -> None:
    """Through the header's language link (which sets the language cookie and comes back to the page)."""
    before = urlsplit(driver.current_url).path
    driver.find_element(*by(f'header.site .languages a[hreflang="{code}"]')).click()
    wait_for(lambda: driver.find_element(*by("html")).get_attribute("lang") == code)
    assert urlsplit(driver.current_url).path == before


def test_every_public_page_passes_axe_in_dutch_and_in_english(browser, live_server, demo) -> None:
    found: list[str] = []
    for language in ("nl-be", "en"):
        for name, path in PUBLIC_PAGES:
            open_page(browser, live_server.url + path)
            assert browser.find_element(*by("html")).get_attribute("lang") == language, (name, language)
            found += [f"{name} [{language}] {path}: {line}" for line in axe_violations(browser)]
        if language == "nl-be":
            choose_language(browser, "en")
    # axe ran inside the page's Content-Security-Policy: the console reports no violation caused by it.
    console = [line["message"] for line in browser.get_log("browser") if "Content Security Policy" in line["message"]]
    assert console == [], "\n".join(console)
    assert found == [], "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(found)


def test_a_missing_public_page_fails_the_accessibility_check_loudly(browser, live_server, demo) -> None:
    with pytest.raises(AssertionError, match="status 404"):
        open_page(browser, f"{live_server.url}/cijfers/geen-editie/")


def test_the_public_pages_reflow_to_320_pixels_without_scrolling_sideways(browser, live_server, demo) -> None:
    """WCAG 1.4.10 (a 1280 px screen at 400 %): only a table too wide for the screen scrolls, inside its own box."""
    metrics = {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    too_wide: list[str] = []
    for name, path in PUBLIC_PAGES:
        open_page(browser, live_server.url + path)
        sticking_out = browser.execute_script(
            """
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll("body *")]
              .filter(e => !e.closest(".table-scroll") && e.getBoundingClientRect().right > width + 1)
              .map(e => [e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""), e.getBoundingClientRect().right])
              .map(([what, right]) => `${what} ${Math.round(right)}`);
            """
        )
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        if sticking_out or scroll > 320:
            too_wide.append(f"{name} {path}: {scroll} px wide; {sticking_out[:8]}")
    assert too_wide == [], "\n".join(too_wide)


def focused(driver) -> dict[str, str]:
    """The focused element, its computed outline and the outline's contrast with what lies around it (the first
    background found behind a point just left of the element: the header for the skip link shown over it)."""
    return driver.execute_script(
        """
        const e = document.activeElement, s = getComputedStyle(e), box = e.getBoundingClientRect();
        const rgb = c => c.match(/[\\d.]+/g).map(Number);
        const opaque = c => { const v = rgb(c); return v.length < 4 || v[3] > 0; };
        const luminance = c => rgb(c).slice(0, 3).map(v => v / 255)
          .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
          .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
        let behind = document.elementsFromPoint(Math.max(0, box.left - 4), box.top + box.height / 2)
          .find(b => b !== e && !e.contains(b));
        while (behind && !opaque(getComputedStyle(behind).backgroundColor)) behind = behind.parentElement;
        const ground = behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)";
        const [hi, lo] = [luminance(s.outlineColor), luminance(ground)].sort((a, b) => b - a);
        return {tag: e.tagName.toLowerCase(), text: e.textContent.trim(), href: e.getAttribute("href") || "",
                cls: e.className || "", outline: s.outlineStyle, width: s.outlineWidth,
                contrast: String((hi + 0.05) / (lo + 0.05)),
                visible: String(e.matches(":focus-visible")), left: String(box.left)};
        """
    )


def tab(driver) -> dict[str, str]:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).send_keys(Keys.TAB).perform()
    return focused(driver)


def assert_focus_visible(element: dict[str, str]) -> None:
    assert element["visible"] == "true", element
    assert element["outline"] not in ("none", ""), element
    assert float(element["width"].removesuffix("px")) >= 2, element
    assert float(element["contrast"]) >= 3, element  # WCAG 1.4.11: the focus ring stands out from its background


def test_the_keyboard_alone_reaches_an_edition_and_a_fact_sheet(browser, live_server, demo) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def enter() -> None:
        ActionChains(browser).send_keys(Keys.ENTER).perform()

    open_page(browser, f"{live_server.url}/cijfers/")
    # First the skip link, shown on the page when it has the focus; Enter moves to the content.
    first = tab(browser)
    assert (first["cls"], first["text"], first["href"]) == ("skip", "Naar de inhoud", "#main"), first
    assert float(first["left"]) >= 0, "the focused skip link stays off the screen"
    assert_focus_visible(first)
    # Then the header: the site's name and the menu, in reading order.
    header = [tab(browser) for _ in range(4)]
    assert [e["text"] for e in header] == [
        "Cijfers sociale economie West-Vlaanderen",
        "Edities",
        "API",
        "Catalogus (DCAT)",
    ], header
    for element in header:
        assert_focus_visible(element)

    # From the top again: the skip link, Enter, and the next Tab lands in the content, on the first edition.
    open_page(browser, f"{live_server.url}/cijfers/")
    tab(browser)
    enter()
    wait_for(lambda: urlsplit(browser.current_url).fragment == "main")
    edition = tab(browser)
    while edition["text"] != "Inventaris 2019":  # past a table's scrolling box, if any
        assert edition["cls"] == "table-scroll", edition
        edition = tab(browser)
    assert edition["href"] == EDITION
    assert_focus_visible(edition)
    enter()
    wait_for(lambda: urlsplit(browser.current_url).path == EDITION)

    # On the edition, Tab through the links to West-Vlaanderen's arrondissements, to Brugge's fact sheet.
    link = tab(browser)
    for _ in range(200):
        if link["href"].endswith("/gebied/31000/"):
            break
        link = tab(browser)
    assert link["text"] == "Brugge", link
    assert_focus_visible(link)
    enter()
    wait_for(lambda: urlsplit(browser.current_url).path == f"{EDITION}gebied/31000/")
    assert browser.find_element(*by("h1")).text == "Arrondissement Brugge: fiche Inventaris 2019"


def test_the_public_pages_are_dutch_until_the_visitor_picks_english(browser, live_server, demo) -> None:
    def html_lang() -> str:
        return browser.find_element(*by("html")).get_attribute("lang")

    def skip_text() -> str:
        return browser.find_element(*by("a.skip")).get_attribute("textContent")

    def menu() -> list[str]:
        return [a.text for a in browser.find_elements(*by("header.site nav a"))][:1]

    for _, path in PUBLIC_PAGES:
        open_page(browser, live_server.url + path)
        assert (html_lang(), skip_text(), menu()) == ("nl-be", "Naar de inhoud", ["Edities"]), path

    open_page(browser, f"{live_server.url}{EDITION}gebied/31005/")
    current = browser.find_element(*by('header.site .languages [aria-current="true"]'))
    assert (current.text, current.get_attribute("lang")) == ("Nederlands", "nl-be")
    english = browser.find_element(*by('header.site .languages a[hreflang="en"]'))
    assert (english.text, english.get_attribute("lang")) == ("English", "en")  # each language named in itself
    choose_language(browser, "en")

    for _, path in PUBLIC_PAGES:
        open_page(browser, live_server.url + path)
        assert (html_lang(), skip_text(), menu()) == ("en", "Skip to content", ["Editions"]), path
    current = browser.find_element(*by('header.site .languages [aria-current="true"]'))
    assert (current.text, current.get_attribute("lang")) == ("English", "en")

    # And back: Dutch again.
    choose_language(browser, "nl-be")
    assert (html_lang(), skip_text()) == ("nl-be", "Naar de inhoud")
