"""The demo loader on the embedded default: logins, hotels, fake PMS data; twice adds nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from guestcrm.cli.demo import DemoRefused, load_demo
from guestcrm.extensions import db
from guestcrm.models import GuestProfile, InboxEvent, Property, StaffUser, Stay
from guestcrm.services.access.staff import authenticate


def counts(session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (StaffUser, Property, Stay, GuestProfile, InboxEvent))


def test_the_demo_loads_logins_hotels_and_guests_and_a_second_run_adds_nothing(sqlite_app):
    with sqlite_app.app_context():
        lines = list(load_demo(db.session, events=80))
        first = counts(db.session)
        # 80 fake PMS messages, the one the demo sends broken on purpose, and the page the
        # Apaleo hotel's backfill fetched from the fake Apaleo API (the fourth hotel).
        assert first[:2] == (3, 4) and first[2] > 20 + 150 and first[4] == 80 + 1 + 1
        assert any(line.startswith("Apaleo hotel APA1: backfill done, 150 reservations")
                   for line in lines)
        # Every message processed but the one the demo sends broken on purpose (Admin → Inbox).
        assert db.session.scalar(select(func.count()).where(
            InboxEvent.status != "processed")) == 1
        assert any("desk@demo.guestcrm" in line for line in lines)
        desk = authenticate(db.session, "desk@demo.guestcrm", "demo-desk-pass")
        assert desk is not None and [p.code for p in desk.properties] == ["ALP1"]
        again = list(load_demo(db.session, events=80))
        assert counts(db.session) == first  # a second run adds nothing
        ingest_line = next(line for line in again if line.startswith("demo data:"))
        assert "0 new messages, 80 already loaded" in ingest_line
        assert "perks: 0 issued for recent and coming stays" in again
        assert "perks: 0 given by hand to guests arriving today" in again
        assert any(line.startswith("offer: 2nd stay: late check-out") for line in lines)
        assert any(line.startswith("matcher: learned from") for line in lines)
        identity = next(line for line in again if line.startswith("identity:"))
        assert re.search(r"[1-9]\d* merges? to look at", identity)
        assert re.search(r"[1-9]\d* pairs waiting for staff", identity)
        assert db.session.scalar(select(func.count()).where(InboxEvent.status == "failed")) == 1


def test_the_demo_refuses_to_run_in_production(sqlite_app):
    with sqlite_app.app_context(), pytest.raises(DemoRefused):
        next(load_demo(db.session, events=10, environment="production"))


def test_the_demo_prints_a_way_into_the_guest_portal(sqlite_app):
    import re

    with sqlite_app.app_context():
        lines = list(load_demo(db.session, events=80))
    line = next(line for line in lines if line.startswith("guest portal: sign in as"))
    path = re.search(r"http://[^/]+(/me/email/\S+)", line).group(1)
    client = sqlite_app.test_client()
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = client.post(path, data={"csrf_token": token})
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/me/")
    assert "Your stays" in client.get("/me/?lang=en").get_data(as_text=True)
