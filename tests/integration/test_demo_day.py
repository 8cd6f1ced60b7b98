"""The demo's working day: a first look at the board shows 20 to 30 arrivals today and tomorrow
across the demo hotels, guests in the house and leaving, VIPs, birthdays, a past complaint."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from guestcrm.cli.demo import load_demo
from guestcrm.extensions import db
from guestcrm.models import Property, Stay
from guestcrm.services.recognition.arrivals import arrivals_for
from guestcrm.services.recognition.hotel_day import hotel_today
from guestcrm.services.recognition.house import in_house_and_departures


def test_the_demo_books_a_working_day_at_every_hotel_and_a_second_run_adds_nothing(sqlite_app):
    with sqlite_app.app_context():
        lines = list(load_demo(db.session, events=10))
        arrivals, flags, in_house, leaving = [], Counter(), 0, 0
        for prop in db.session.scalars(select(Property)):
            today = hotel_today(prop)
            for day in (today, today + timedelta(days=1)):
                found = arrivals_for(db.session, prop.id, day)
                arrivals += [(prop.code, a) for a in found]
                flags.update(f.code for a in found for f in a.flags)
            house = in_house_and_departures(db.session, prop.id, today)
            in_house += len(house.in_house)
            leaving += len(house.departures)
        demo = [a for _, a in arrivals if a.external_id.startswith("DEMO-")]
        assert 20 <= len(demo) <= 30
        assert {code for code, a in arrivals if a in demo} == {"ALP1", "ALP2", "CITY1"}
        assert in_house >= 3 and leaving >= 3
        assert flags["vip"] >= 2 and flags["celebration"] >= 2 and flags["complaint"] >= 1
        assert flags["returning"] >= 1
        assert any(line.startswith("VIP: ") for line in lines)
        stays = db.session.query(Stay).count()
        list(load_demo(db.session, events=10))
        assert db.session.query(Stay).count() == stays
