"""Guest search, the profile and a correction in real Chromium, from the keyboard, at the
width of a phone: a front-desk agent finds a guest who phones, opens the profile, corrects the
name and the email (a wrong address is refused with what was typed kept)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from guestcrm.extensions import db
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation
from tests.factories import PASSWORD, PropertyFactory, staff
from tests.web.page_checks import assert_usable

pytestmark = pytest.mark.browser


def seed() -> str:
    PropertyFactory(code="BER", name="Hotel Berlin Mitte", country="DE")
    PropertyFactory(code="VIE", name="Hotel Wien", country="AT")
    today = date.today()
    ingest_reservation(db.session, reservation(
        "BER-100", property_code="BER", first_name="Jürgen", last_name="Müller",
        email="j.mueller@mail.test", phone="+49 30 1234567", loyalty="CLUB-4711",
        arrival=today - timedelta(days=1), nights=3))
    ingest_reservation(db.session, reservation(
        "BER-090", property_code="BER", first_name="Jürgen", last_name="Müller",
        email="j.mueller@mail.test", arrival=today - timedelta(days=90), nights=2))
    ingest_reservation(db.session, reservation(
        "VIE-1", property_code="VIE", first_name="Jürgen", last_name="Mueller-Wien",
        email="jw@mail.test"))
    db.session.commit()
    return staff("front_desk", "BER", email="desk@berlin.test").email


def sign_in(browser, base: str, email: str):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/"))
    return page


def test_an_agent_finds_a_guest_opens_the_profile_and_corrects_it(live_server, browser,
                                                                  artifacts):
    page = sign_in(browser, live_server, seed())
    assert_usable(page)  # the board too, at phone width
    page.get_by_role("link", name="Guests").click()
    page.wait_for_url(re.compile(r"/guests$"))
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator("#results a.hit")).to_have_count(1)  # the latest guest at the hotel
    assert_usable(page)

    page.keyboard.type("jurgen mueller")
    page.wait_for_url(re.compile(r"q=jurgen"))  # htmx answered while typing
    hits = page.locator("#results a.hit")
    expect(hits).to_have_count(1)  # Vienna's Mueller-Wien is another hotel's guest
    expect(hits.first).to_contain_text("Jürgen Müller")
    page.locator("#q").fill("030 1234567")
    expect(page.locator("#results")).to_contain_text("by phone")
    page.keyboard.press("ArrowDown")
    expect(hits.first).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/guests/\d+$"))
    expect(page.locator("h1")).to_have_text("Jürgen Müller")
    stays = page.locator(".stay-list li")
    expect(stays).to_have_count(2)
    expect(stays.nth(0)).to_contain_text("Not checked in: possible no-show")
    expect(stays.nth(1)).to_contain_text("Past stay (no check-in on record)")
    expect(page.locator("text=CLUB CLUB-4711")).to_be_visible()
    assert_usable(page)

    page.fill("#last_name", "Müller-Lüdenscheidt")
    page.fill("#email", "juergen@@mail.test")
    page.get_by_role("button", name="Save corrections").click()
    expect(page.locator("#email-error")).to_have_text("not an email address")
    expect(page.locator("#last_name")).to_have_value("Müller-Lüdenscheidt")
    expect(page.locator("#email")).to_have_value("juergen@@mail.test")
    assert_usable(page)

    page.fill("#email", "juergen@neu.test")
    page.get_by_role("button", name="Save corrections").click()
    expect(page.locator("p.flash")).to_have_text("Saved.")
    expect(page.locator("h1")).to_have_text("Jürgen Müller-Lüdenscheidt")
    expect(page.locator("#email")).to_have_value("juergen@neu.test")
    expect(page.locator("#correct")).to_contain_text("last name Müller → Müller-Lüdenscheidt")
    page.screenshot(path=str(artifacts / "guest-profile-390.png"), full_page=True)

    page.goto(f"{live_server}/guests?q=ludenscheidt")
    expect(page.locator("#results a.hit")).to_have_count(1)


def test_the_board_of_another_day_and_its_lists_fit_a_phone(live_server, browser):
    page = sign_in(browser, live_server, seed())
    page.fill("#day-pick", (date.today() + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(r"day=\d{4}-\d{2}-\d{2}"))
    page.get_by_role("link", name="In house").click()
    expect(page.locator(".house-list")).to_contain_text("Jürgen Müller")
    assert_usable(page)
    page.get_by_role("link", name="Departures").click()
    expect(page.locator("h1")).to_contain_text("Departures")
    assert_usable(page)
