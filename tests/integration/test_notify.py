"""The duty manager's VIP arrival notice: stored once with the check-in, signed, retried."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from guestcrm.models import OutboundNotification
from guestcrm.services.recognition.desk import check_in
from guestcrm.services.recognition.notify import DeliveryFailed, deliver, verify
from tests.factories import (
    ProfileFactory,
    PropertyFactory,
    StayFactory,
    VipAssignmentFactory,
    VipLevelFactory,
)

TODAY = date.today()


def test_a_vip_check_in_stores_one_signed_notice_for_the_duty_manager(db_session):
    here = PropertyFactory()
    guest = ProfileFactory(first_name="Zoe")
    VipAssignmentFactory(profile_id=guest.id, level_id=VipLevelFactory(code="VIP2").id)
    stay = StayFactory(guest=guest, property_id=here.id, arrival=TODAY)
    check_in(db_session, stay, actor="staff:1")
    check_in(db_session, stay, actor="staff:1")
    [notice] = db_session.scalars(select(OutboundNotification)).all()
    assert notice.payload["vip"]["level"] == "VIP2" and notice.payload["guest"].startswith("Zoe")

    sent = []

    class Answer:
        def __init__(self, code):
            self.status_code = code

    def down(url, data, timeout, headers):
        raise ConnectionError("refused")

    def up(url, data, timeout, headers):
        sent.append((data, headers))
        return Answer(204)

    try:
        deliver(db_session, notice.id, "http://127.0.0.1:9/hook", "s3cret", post=down)
        raise AssertionError("a refused delivery must raise for a retry")
    except DeliveryFailed:
        pass
    assert notice.status == "pending" and "refused" in notice.last_error
    assert deliver(db_session, notice.id, "http://127.0.0.1:9/hook", "s3cret", post=up) == "sent"
    body, headers = sent[0]
    assert verify("s3cret", headers["X-GuestCRM-Timestamp"], body,
                  headers["X-GuestCRM-Signature"])
    assert not verify("other", headers["X-GuestCRM-Timestamp"], body,
                      headers["X-GuestCRM-Signature"])
    assert notice.attempts == 2


def test_an_ordinary_guest_raises_no_duty_manager_notice(db_session):
    stay = StayFactory(property_id=PropertyFactory().id, arrival=TODAY)
    check_in(db_session, stay, actor="staff:1")
    assert db_session.scalars(select(OutboundNotification)).all() == []


def test_a_notice_that_did_not_get_through_shows_on_the_board_and_in_the_admin_area(
        client, db_session):
    from tests.factories import sign_in, staff

    here = PropertyFactory(code="SEE")
    guest = ProfileFactory(first_name="Zoe", last_name="Quinn")
    VipAssignmentFactory(profile_id=guest.id, level_id=VipLevelFactory(code="VIP1").id)
    stay = StayFactory(guest=guest, property_id=here.id, arrival=TODAY, room_number="501")
    check_in(db_session, stay, actor="staff:1")
    notice = db_session.scalar(select(OutboundNotification))
    assert deliver(db_session, notice.id, None, None) == "failed"  # no webhook configured
    sign_in(client, staff("admin"))
    board = client.get("/desk/?property=SEE").get_data(as_text=True)
    assert "The duty manager was not told of" in board and "room 501" in board
    inbox = client.get("/admin/inbox").get_data(as_text=True)
    assert "did not get through" in inbox and "no duty-manager webhook configured" in inbox
