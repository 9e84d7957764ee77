"""The staff navigation: built from the workspace registry, it reaches every staff page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from citystat.accounts.testing import signed_in
from citystat.accounts.workspace import SECTIONS, nav_for, register_section

# Pages for people who are not signed in yet: they have no staff navigation.
SIGNED_OUT = {"/staff/login/", "/staff/logout/", "/staff/password-reset/"}


def staff_pages(patterns=None, prefix: str = "") -> set[str]:
    """Every staff page without parameters that is one step below /staff/."""
    found: set[str] = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found |= staff_pages(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "<" not in route:
            url = "/" + route.lstrip("^").rstrip("$")
            if re.fullmatch(r"/staff/([\w-]+/)?", url) and url not in SIGNED_OUT:
                found.add(url)
    return found


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="staff-nav".*?</nav>', html, re.S)
    assert nav, "the page has no staff navigation"
    return re.findall(r'<a href="([^"]+)"', nav[0])


def test_an_administrator_s_navigation_reaches_every_staff_page(dana):
    pages = staff_pages()
    # The pages #19 found unlinked, so the walk above cannot silently find nothing.
    assert {"/staff/measures/", "/staff/datasets/", "/staff/updates/", "/staff/questions/"} <= pages
    linked = set(nav_links(signed_in(dana).get("/staff/").content.decode()))
    missing = pages - linked
    assert not missing, (
        f"staff pages not in the staff navigation: {sorted(missing)}; register them with "
        "register_section(..., page='<url name>') (citystat/accounts/workspace.py)"
    )


@pytest.mark.parametrize("who", ["dana", "alice", "bob", "mona", "sam", "vera"])
def test_every_link_opens_for_the_person_it_is_shown_to(cast, who):
    client = signed_in(cast[who])
    links = nav_links(client.get("/staff/").content.decode())
    for url in links:
        response = client.get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        # Every staff page carries the same navigation, with itself marked current.
        if url != "/admin/":
            assert f'<a href="{url}" aria-current="page">' in response.content.decode(), url


def test_the_navigation_follows_roles(cast):
    vera = nav_links(signed_in(cast["vera"]).get("/staff/").content.decode())
    alice = nav_links(signed_in(cast["alice"]).get("/staff/").content.decode())
    assert "/staff/audit/" not in vera and "/admin/" not in alice
    assert "/staff/invitations/" in alice and "/staff/invitations/" not in vera
    assert "/staff/measures/" in vera


def test_an_app_adds_its_page_by_registering_a_section(alice):
    register_section("test-page", "Plan editor", page="staff-measures", order=1)
    try:
        links = nav_for(alice)
        assert [link.label for link in links][:2] == ["Workspace", "Plan editor"]
        # Each page once, whichever section named it first.
        assert [link.url for link in links].count("/staff/measures/") == 1
    finally:
        del SECTIONS["test-page"]


def test_a_page_whose_route_does_not_exist_is_left_out(alice):
    register_section("test-missing", "Nowhere", page="no-such-route", order=1)
    try:
        assert "Nowhere" not in [link.label for link in nav_for(alice)]
    finally:
        del SECTIONS["test-missing"]


def test_a_section_without_items_or_page_is_refused():
    with pytest.raises(ValueError, match="needs items, a page, or both"):
        register_section("test-nothing", "Nothing")
    assert "test-nothing" not in SECTIONS


def test_the_sign_in_page_has_no_staff_navigation(db):
    assert 'class="staff-nav"' not in Client().get("/staff/login/").content.decode()
