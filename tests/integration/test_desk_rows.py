"""The board's rows written in Python (guestcrm/web/desk/rows.py): escaped like the template
was, the same status cell as templates/desk/_status.html, and the stored facts they rest on
(special requests, anniversaries) read correctly on PostgreSQL and on SQLite."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import render_template

from guestcrm.services.recognition.arrivals import arrivals_for
from guestcrm.services.recognition.desk import check_in
from guestcrm.web.desk.rows import status_cell
from tests.factories import (
    ComplaintFactory,
    PreferenceFactory,
    ProfileFactory,
    PropertyFactory,
    StayFactory,
    sign_in,
    staff,
)

TODAY = date.today()


def _squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _status_of(html: str, stay_id: int) -> str:
    match = re.search(rf'<div class="status" id="status-{stay_id}".*?</div>', html, re.S)
    assert match, f"no status cell for stay {stay_id}"
    return _squeeze(match.group(0))


def test_names_reasons_and_codes_are_escaped_on_the_board(client, db_session):
    here = PropertyFactory(code="A&B")
    guest = ProfileFactory(first_name="<img src=x onerror=alert(1)>", last_name="O'Hara")
    ComplaintFactory(profile_id=guest.id, property_id=here.id,
                     description='<script>alert("x")</script>')
    stay = StayFactory(guest=guest, property_id=here.id, arrival=TODAY, room_number="<b>1</b>",
                       special_requests=["crib & <b>cot</b>"])
    sign_in(client, staff("admin"))
    html = client.get("/desk/?property=A%26B").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; O&#39;Hara" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)" in html
    assert "request: crib &amp; &lt;b&gt;cot&lt;/b&gt;" in html and "<b>1</b>" not in html
    assert f'hx-get="/desk/guests/{guest.id}?property=A%26B"' in html
    assert f'id="stay-{stay.id}"' in html and 'data-flag="complaint"' in html


def test_the_row_status_cell_is_the_one_a_check_in_swaps_in(app, client, db_session):
    here = PropertyFactory(code="SEE")
    stay = StayFactory(property_id=here.id, arrival=TODAY)
    token = sign_in(client, staff("front_desk", "SEE"))
    board = client.get("/desk/?property=SEE").get_data(as_text=True)
    with app.test_request_context():
        waiting = render_template("desk/_status.html", stay_id=stay.id, checked_in_at=None,
                                  oob=False)
    waiting = re.sub(r'value="[^"]+"', 'value="T"', _squeeze(waiting))
    assert re.sub(r'value="[^"]+"', 'value="T"', _status_of(board, stay.id)) == waiting

    swapped = client.post(f"/desk/stays/{stay.id}/check-in", data={"csrf_token": token},
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    board = client.get("/desk/?property=SEE").get_data(as_text=True)
    # The cell swapped in is the board's own (beside it comes the undo, in the alerts).
    assert _status_of(board, stay.id) == _status_of(swapped, stay.id)
    assert 'class="arrival is-in"' in board
    assert 'id="undo-' in swapped


def test_a_pms_checked_in_stay_without_a_desk_event_shows_checked_in(app, db_session):
    with app.test_request_context():
        expected = _squeeze(render_template("desk/_status.html", stay_id=7, checked_in_at=True,
                                            oob=False))
    assert _squeeze(status_cell(7, None, True, "/desk/stays/", "T")) == expected


def test_special_requests_and_an_anniversary_come_through_from_the_database(db_session):
    here = PropertyFactory()
    quiet = StayFactory(property_id=here.id, arrival=TODAY)
    asks = StayFactory(property_id=here.id, arrival=TODAY,
                       special_requests=["late arrival", "extra pillow"])
    PreferenceFactory(profile_id=asks.profile_id, key="anniversary",
                      value=(TODAY + timedelta(days=1)).isoformat())
    found = {a.stay_id: {f.code: f for f in a.flags} for a in arrivals_for(db_session, here.id,
                                                                          TODAY)}
    assert "preferences" not in found[quiet.id] and "celebration" not in found[quiet.id]
    prepare = found[asks.id]["preferences"]
    assert prepare.facts["special_requests"] == ["late arrival", "extra pillow"]
    assert "request: late arrival; request: extra pillow" in prepare.reason
    occasions = found[asks.id]["celebration"].facts["occasions"]
    assert (TODAY + timedelta(days=1)).isoformat() in [o["on"] for o in occasions]


def test_checked_in_stays_and_requests_also_read_on_the_embedded_sqlite(sqlite_app):
    from guestcrm.extensions import db

    with sqlite_app.app_context():
        here = PropertyFactory()
        quiet = StayFactory(property_id=here.id, arrival=TODAY)
        asks = StayFactory(property_id=here.id, arrival=TODAY, special_requests=["cot"])
        check_in(db.session, asks, actor="pms")
        found = {a.stay_id: a for a in arrivals_for(db.session, here.id, TODAY)}
        assert found[asks.id].checked_in_at is not None and found[asks.id].checked_in
        assert [f.facts["special_requests"] for f in found[asks.id].flags
                if f.code == "preferences"] == [["cot"]]
        assert not found[quiet.id].checked_in
        assert all(f.code != "preferences" for f in found[quiet.id].flags)
        db.session.rollback()


def test_a_check_in_is_undone_by_the_same_agent_within_minutes_and_other_boards_are_told(
        app, client, db_session):
    from sqlalchemy import select

    from guestcrm.db.types import utcnow
    from guestcrm.models import DeskEvent

    here = PropertyFactory(code="SEE")
    stay = StayFactory(property_id=here.id, arrival=TODAY)
    agent = staff("front_desk", "SEE")
    token = sign_in(client, agent)
    after = 0
    client.post(f"/desk/stays/{stay.id}/check-in", data={"csrf_token": token},
                headers={"HX-Request": "true"})
    from guestcrm.errors import Refused
    from guestcrm.services.recognition.desk import undo_check_in

    with pytest.raises(Refused, match="only the agent"):
        undo_check_in(db_session, stay, actor="staff:999999")
    undone = client.post(f"/desk/stays/{stay.id}/check-in/undo", data={"csrf_token": token},
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Check in</button>" in undone and f'id="undo-{stay.id}" hx-swap-oob' in undone
    board = client.get("/desk/?property=SEE").get_data(as_text=True)
    assert 'class="arrival is-in"' not in board
    poll = client.get(f"/desk/events?property=SEE&after={after}").get_data(as_text=True)
    assert "Check-in undone" in poll and f'id="status-{stay.id}" hx-swap-oob' in poll
    # Again, and too late now.
    client.post(f"/desk/stays/{stay.id}/check-in", data={"csrf_token": token})
    event = db_session.scalar(select(DeskEvent).where(DeskEvent.kind == "checked_in"))
    event.at = utcnow() - timedelta(minutes=11)
    db_session.commit()
    late = client.post(f"/desk/stays/{stay.id}/check-in/undo", data={"csrf_token": token})
    assert late.status_code == 422 and "too late" in late.get_data(as_text=True)


def test_a_booking_that_arrives_while_the_board_is_open_comes_with_the_next_poll(
        client, db_session):
    from connectors.registry import get_connector
    from guestcrm.services.ingest.inbox import accept_message
    from guestcrm.services.ingest.processing import process_inbox_event
    from guestcrm.services.recognition.desk import latest_event_id
    from tests.integration.test_drain import ota_message

    def push(echo: str, stamp: str) -> None:
        message = get_connector("opentravel").extract(
            ota_message(None, echo, stamp), "application/xml", {})
        event = accept_message(db_session, "opentravel", message, credential="t").event
        assert process_inbox_event(db_session, event.id).status == "processed"

    hotel = PropertyFactory(code="WASJW")
    StayFactory(property_id=hotel.id, arrival=TODAY)
    sign_in(client, staff("front_desk", "WASJW"))
    board = client.get("/desk/?property=WASJW").get_data(as_text=True)
    after = latest_event_id(db_session, hotel.id)
    assert "Dewberry" not in board
    push("1", f"{TODAY.isoformat()}T08:00:00+00:00")
    poll = client.get(f"/desk/events?property=WASJW&after={after}&day={TODAY}")
    text = poll.get_data(as_text=True)
    assert poll.status_code == 200 and '<template id="incoming-rows">' in text
    assert "David Dewberry" in text and 'class="arrival' in text
    # A board of another day is not sent the row.
    other = client.get(f"/desk/events?property=WASJW&after={after}&day={TODAY.replace(year=2030)}")
    assert "incoming-rows" not in other.get_data(as_text=True)


def test_an_edit_in_a_guests_drawer_redraws_their_row_on_the_other_boards(client, db_session):
    from guestcrm.services.recognition.desk import latest_event_id

    hotel = PropertyFactory(code="SEE")
    stay = StayFactory(property_id=hotel.id, arrival=TODAY)
    token = sign_in(client, staff("front_desk", "SEE"))
    after = latest_event_id(db_session, hotel.id)
    client.post(f"/desk/guests/{stay.profile_id}/complaints?property=SEE",
                data={"csrf_token": token, "category": "noise",
                      "description": "Street noise", "resolution": "", "compensation": ""},
                headers={"HX-Request": "true"})
    poll = client.get(f"/desk/events?property=SEE&after={after}&day={TODAY}")
    text = poll.get_data(as_text=True)
    assert f'id="stay-{stay.id}"' in text and "Past complaint" in text


def test_the_drawer_shows_the_guests_contacts_and_open_traces(client, db_session):
    from guestcrm.db.types import utcnow
    from guestcrm.models import ContactPoint, GuestNote

    hotel = PropertyFactory(code="SEE")
    stay = StayFactory(property_id=hotel.id, arrival=TODAY)
    now = utcnow()
    db_session.add(ContactPoint(profile_id=stay.profile_id, kind="email",
                                value_raw="mia@mail.test", value_normalized="mia@mail.test",
                                source="test", first_seen=now, last_seen=now))
    db_session.add(GuestNote(profile_id=stay.profile_id, kind="trace", text="Cot in room",
                             department="housekeeping", due_on=TODAY, created_by="staff:1"))
    db_session.add(GuestNote(profile_id=stay.profile_id, kind="trace", text="Old task",
                             department="housekeeping", due_on=TODAY, created_by="staff:1",
                             done_at=now))
    db_session.commit()
    sign_in(client, staff("front_desk", "SEE"))
    drawer = client.get(f"/desk/guests/{stay.profile_id}?property=SEE",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "mia@mail.test" in drawer and "Trace for housekeeping" in drawer
    assert "Cot in room" in drawer and "Old task" not in drawer
    assert f'href="/guests/{stay.profile_id}"' in drawer
