"""Version keys order deliveries; counters count only what happened; survivorship per field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date, datetime

from guestcrm.models import GuestProfile
from guestcrm.services.identity.survivorship import STAFF_VERSION, apply_values
from guestcrm.services.ingest.versions import reservation_snapshot, version_key
from guestcrm.services.value.counters import stay_happened
from tests.builders import reservation


def test_a_later_vendor_time_gives_a_greater_version():
    early = reservation(modified_at="2026-01-01T10:00:00+01:00")
    late = reservation(modified_at="2026-01-01T09:30:00+00:00")  # 10:30 in Vienna
    assert version_key(late) > version_key(early)


def test_at_the_same_time_a_cancellation_outranks_a_confirmation():
    confirm = reservation(status="confirmed")
    cancel = reservation(status="cancelled")
    assert version_key(cancel) > version_key(confirm)


def test_a_version_without_a_time_is_older_than_any_with_one():
    assert version_key(reservation(modified_at=None)) < version_key(reservation())


def test_the_same_content_gives_the_same_version():
    assert version_key(reservation()) == version_key(reservation())


def test_the_content_digest_is_the_one_stored_versions_were_made_with():
    """Stored stays keep their version keys: a re-delivery must still be known as seen."""
    r = reservation()
    content = json.dumps(asdict(r), sort_keys=True, default=str).encode()
    assert version_key(r).endswith("|" + hashlib.sha256(content).hexdigest()[:16])
    assert version_key(r, reservation_snapshot(r)) == version_key(r)


def test_a_past_confirmed_stay_happened_and_a_future_one_not_yet():
    today = date(2026, 5, 1)
    assert stay_happened("confirmed", date(2026, 4, 30), today)
    assert not stay_happened("confirmed", date(2026, 5, 3), today)
    assert stay_happened("checked_out", date(2026, 5, 3), today)
    assert not stay_happened("cancelled", date(2026, 4, 1), today)
    assert not stay_happened("no_show", date(2026, 4, 1), today)


def test_an_older_source_does_not_overwrite_a_newer_field_but_fills_an_empty_one():
    profile = GuestProfile(field_versions={})
    apply_values(profile, {"last_name": "New", "city": None}, "2026-02")
    apply_values(profile, {"last_name": "Old", "city": "Wien"}, "2026-01")
    assert (profile.last_name, profile.city) == ("New", "Wien")


def test_a_staff_edit_wins_over_later_vendor_data():
    profile = GuestProfile(field_versions={})
    apply_values(profile, {"first_name": "Hans"}, STAFF_VERSION)
    apply_values(profile, {"first_name": "HANS-PETER"}, datetime(2099, 1, 1).isoformat())
    assert profile.first_name == "Hans"


def test_the_snapshot_is_the_json_of_the_whole_reservation():
    """The snapshot feeds the content digest of every version key: it must stay exactly the
    reservation as JSON (what versions already stored were made from)."""
    from connectors.fake import FakePMS
    from connectors.registry import get_connector

    parsed = [reservation(), reservation(modified_at=None, guests=[])]
    for event in FakePMS(7).events(300):
        message = get_connector(event.connector).extract(event.body, event.content_type,
                                                         event.form)
        parsed += get_connector(event.connector).parse(message).reservations
    for r in parsed:
        assert reservation_snapshot(r) == json.loads(json.dumps(asdict(r), default=str))
