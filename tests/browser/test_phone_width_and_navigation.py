"""The residents' site on a phone and from its navigation (issue #20, items 1, 2 and 4):

- every page a crawl from `/` finds fits a 390 px phone, in English and in Spanish;
- each public section is reached from `/` by clicking, on a desktop and through the
  phone menu (a real button, by mouse and by keyboard; a plain list without JavaScript);
- an update reads like news and fits a phone; a broken filter says so and still fits.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone

from citystat.catalog.models import Dataset
from citystat.catalog.warehouse import _connect as connect
from citystat.catalog.warehouse import table_name
from citystat.demo.build import build_demo_city
from citystat.engagement.models import Update

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Not pages: machine endpoints, staff, downloads and feeds (their files are not HTML).
SKIPPED_PREFIXES = (
    "/api/",
    "/staff/",
    "/admin/",
    "/static/",
    "/media/",
    "/i18n/",
    "/hooks/",
    "/feeds/",
    "/city/",
    "/subscribe/confirm/",
    "/unsubscribe/",
)
DOWNLOAD = re.compile(r"\.(csv|json|geojson|parquet|xlsx|zip|atom|ics|png|svg|pdf|txt)$")
# Every section the navigation must reach, by its English and Spanish label: the URL
# names are in citystat/public/templatetags/public_site.py, checked against the URLconfs
# by citystat/public/tests/test_site_navigation.py.
SECTIONS = [
    ("The plan", "El plan", "/priorities/"),
    ("Neighborhoods and districts", "Vecindarios y distritos", "/neighborhoods/"),
    ("Services", "Servicios", "/services/"),
    ("Budget", "Presupuesto", "/budget/"),
    ("Surveys", "Encuestas", "/surveys/"),
    ("Meetings", "Reuniones", "/meetings/"),
    ("Questions", "Preguntas", "/questions/"),
    ("Updates", "Novedades", "/updates/"),
    ("Pick your priorities", "Elija sus prioridades", "/priorities/pick/"),
    ("Data", "Datos", "/datasets/"),
    ("How we measure", "Cómo medimos", "/how-we-measure/"),
]


@pytest.fixture
def demo_city(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=2_000, seed=11)


def wait_for_charts(page) -> None:
    """Wait until vega-embed has drawn (or given up on) every chart: a drawn chart may
    be wider than the server's drawing it replaces."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart[data-chart-spec]')].every("
        "c => c.classList.contains('vega-embed') || c.classList.contains('chart-fallback'))",
        timeout=30_000,
    )


def overflow(page) -> int:
    """Return by how many pixels the page is wider than the window (0 if it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def crawl_for_overflow(page, base: str) -> tuple[int, dict[str, int]]:
    """Visit every same-site page linked from `/` onwards; return how many were visited
    and those wider than the window, with their width."""
    seen: set[str] = set()
    queue = ["/"]
    too_wide: dict[str, int] = {}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{path} answered {response}"
        wait_for_charts(page)
        extra = overflow(page)
        if extra > 0:
            too_wide[path] = extra + page.evaluate("window.innerWidth")
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            parts = urlsplit(urljoin(base + path, href))
            if f"{parts.scheme}://{parts.netloc}" != base:
                continue
            # Pages, not their questions: the dataset explorer's sort, page and filter
            # links would otherwise make the crawl endless.
            target = parts.path
            if parts.path.startswith(SKIPPED_PREFIXES) or DOWNLOAD.search(parts.path):
                continue
            if target not in seen and target not in queue:
                queue.append(target)
    return len(seen), too_wide


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_page_a_crawl_finds_is_wider_than_a_phone(demo_city, live_server, browser, language):
    context = browser.new_context(viewport=PHONE, locale=language)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        visited, too_wide = crawl_for_overflow(page, live_server.url)
    finally:
        context.close()
    # The demo city has hundreds of neighborhood pages: a crawl that stopped early
    # would pass without looking.
    assert visited > 300
    assert not too_wide, f"wider than a 390 px phone ({language}): {too_wide}"


def open_section_on_desktop(page, base: str, label: str, path: str) -> None:
    page.goto(base + "/")
    nav = page.get_by_role("navigation", name=re.compile("Primary|Principal"))
    assert not nav.get_by_role("button").is_visible()
    with page.expect_navigation():
        nav.get_by_role("link", name=label, exact=True).click()
    assert urlsplit(page.url).path == path
    assert page.get_by_role("heading", level=1).count() == 1
    link = page.get_by_role("navigation", name=re.compile("Primary|Principal")).get_by_role(
        "link", name=label, exact=True
    )
    assert link.get_attribute("aria-current") == "page"


def test_each_section_is_reached_from_home_by_clicking_on_a_desktop(demo_city, live_server, page):
    page.set_default_timeout(90_000)
    for label, _spanish, path in SECTIONS:
        open_section_on_desktop(page, live_server.url, label, path)
    assert overflow(page) == 0


def test_each_section_is_reached_through_the_phone_menu_in_spanish(demo_city, live_server, browser):
    context = browser.new_context(viewport=PHONE, locale="es")
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        for _english, spanish, path in SECTIONS:
            page.goto(live_server.url + "/")
            assert page.locator("html").get_attribute("lang") == "es"
            menu = page.get_by_role("button", name="Menú")
            assert menu.get_attribute("aria-expanded") == "false"
            nav = page.get_by_role("navigation", name="Principal")
            first = nav.get_by_role("link").first
            assert not first.is_visible()
            menu.click()
            assert menu.get_attribute("aria-expanded") == "true"
            with page.expect_navigation():
                nav.get_by_role("link", name=spanish, exact=True).click()
            assert urlsplit(page.url).path == path
            assert overflow(page) == 0, path
    finally:
        context.close()


def test_the_phone_menu_works_from_the_keyboard_and_from_an_error_page(
    demo_city, live_server, browser
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(live_server.url + "/no-such-page/")
        menu = page.get_by_role("button", name="Menu")
        menu.focus()
        page.keyboard.press("Enter")
        assert menu.get_attribute("aria-expanded") == "true"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Home"
        page.keyboard.press("Escape")
        assert menu.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.classList.contains('site-nav__toggle')")
        page.keyboard.press("Space")
        assert menu.get_attribute("aria-expanded") == "true"
        with page.expect_navigation():
            page.get_by_role("link", name="Budget", exact=True).click()
        assert urlsplit(page.url).path == "/budget/"
    finally:
        context.close()


def test_without_javascript_the_navigation_is_a_plain_list(demo_city, live_server, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(live_server.url + "/")
        assert page.get_by_role("button", name="Menu").count() == 0
        nav = page.get_by_role("navigation", name="Primary")
        for label, _spanish, _path in SECTIONS:
            assert nav.get_by_role("link", name=label, exact=True).is_visible()
        assert overflow(page) == 0
    finally:
        context.close()


def test_the_footer_reports_a_problem_with_the_page_and_defines_terms(demo_city, live_server, page):
    page.set_default_timeout(90_000)
    page.goto(live_server.url + "/budget/")
    footer = page.locator("footer")
    with page.expect_navigation():
        footer.get_by_role("link", name="Report a problem with this data").click()
    question = page.get_by_label("Your question")
    assert question.input_value() == "About the data on /budget/: "
    # Sent empty, the form is refused and says why; sent with words, it is received.
    question.fill("   ")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the question").click()
    assert page.get_by_text("Please type your question; it is empty.").first.is_visible()
    assert overflow(page) == 0
    page.get_by_label("Your question").fill("About the data on /budget/: FY2026 totals differ.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the question").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for your question"
    page.goto(live_server.url + "/")
    with page.expect_navigation():
        page.locator("footer").get_by_role("link", name="Glossary of terms").click()
    assert page.get_by_role("term").filter(has_text="Tolerance").is_visible()
    with page.expect_navigation():
        page.locator("footer").get_by_role("link", name="Accessibility").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement"


# ---------------------------------------------------------------- an update as news


def demolitions_update(conditions: list[dict[str, str]], slug: str):
    return Update.objects.create(
        title="Demolitions this quarter",
        slug=slug,
        body="Crews are scheduled.",
        published_at=timezone.now(),
        dataset=Dataset.objects.get(slug="demolitions"),
        dataset_filter=conditions,
    )


def busiest_neighborhood() -> tuple[str, int]:
    """Return the neighborhood with the most planned demolitions, counted by hand."""
    with connect() as connection:
        found = connection.execute(
            f"SELECT neighborhood, count(*) FROM {table_name('demolitions')} "
            "WHERE status = 'planned' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone()
    assert found is not None
    return str(found[0]), int(found[1])


@pytest.mark.parametrize(("language", "viewport"), [("en", PHONE), ("es", PHONE), ("en", DESKTOP)])
def test_an_update_reads_like_news_and_fits_the_screen(
    demo_city, live_server, browser, language, viewport
):
    neighborhood, planned = busiest_neighborhood()
    update = demolitions_update(
        [{"field": "neighborhood", "value": neighborhood}, {"field": "status", "value": "planned"}],
        "busiest",
    )
    context = browser.new_context(viewport=viewport, locale=language)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(live_server.url + update.get_absolute_url())
        wait_for_charts(page)
        heading = page.locator("#embed-title").inner_text()
        if language == "en":
            assert heading == f"Planned dangerous building demolitions in {neighborhood}"
        else:
            assert heading == f"Dangerous building demolitions (planned) en {neighborhood}"
        # One map, drawn as SVG with a dot per matching row; no tiles.
        assert page.locator("[data-chart-spec]").count() == 1
        assert page.locator("[data-chart-spec] svg").count() == 1
        assert page.locator("[data-chart-spec] img").count() == 0
        assert (
            page.locator(
                "[data-chart-spec] svg path[aria-roledescription='circle'], "
                "[data-chart-spec] svg g.mark-symbol path"
            ).count()
            == planned
        )
        headers = page.locator("table.data-table--stack thead th").all_inner_texts()
        assert "Street address" in headers and "street_address" not in headers
        assert "Estimated cost ($)" in headers
        rows = page.locator("table.data-table--stack tbody tr")
        assert rows.count() == planned
        cell = page.locator("table.data-table--stack tbody td").first
        stacked = cell.evaluate("td => getComputedStyle(td).display")
        assert stacked == ("block" if viewport == PHONE else "table-cell")
        assert overflow(page) == 0
    finally:
        context.close()


def test_an_update_whose_filter_no_longer_holds_says_so_on_a_phone(demo_city, live_server, browser):
    # parcel_id is withheld: a filter on it is refused when the page is drawn, not run.
    update = demolitions_update([{"field": "parcel_id", "value": "x"}], "withheld")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(live_server.url + update.get_absolute_url())
        assert page.get_by_text("parcel_id is not a public column").is_visible()
        assert page.locator("[data-chart-spec]").count() == 0
        assert page.locator("table.data-table--stack").count() == 0
        assert overflow(page) == 0
    finally:
        context.close()


def test_the_new_pages_pass_axe_in_both_languages_at_both_widths(
    demo_city, live_server, browser, axe
):
    neighborhood, _planned = busiest_neighborhood()
    update = demolitions_update([{"field": "neighborhood", "value": neighborhood}], "axe")
    pages = ["/glossary/", "/accessibility/", "/headline-measures/", update.get_absolute_url()]
    for language in ("en", "es"):
        for viewport in (PHONE, DESKTOP):
            # axe-core is injected as a script, which the site's CSP rightly blocks.
            context = browser.new_context(viewport=viewport, locale=language, bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(90_000)
            try:
                for path in pages:
                    page.goto(live_server.url + path)
                    wait_for_charts(page)
                    assert page.locator("html").get_attribute("lang") == language
                    assert axe(page) == [], f"{path} in {language} at {viewport['width']} px"
                if viewport == PHONE:
                    page.get_by_role("button", name=re.compile("Menu|Menú")).click()
                    assert axe(page) == [], f"open phone menu in {language}"
            finally:
                context.close()
