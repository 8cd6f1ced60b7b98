"""Rows for recognition and desk tests, made with factory-boy on the app's current session."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from guestcrm.db.types import utcnow
from guestcrm.extensions import db
from guestcrm.models import (
    Complaint,
    GuestProfile,
    Preference,
    Property,
    Stay,
    StayGuest,
    VipAssignment,
    VipLevel,
)
from guestcrm.services.value.counters import recompute_counters
from guestcrm.services.value.figures import recompute_value


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731  (the per-test session)
        sqlalchemy_session_persistence = "flush"


class PropertyFactory(_Base):
    class Meta:
        model = Property

    code = factory.Sequence(lambda n: f"H{n}")
    name = factory.LazyAttribute(lambda o: f"Hotel {o.code}")
    timezone = "UTC"
    confirmed_at = factory.LazyFunction(utcnow)


class ProfileFactory(_Base):
    class Meta:
        model = GuestProfile

    first_name = factory.Sequence(lambda n: f"Guest{n}")
    last_name = "Example"
    field_versions = factory.LazyFunction(dict)
    channel_mix = factory.LazyFunction(dict)


class StayFactory(_Base):
    """A stay with its primary guest seat; `guest` is the profile."""

    class Meta:
        model = Stay
        exclude = ("guest",)

    guest = factory.SubFactory(ProfileFactory)
    source = "test"
    property_id = factory.LazyFunction(lambda: PropertyFactory().id)
    external_id = factory.Sequence(lambda n: f"RES{n:06d}")
    profile_id = factory.LazyAttribute(lambda o: o.guest.id)
    status = "confirmed"
    arrival = factory.LazyFunction(date.today)
    departure = factory.LazyAttribute(lambda o: o.arrival + timedelta(days=o.nights))
    nights = 2
    channel = "direct"
    amount = Decimal("300.00")
    currency = "EUR"
    version_key = "0"
    field_versions = factory.LazyFunction(dict)
    special_requests = factory.LazyFunction(list)
    comments = factory.LazyFunction(list)

    @factory.post_generation
    def seat(self, create, extracted, **kwargs):
        self.guests.append(StayGuest(profile_id=self.profile_id, position=0, is_primary=True))
        db.session.flush()


class VipLevelFactory(_Base):
    class Meta:
        model = VipLevel
        sqlalchemy_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LV{n}")
    label = "Very important"
    colour = "#7a4cc2"
    rank = 1


class VipAssignmentFactory(_Base):
    class Meta:
        model = VipAssignment

    profile_id = factory.LazyFunction(lambda: ProfileFactory().id)
    level_id = factory.LazyFunction(lambda: VipLevelFactory().id)
    reason = "Owner's friend"
    source = "staff"
    set_by = "staff:1"


class ComplaintFactory(_Base):
    class Meta:
        model = Complaint

    occurred_on = factory.LazyFunction(lambda: date.today() - timedelta(days=100))
    category = "noise"
    description = "Street noise all night"
    resolution = "Moved to a courtyard room"


class PreferenceFactory(_Base):
    class Meta:
        model = Preference

    key = "pillow"
    value = "feather"
    source = "staff"
    times_seen = 1


def past_stays(guest: GuestProfile, prop: Property, count: int, channel: str = "direct",
               end: date | None = None, amount: str = "300.00") -> list[Stay]:
    """`count` checked-out stays of two nights, the last ending `end` (default 60 days ago)."""
    end = end or date.today() - timedelta(days=60)
    stays = []
    for i in range(count):
        departure = end - timedelta(days=30 * i)
        stays.append(StayFactory(guest=guest, property_id=prop.id, status="checked_out",
                                 arrival=departure - timedelta(days=2), channel=channel,
                                 amount=Decimal(amount)))
    return stays


def refresh_figures(*profiles: GuestProfile) -> None:
    """What ingest does after a change: the lead's counters, then our value rows."""
    ids = [p.id for p in profiles]
    recompute_counters(db.session, ids)
    recompute_value(db.session, ids)


PASSWORD = "correct horse battery"


def staff(role: str, *property_codes: str, email: str | None = None):
    from guestcrm.services.access.staff import create_staff

    email = email or f"{role}.{'-'.join(property_codes) or 'all'}@hotel.test".lower()
    return create_staff(db.session, email, PASSWORD, role, list(property_codes))


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, user) -> str:
    """Sign in through the real form; returns a CSRF token for later posts."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_from(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf_from(client.get("/login").get_data(as_text=True))
