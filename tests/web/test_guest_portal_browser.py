"""The guest portal in real Chromium against a real OpenID Connect provider: a guest signs in
on the provider's login page, lands on /me, links the profile of an earlier reservation, edits
a preference that then shows on the desk board, downloads the export, requests erasure."""

from __future__ import annotations

import json
import re
import threading
from datetime import date

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from guestcrm.extensions import db
from tests.factories import PASSWORD, staff
from tests.integration.perk_support import guest, stay
from tests.oidc_provider import OidcProvider, provider_settings
from tests.smtp_server import free_port
from tests.web.page_checks import assert_usable

pytestmark = pytest.mark.browser


@pytest.fixture
def portal_server(pg_database, redis_test_url, committed_db):
    """The app with the test provider, served on a port the provider knows as its client's
    redirect URI (committed_db empties the tables afterwards)."""
    from guestcrm import create_app

    port = free_port()
    provider = OidcProvider([f"http://127.0.0.1:{port}/me/callback/testid"])
    provider.start()
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": pg_database, "REDIS_URL": redis_test_url,
        "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "test-secret",
        "GUEST_PROVIDERS": provider_settings(provider.issuer)})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        provider.stop()


def test_a_guest_signs_in_links_a_reservation_and_the_desk_sees_their_wish(
        portal_server, browser, artifacts):
    session = db.session
    stay(session, "BK-2024-77", ago=200, who=guest(email="anna.old@mail.test"))
    stay(session, "BK-NOW", status="confirmed", arrival=date.today(),
         who=guest(email="anna.old@mail.test"))
    agent = staff("front_desk", "H1", email="desk@hotel.test")
    session.commit()

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{portal_server}/me/")
    assert_usable(page)
    page.click("text=Continue with Test ID")
    page.fill("input[name=login]", "anna.new@mail.test")  # the provider's own login page
    page.fill("input[name=password]", "whatever")
    page.click("button[type=submit]")
    page.click("button[type=submit]")  # the provider's consent page
    page.wait_for_url(re.compile(r"/me/$"))
    expect(page.locator("h1")).to_contain_text("Hello")
    expect(page.locator("text=No stays linked yet.")).to_be_visible()
    page.click("text=Keep them")
    # The provider said the guest speaks German: the portal now does too.
    expect(page.locator("h1")).to_have_text("Hallo Anna")
    page.click("text=English")

    page.click("text=Link a reservation")
    page.fill("#booking_ref", "BK-2024-77")
    page.fill("#last_name", "huber")
    page.click("button:has-text('Link')")
    expect(page.locator(".stays li")).to_have_count(2)

    page.click("nav >> text=Preferences")
    page.select_option("#pref-floor", "high")
    page.fill("#pref-dietary", "vegan")
    page.click("button:has-text('Save')")
    expect(page.locator(".flash")).to_contain_text("preferences are saved")
    assert_usable(page)
    for path in ("/me/", "/me/contact", "/me/consent", "/me/accounts", "/me/link",
                 "/me/privacy"):
        page.goto(f"{portal_server}{path}")
        assert_usable(page)
    page.screenshot(path=str(artifacts / "guest-portal.png"), full_page=True)

    desk = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    desk.goto(f"{portal_server}/login")
    desk.fill("#email", agent.email)
    desk.fill("#password", PASSWORD)
    desk.click("button[type=submit]")
    row = desk.locator("article.arrival", has_text="Huber")
    expect(row.locator(".tip", has_text="floor: high (guest's own wish)")).to_have_count(1)
    expect(row.locator(".tip", has_text="dietary: vegan (guest's own wish)")).to_have_count(1)

    page.click("nav >> text=Your data")
    with page.expect_download() as download:
        page.click("text=Download my data")
    exported = json.loads(open(download.value.path()).read())
    assert {s["external_id"] for s in exported["stays"]} == {"BK-2024-77", "BK-NOW"}
    assert any("floor" == p["key"] for p in exported["preference"])

    page.click("button:has-text('Erase my data')")
    expect(page.locator(".flash.error")).to_contain_text("Tick the box")
    page.check("input[name=confirm]")
    page.click("button:has-text('Erase my data')")
    expect(page.locator("h1")).to_have_text("Your data has been erased")
    page.goto(f"{portal_server}/me/")
    expect(page.locator("text=Email me a sign-in link")).to_be_visible()  # signed out

    desk.reload()
    expect(desk.locator("article.arrival", has_text="Huber")).to_have_count(0)
    expect(desk.locator("article.arrival", has_text="Guest #")).to_have_count(1)
