"""Erasure decides for every table: each one of the schema is named in
erasure.ERASURE_HANDLING with what an erasure does to it (a new table fails here until it is),
and every table that refers to a guest's profile is among those it touches or keeps on purpose."""

from __future__ import annotations

from guestcrm.models import GuestProfile
from guestcrm.services.privacy.erasure import ERASURE_HANDLING, NO_GUEST_DATA


def test_every_table_is_named_with_what_erasure_does_to_it():
    assert set(ERASURE_HANDLING) == set(GuestProfile.metadata.tables)


def test_no_table_that_refers_to_a_guest_is_said_to_hold_no_guest_data():
    referring = {table.name for table in GuestProfile.metadata.sorted_tables
                 for column in table.columns
                 if any(fk.column.table.name == "guest_profile" for fk in column.foreign_keys)}
    assert not {name for name in referring if ERASURE_HANDLING[name] == NO_GUEST_DATA}
