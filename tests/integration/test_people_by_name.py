"""People appear by name: the audit log, merges, review decisions, profile corrections and the
VIP "set by" on the board and in the arrivals API show the staff member's name, not staff:1."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from guestcrm.models import GuestProfile, StaffUser
from guestcrm.services.access.tokens import create_api_token
from guestcrm.services.value.vip import assign_vip
from tests.factories import (
    ProfileFactory,
    PropertyFactory,
    StayFactory,
    VipLevelFactory,
    sign_in,
    staff,
)

pytestmark = pytest.mark.integration


def test_staff_appear_by_name_in_the_audit_log_the_board_and_the_api(client, db_session):
    hotel = PropertyFactory(code="SEE")
    VipLevelFactory(code="VIP1")
    guest = ProfileFactory(first_name="Zoe", last_name="Quinn")
    StayFactory(guest=guest, property_id=hotel.id, arrival=date.today())
    berger = staff("front_desk", "SEE", email="anna.berger@hotel.test")
    berger.name = "Anna Berger"
    db_session.commit()
    assign_vip(db_session, db_session.get(GuestProfile, guest.id), "VIP1", "owner's friend",
               actor=f"staff:{berger.id}")
    db_session.commit()
    sign_in(client, staff("admin"))
    board = client.get("/desk/?property=SEE").get_data(as_text=True)
    assert "set by Anna Berger" in board and f"staff:{berger.id}" not in board
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Anna Berger" in audit and f"staff:{berger.id}<" not in audit
    token = create_api_token(db_session, "engine")
    answer = client.get(f"/api/v1/arrivals?property=SEE&date={date.today()}",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    vip = next(f for a in answer["arrivals"] for f in a["flags"] if f["code"] == "vip")
    assert vip["facts"]["set_by"] == "Anna Berger"
    assert db_session.scalar(select(StaffUser.name).where(StaffUser.id == berger.id))
