"""Spanish: the committed catalog is complete and compiled, and the site speaks it."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib  # type: ignore[import-untyped]
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "citystat" / "locale" / "es" / "LC_MESSAGES"
# Templates only staff see; every other template is public and must be fully translated.
STAFF_ONLY = ("templates/staff/", "/staff/", "staff_", "templates/accounts/")


def messages(catalog: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    """Return {(context, msgid): translation} for every translated entry."""
    found: dict[tuple[str | None, str], object] = {}
    for entry in catalog.translated_entries():
        translation = (
            tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if entry.msgid_plural
            else entry.msgstr
        )
        found[(entry.msgctxt, entry.msgid)] = translation
    return found


def is_public(entry: polib.POEntry) -> bool:
    return any(
        "templates/" in path and not any(part in path for part in STAFF_ONLY)
        for path, _line in entry.occurrences
    )


def untranslated_public(catalog: polib.POFile) -> list[str]:
    return [
        entry.msgid
        for entry in catalog
        if not entry.obsolete
        and is_public(entry)
        and ("fuzzy" in entry.flags or not entry.translated())
    ]


def test_the_committed_mo_holds_exactly_the_po_translations():
    po = polib.pofile(str(CATALOG / "django.po"))
    mo = polib.mofile(str(CATALOG / "django.mo"))
    assert messages(po), "the Spanish catalog is empty"
    assert messages(mo) == messages(po), "run `citystat compilemessages -l es` and commit"


def test_no_string_of_a_public_template_lacks_its_spanish():
    missing = untranslated_public(polib.pofile(str(CATALOG / "django.po")))
    assert not missing, f"translate these in {CATALOG / 'django.po'}: {missing[:20]}"


def test_an_untranslated_or_fuzzy_public_string_is_caught():
    catalog = polib.POFile()
    for msgid, msgstr, flags in [("Hello", "", []), ("Bye", "Adiós", ["fuzzy"])]:
        entry = polib.POEntry(
            msgid=msgid, msgstr=msgstr, occurrences=[("templates/base.html", "1")]
        )
        entry.flags = flags
        catalog.append(entry)
    catalog.append(
        polib.POEntry(msgid="Staff", msgstr="", occurrences=[("templates/staff/home.html", "2")])
    )
    assert untranslated_public(catalog) == ["Hello", "Bye"]


def extract_catalog(settings, tmp_path: Path, monkeypatch) -> polib.POFile:  # type: ignore[no-untyped-def]
    """Extract the strings afresh (as `makemessages` would) into a copy of the catalog.

    Strings marked since the catalog was last extracted come back untranslated.
    """
    source = tmp_path / "source"
    # A copy without the catalog, so makemessages writes only under tmp_path.
    shutil.copytree(
        ROOT / "citystat",
        source / "citystat",
        ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "migrations", "static"),
    )
    locale = tmp_path / "locale"
    (locale / "es" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOG / "django.po", locale / "es" / "LC_MESSAGES" / "django.po")
    # Only for the extraction: a live server running beside the caller reads both.
    kept = settings.LOCALE_PATHS
    settings.LOCALE_PATHS = [locale]
    try:
        with monkeypatch.context() as patch:
            patch.chdir(source)
            call_command("makemessages", locale=["es"], verbosity=0, no_obsolete=True)
    finally:
        settings.LOCALE_PATHS = kept
    return polib.pofile(str(locale / "es" / "LC_MESSAGES" / "django.po"))


def test_the_catalog_holds_every_string_the_templates_and_code_mark(
    settings, tmp_path, monkeypatch
):
    fresh = extract_catalog(settings, tmp_path, monkeypatch)
    assert fresh.find("Skip to main content") is not None, "the extraction found no templates"
    missing = untranslated_public(fresh)
    assert not missing, f"run `citystat makemessages -l es` and translate: {missing[:20]}"


def test_a_spanish_reader_gets_the_page_in_spanish(db, client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Saltar al contenido principal" in html
    assert "Skip to main content" not in html


def test_the_language_switch_keeps_the_page_and_sets_spanish(db, client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/how-we-measure/"})
    assert response.status_code == 302
    assert response["Location"] == "/how-we-measure/"
    html = client.get("/how-we-measure/").content.decode()
    assert '<html lang="es">' in html
    assert '<h1 id="how-title">Cómo medimos</h1>' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/how-we-measure/").content.decode()


def test_every_string_marked_anywhere_has_its_spanish(settings, tmp_path, monkeypatch):
    # Staff pages, forms, model choices and messages too: a staff member who reads the
    # site in Spanish meets them, and an English sentence there goes unnoticed by the
    # public crawl ("Write the answer as plain text…" went out untranslated).
    fresh = extract_catalog(settings, tmp_path, monkeypatch)
    missing = [
        entry.msgid
        for entry in fresh
        if entry.msgid and not entry.obsolete and ("fuzzy" in entry.flags or not entry.translated())
    ]
    assert not missing, f"run `citystat makemessages -l es` and translate: {missing[:20]}"
