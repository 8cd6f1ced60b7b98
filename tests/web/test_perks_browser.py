"""Direct-booking perks end to end in real Chromium: a revenue manager creates an offer, previews
it and publishes it; a qualifying stay completes; the perk appears on the desk board and in the
guest's mail (a real SMTP server); the booking engine redeems it over the API; the analytics
show it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from guestcrm.extensions import db
from guestcrm.jobs.perks import issue_perks_job
from guestcrm.models import Perk
from guestcrm.services.access.tokens import create_api_token
from tests.burst import run_burst
from tests.factories import PASSWORD, staff
from tests.integration.perk_support import stay
from tests.smtp_server import SmtpServer, free_port
from tests.web.page_checks import assert_usable

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(app, tmp_path):
    server = SmtpServer(tmp_path / "maildir", free_port())
    server.start()
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False)
    yield server
    app.config.update(saved)
    server.stop()


def sign_in(browser, base: str, email: str):
    page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_an_offer_goes_from_the_revenue_manager_to_the_desk_the_mail_and_the_booking_engine(
        live_server, browser, smtp, app, queue, artifacts):
    session = db.session
    stay(session, "S1", ago=60)  # Anna's first stay
    manager = staff("revenue_manager", "H1", email="rm@hotel.test")
    agent = staff("front_desk", "H1", email="desk@hotel.test")
    token = create_api_token(session, "engine", scopes=["perks:validate", "perks:redeem"])
    session.commit()

    page = sign_in(browser, live_server, manager.email)
    page.goto(f"{live_server}/revenue/offers/new")
    page.fill("#name", "2nd stay: late check-out")
    page.fill("#guest_text", "Welcome back: check out at 2 pm.")
    page.select_option("#perk_type", "late_checkout")
    page.select_option("#trigger", "stay_completed")
    page.fill("#nth_stay", "2")
    page.check("input[name=property_ids]")
    page.click("button:has-text('Save draft')")
    expect(page.locator(".status-pill")).to_have_text("draft")
    assert_usable(page)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.click("text=Preview and simulate")
    expect(page.locator("#qualifying-now")).to_have_text("1")  # Anna, at her next stay
    assert_usable(page)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.click("button:has-text('Publish')")
    expect(page.locator(".status-pill")).to_have_text("published")
    page.screenshot(path=str(artifacts / "perk-offer.png"))

    second = stay(session, "S2", ago=1)  # the 2nd stay completes...
    booking = stay(session, "B1", status="confirmed", arrival=date.today())  # ...she is back
    issue_perks_job([second.id, booking.id])  # what the job after ingest does...
    run_burst(queue, "default")
    perk = session.scalar(select(Perk))
    assert perk is not None and perk.stay_id == second.id

    desk = sign_in(browser, live_server, agent.email)
    row = desk.locator("article.arrival", has_text="Anna Huber")
    expect(row.locator("button.badge", has_text="Perk to hand over")).to_be_visible()
    expect(row.locator(".tip", has_text=f"code {perk.code}")).to_have_count(1)

    (mail,) = smtp.messages()  # ...and the mail job it queued
    assert perk.code in mail.get_payload(decode=True).decode()
    assert mail["To"] == "anna.huber@mail.test"

    analytics = f"{live_server}/revenue/analytics"
    page.goto(analytics)
    expect(page.locator("#perks-redeemed")).to_have_text("0")
    answer = requests.post(
        f"{live_server}/api/v1/perks/redeem", timeout=10,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "booking-77"},
        json={"code": perk.code, "email": "Anna.Huber@mail.test", "property": "H1",
              "arrival": (date.today() + timedelta(days=30)).isoformat(),
              "departure": (date.today() + timedelta(days=32)).isoformat(),
              "booking_ref": "BE-77"})
    assert answer.status_code == 200, answer.text
    page.goto(analytics)
    expect(page.locator("#perks-redeemed")).to_have_text("1")
    expect(page.locator("#share-chart")).to_be_visible()
    page.goto(f"{live_server}/revenue/")
    assert_usable(page)
    page.goto(analytics)
    assert_usable(page)
    assert re.search(r"1 issued", page.content())
    page.screenshot(path=str(artifacts / "perk-analytics.png"), full_page=True)
