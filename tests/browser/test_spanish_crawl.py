"""The Spanish crawl (issue #20, item 7): a resident switches the site to Spanish with its
own language switch and follows links from `/`; no page shows a string of the English
catalog that has a different Spanish.

The English strings are the msgids of a fresh extraction (`makemessages` run on the code
as it is, so a string marked since the catalog was last extracted counts, untranslated).
What the browser shows is read after its scripts ran: chart axes and legends drawn by
vega-embed, the phone menu's button, `aria-label`, `alt`, `title` and `placeholder`. What
the city wrote (plan titles, narratives, place names, the rows of its data) is removed
first: it is another part of the issue. The quick test reads a few pages of each kind the
crawl finds; the slow one reads every page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import polib  # type: ignore[import-untyped]
import pytest
from django.urls import Resolver404, resolve

from citystat.demo.build import build_demo_city
from citystat.lib.tests.chart_checks import unnamed_tooltip_fields
from citystat.public.tests.test_spanish_pages import city_content
from citystat.public.tests.test_translations import extract_catalog
from tests.browser.test_phone_width_and_navigation import (
    DOWNLOAD,
    SKIPPED_PREFIXES,
    wait_for_charts,
)

# Each text node the reader sees (its element is rendered and not hidden from everyone),
# each line of the page as laid out (so a sentence split over <strong> and <time> is read
# whole), and the attributes a person hears or sees. <pre> and <code> hold program text to
# copy (the dataset page's API examples), which has no language.
READ_PAGE = """() => {
  const skipped = 'script, style, template, noscript, pre, code';
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest(skipped) || !node.data.trim()) continue;
    if (parent.closest('svg') ? false : !parent.checkVisibility({visibilityProperty: true}))
      continue;
    texts.push(node.data);
  }
  texts.push(...document.body.innerText.split('\\n'));
  for (const element of document.querySelectorAll('[aria-label], [alt], [title], [placeholder]')) {
    if (element.closest(skipped)) continue;
    for (const name of ['aria-label', 'alt', 'title', 'placeholder']) {
      const value = element.getAttribute(name);
      if (value && value.trim()) texts.push(value);
    }
  }
  texts.push(document.title);
  return texts;
}"""
# What the charts tell a screen reader and their tooltips, which the text above misses:
# Vega's own English descriptions ("visualization", "X-axis for a time scale…", "line
# mark") and each chart spec, whose tooltips show a field's column name unless titled.
READ_CHARTS = """() => {
  const aria = [];
  for (const node of document.querySelectorAll(
      '[aria-roledescription], [aria-description], [role^="graphics"]')) {
    aria.push(node.getAttribute('aria-roledescription') || node.getAttribute('aria-description')
      || node.getAttribute('role'));
  }
  const specs = [];
  for (const chart of document.querySelectorAll('[data-chart-spec]')) {
    const source = document.getElementById(chart.dataset.chartSpec);
    if (source) specs.push(source.textContent);
  }
  return {aria, specs};
}"""
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi]|\{\w*\}")


def literal_words(text: str) -> str:
    """Return a pattern for this piece of a msgid as whole words, any spacing between."""
    words = r"\s+".join(re.escape(word) for word in text.split())
    if not words:
        return ""
    # "in" of "%(things)s in %(places)s" must not be found inside "principal".
    before = r"(?<!\w)" if re.match(r"\w", text.strip()) else ""
    after = r"(?!\w)" if re.search(r"\w$", text.strip()) else ""
    return before + words + after


def english_patterns(catalog: polib.POFile) -> list[tuple[str, re.Pattern[str]]]:
    """Return (msgid, pattern) for each English string whose Spanish reads differently.

    A placeholder matches any text. A one-word string must be the whole of a piece of text
    (Spanish shares many single words and names with English: "Total", "Plan", "Email"); a
    longer one may sit anywhere in it, as whole words.
    """
    patterns = []
    for entry in catalog:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            english = [entry.msgid, entry.msgid_plural]
            spanish = list(entry.msgstr_plural.values())
        else:
            english, spanish = [entry.msgid], [entry.msgstr]
        for msgid in english:
            literal = PLACEHOLDER.sub("", msgid)
            # Nothing of English left to see once the placeholders are gone ("%(value)s %%").
            if not re.search(r"[A-Za-z]{2}", literal) or msgid in spanish:
                continue
            body = r"\s*.+?\s*".join(
                literal_words(part) for part in PLACEHOLDER.split(msgid.replace("%%", "%"))
            )
            whole = len(literal.split()) < 2
            pattern = rf"^\s*{body}\s*$" if whole else rf"(?<![\w]){body}(?![\w])"
            patterns.append((msgid, re.compile(pattern)))
    return patterns


def without_city_content(text: str, content: list[str]) -> str:
    """Blank out what the city wrote, whole words only, longest first."""
    text = re.sub(r"https?://\S+", " ", text)
    for written in content:
        if written in text:
            text = re.sub(rf"(?<!\w){re.escape(written)}(?!\w)", " ", text)
    return text


def english_shown(texts: list[str], patterns, content: list[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """Return the English msgids found in the pieces of text a page shows."""
    # One pattern for them all finds the few pieces worth asking each pattern about.
    anyone = re.compile("|".join(f"(?:{pattern.pattern})" for _msgid, pattern in patterns))
    everything = "\n".join(content)
    found = set()
    for piece in {" ".join(text.split()) for text in texts}:
        # A paragraph of a longer text the city wrote (an update's body). A piece of a few
        # words is not skipped this way: "Download" is also part of "Download Center".
        if len(piece.split()) >= 4 and piece in everything:
            continue
        rest = without_city_content(piece, content)
        matched = anyone.search(rest) is not None and [
            msgid for msgid, pattern in patterns if pattern.search(rest)
        ]
        if matched:
            found.update(f"{msgid!r} in {piece[:160]!r}" for msgid in matched)
    return found


def chart_english(charts: dict[str, list[str]]) -> set[str]:
    """Return what the page's charts say in English outside the catalog's strings."""
    found = {f"Vega's own description {text[:80]!r}" for text in charts["aria"]}
    for spec in charts["specs"]:
        for field in unnamed_tooltip_fields(json.loads(spec)):
            found.add(f"a chart tooltip shows the column name {field!r}")
    return found


def page_kind(path: str) -> str:
    """Return the URL's name: pages of one kind share it."""
    try:
        return resolve(path).url_name or path
    except Resolver404:
        return path


def crawl_in_spanish(page, base: str, patterns, content: list[str], per_kind: int | None):  # type: ignore[no-untyped-def]
    """Switch the site to Spanish from `/` and follow its links; return the pages visited
    and, for each page that shows English, what it shows."""
    page.goto(base + "/")
    page.get_by_label("Language").select_option("es")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue = ["/"]
    english: dict[str, list[str]] = {}
    while queue:
        path = queue.pop(0)
        seen.add(path)
        kind = page_kind(path)
        if per_kind is not None and kinds[kind] >= per_kind:
            continue
        kinds[kind] += 1
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{path} answered {response}"
        assert page.locator("html").get_attribute("lang") == "es", f"{path} is not in Spanish"
        wait_for_charts(page)
        # Named in the page's language once drawn (static/js/charts.js).
        page.wait_for_function(
            "() => [...document.querySelectorAll('.chart[data-chart-spec]')].every("
            "c => c.dataset.chartNamed || c.classList.contains('chart-fallback'))"
        )
        found = english_shown(page.evaluate(READ_PAGE), patterns, content)
        found |= chart_english(page.evaluate(READ_CHARTS))
        if found:
            english[path] = sorted(found)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(urljoin(base + path, href))
            if f"{parts.scheme}://{parts.netloc}" != base:
                continue
            if parts.path.startswith(SKIPPED_PREFIXES) or DOWNLOAD.search(parts.path):
                continue
            if parts.path not in seen and parts.path not in queue:
                queue.append(parts.path)
    return kinds, english


@pytest.fixture
def spanish_crawl(settings, tmp_path, monkeypatch, transactional_db, live_server, browser):  # type: ignore[no-untyped-def]
    patterns = english_patterns(extract_catalog(settings, tmp_path / "catalog", monkeypatch))
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=2_000, seed=11)
    content = city_content()

    def crawl(per_kind: int | None):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(90_000)
        try:
            return crawl_in_spanish(page, live_server.url, patterns, content, per_kind)
        finally:
            context.close()

    return crawl


def report(english: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in english.items())


@pytest.mark.browser
def test_no_page_of_each_kind_a_spanish_crawl_finds_shows_english(spanish_crawl):
    kinds, english = spanish_crawl(per_kind=2)
    # Every section of the navigation, and the pages under them, were reached.
    for kind in ("home", "measure", "goal", "neighborhood", "district", "dataset", "update"):
        assert kinds[kind], f"the crawl never reached a {kind} page: {sorted(kinds)}"
    assert not english, f"English shown on Spanish pages:\n{report(english)}"


@pytest.mark.browser
@pytest.mark.slow
def test_no_page_a_spanish_crawl_finds_shows_english(spanish_crawl):
    kinds, english = spanish_crawl(per_kind=None)
    # The demo city has hundreds of neighborhood pages: a crawl that stopped early
    # would pass without looking.
    assert sum(kinds.values()) > 300
    assert not english, f"English shown on Spanish pages:\n{report(english)}"


def test_the_reader_sees_english_strings_but_not_the_citys_own_text():
    catalog = polib.POFile()
    for msgid, msgstr in [
        ("Download", "Descargar"),
        ("Updated %(date)s", "Actualizado el %(date)s"),
        ("Plan", "Plan"),
        ("New string", ""),
        ("%(things)s in %(places)s", "%(things)s en %(places)s"),
    ]:
        catalog.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    patterns = english_patterns(catalog)
    assert [msgid for msgid, _pattern in patterns] == [
        "Download",
        "Updated %(date)s",
        "New string",
        "%(things)s in %(places)s",
    ]
    shown = [
        "Download",
        "Descargar los datos",
        "Updated 3 de junio de 2026",
        "Plan",
        "New string here",
        "Download Center",
        "Saltar al contenido principal",
        "3 goals in 2 areas",
        "Crews update it. Download the data in the city's portal.",
    ]
    city = [
        "Download Center",
        "Crews update it. Download the data in the city's portal. Thanks.",
    ]
    assert english_shown(shown, patterns, city) == {
        "'Download' in 'Download'",
        "'Updated %(date)s' in 'Updated 3 de junio de 2026'",
        "'New string' in 'New string here'",
        "'%(things)s in %(places)s' in '3 goals in 2 areas'",
    }
