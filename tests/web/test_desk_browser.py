"""The desk board in real Chromium: a front-desk agent sees who matters and why, checks a guest
in, and the alert appears on a second board of the same hotel without a reload."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from guestcrm.extensions import db
from tests.factories import (
    PASSWORD,
    PreferenceFactory,
    ProfileFactory,
    PropertyFactory,
    StayFactory,
    VipAssignmentFactory,
    VipLevelFactory,
    past_stays,
    refresh_figures,
    staff,
)

pytestmark = pytest.mark.browser


def seed() -> tuple[str, int]:
    here = PropertyFactory(code="SEE", name="Hotel Seeblick")
    other = PropertyFactory(name="Alpenhof")
    regular = ProfileFactory(first_name="Anna", last_name="Huber")
    past_stays(regular, other, 6)
    PreferenceFactory(profile_id=regular.id, key="pillow", value="feather")
    StayFactory(guest=regular, property_id=here.id, arrival=date.today(), room_number="204")
    vip = ProfileFactory(first_name="Zoe", last_name="Quinn")
    level = VipLevelFactory(code="VIP1", label="Very important", colour="#7a4cc2")
    VipAssignmentFactory(profile_id=vip.id, level_id=level.id, reason="Owner's guest")
    vip_stay = StayFactory(guest=vip, property_id=here.id, arrival=date.today(), room_number="501")
    for _ in range(3):
        StayFactory(property_id=here.id, arrival=date.today())
    whale = ProfileFactory()
    past_stays(whale, other, 1, amount="9000")
    refresh_figures(whale, regular, vip)
    db.session.commit()
    agent = staff("front_desk", "SEE", email="desk@seeblick.test")
    return agent.email, vip_stay.id


def deliver_a_new_booking_for_today() -> None:
    """The OpenTravel sample, arriving today at this board's hotel, stored and processed as a
    webhook's message is."""
    from connectors.registry import get_connector
    from guestcrm.services.ingest.inbox import accept_message
    from guestcrm.services.ingest.processing import process_inbox_event
    from tests.samples import SAMPLES

    body = (SAMPLES / "opentravel" / "2011B" / "samples" / "OTA_HotelResNotifRQ.xml").read_text()
    today = date.today()
    body = body.replace("2005-10-18", today.isoformat()).replace(
        "2005-10-20", (today + timedelta(days=2)).isoformat()).replace('HotelCode="WASJW"',
                                                                      'HotelCode="SEE"')
    message = get_connector("opentravel").extract(body.encode(), "application/xml", {})
    event = accept_message(db.session, "opentravel", message, credential="test").event
    assert process_inbox_event(db.session, event.id).status == "processed"
    db.session.commit()


def open_board(browser, base: str, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/"))
    return page


def test_an_agent_sees_who_matters_checks_one_in_and_the_other_board_is_told(
        live_server, browser, artifacts):
    email, vip_stay = seed()
    first = open_board(browser, live_server, email)
    second = open_board(browser, live_server, email)

    rows = first.locator("article.arrival")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("Zoe Quinn")
    vip_badge = rows.nth(0).locator("button.badge", has_text="VIP1")
    vip_badge.hover()
    expect(rows.nth(0).locator(".tip").first).to_be_visible()
    expect(rows.nth(0).locator(".tip").first).to_contain_text("Owner's guest")
    anna = first.locator("article.arrival", has_text="Anna Huber")
    expect(anna.locator("button.badge", has_text="Returning")).to_be_visible()
    expect(anna.locator(".tip", has_text="7th stay with the group")).to_have_count(1)

    first.locator(f"#status-{vip_stay} button.check-in").click()
    expect(first.locator(f"#status-{vip_stay}")).to_contain_text("Checked in")

    alert = second.locator("#desk-alerts .alert")
    expect(alert).to_contain_text("Zoe Quinn checked in", timeout=5000)
    expect(second.locator(f"#status-{vip_stay}")).to_contain_text("Checked in")
    expect(second.locator("#waiting-count")).to_have_text("4")
    second.locator("article.arrival", has_text="Anna Huber").locator(".guest-name").click()
    drawer = second.locator("#drawer")
    expect(drawer).to_be_visible()
    expect(drawer).to_contain_text("feather")
    assert drawer.get_attribute("role") == "dialog" and drawer.get_attribute("aria-modal") == "true"
    for i in range(40):  # focus stays inside the open dialog, however far one tabs
        before = second.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        second.keyboard.press("Shift+Tab" if i % 7 == 6 else "Tab")
        assert second.evaluate("document.getElementById('drawer').contains(document.activeElement)"
                               ), (i, before)
    second.keyboard.press("Escape")
    expect(second.locator("#drawer")).to_be_hidden()

    # A check-in pressed by mistake: the same agent takes it back, and the other board follows.
    first.locator(f"#undo-{vip_stay} button").click()
    expect(first.locator(f"#status-{vip_stay} button.check-in")).to_be_visible()
    expect(second.locator(f"#status-{vip_stay} button.check-in")).to_be_visible(timeout=5000)
    expect(second.locator("#waiting-count")).to_have_text("5")

    # A PMS delivers a new booking for today: the open board shows it without a reload.
    deliver_a_new_booking_for_today()
    expect(second.locator("article.arrival", has_text="David Dewberry")).to_be_visible(
        timeout=5000)
    expect(second.locator("#waiting-count")).to_have_text("6")
    second.screenshot(path=str(artifacts / "desk.png"), full_page=True)
    assert (artifacts / "desk.png").stat().st_size > 10_000


def test_the_board_is_usable_on_a_tablet_with_the_keyboard(live_server, browser, artifacts):
    email, _ = seed()
    page = open_board(browser, live_server, email)
    page.set_viewport_size({"width": 800, "height": 1280})
    button = page.locator("button.check-in").first
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("quinn")
    # The filtered list has landed when htmx pushed its URL; before, a late swap could
    # replace the row that the keys below focus.
    page.wait_for_url(re.compile(r"q=quinn"))
    expect(page.locator("article.arrival")).to_have_count(1)
    # ...and htmx has wired the new row once it has settled (no htmx-added/-settling left).
    page.wait_for_function(
        "() => !document.querySelector('#arrivals.htmx-added, #arrivals .htmx-added, "
        "#arrivals.htmx-settling, #arrivals .htmx-settling')")
    page.locator("#q").blur()
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#drawer")).to_contain_text("Zoe Quinn")
    page.screenshot(path=str(artifacts / "desk-tablet-drawer.png"))
