"""A merge moves everything of the guest: every table with a foreign key to guest_profile is
named in merge.MERGE_HANDLING (a new table fails here until it is), and what is moved is moved
back by an undo."""

from __future__ import annotations

from guestcrm.models import GuestProfile
from guestcrm.services.identity.merge import MERGE_HANDLING, MOVED, MOVED_BY_PROFILE
from guestcrm.services.identity.unmerge import MOVED as UNMERGE_MOVES


def tables_referring_to_profiles() -> set[str]:
    return {table.name for table in GuestProfile.metadata.sorted_tables
            for column in table.columns
            if table.name != "guest_profile"
            and any(fk.column.table.name == "guest_profile" for fk in column.foreign_keys)}


def test_every_table_that_refers_to_a_guest_is_handled_by_a_merge():
    assert set(MERGE_HANDLING) == tables_referring_to_profiles()


def test_what_a_merge_moves_an_undo_moves_back():
    moved = {name for name, how in MERGE_HANDLING.items() if how.startswith(MOVED)}
    undone = {model.__tablename__ for _, model in UNMERGE_MOVES}
    assert moved == undone
    assert {model.__tablename__ for model, _ in MOVED_BY_PROFILE} <= undone
