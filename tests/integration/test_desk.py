"""The desk board over HTTP on PostgreSQL: the list, live check-ins, the drawer and its forms,
the CSV export, the API twin and the settings pages."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import select

from guestcrm.models import (
    Complaint,
    CrmSetting,
    DeskEvent,
    Preference,
    RfmSegmentAction,
    VipAssignment,
)
from guestcrm.services.access.tokens import create_api_token
from tests.factories import (
    PreferenceFactory,
    ProfileFactory,
    PropertyFactory,
    StayFactory,
    VipAssignmentFactory,
    VipLevelFactory,
    past_stays,
    refresh_figures,
    sign_in,
    staff,
)

TODAY = date.today()


def desk_setup():
    here = PropertyFactory(code="SEE", name="Seeblick")
    regular = ProfileFactory(first_name="Anna", last_name="Huber")
    past_stays(regular, here, 4)
    PreferenceFactory(profile_id=regular.id, key="pillow", value="feather")
    StayFactory(guest=regular, property_id=here.id, arrival=TODAY, room_number="204")
    vip = ProfileFactory(first_name="Zoe", last_name="Quinn")
    level = VipLevelFactory(code="VIP1", label="Very important")
    VipAssignmentFactory(profile_id=vip.id, level_id=level.id, reason="Owner's friend")
    vip_stay = StayFactory(guest=vip, property_id=here.id, arrival=TODAY)
    StayFactory(property_id=here.id, arrival=TODAY + timedelta(days=1),
                guest=ProfileFactory(first_name="Tom", last_name="Morrow"))
    whale = ProfileFactory()  # the group's top spender, not arriving: Anna is no top-tier VIP
    past_stays(whale, here, 1, amount="9000.00")
    refresh_figures(whale, regular, vip)
    return here, regular, vip, vip_stay


def test_the_board_lists_todays_arrivals_vip_first_with_reasons(client, db_session):
    here, regular, vip, _ = desk_setup()
    sign_in(client, staff("front_desk", "SEE"))
    html = client.get("/desk/?property=SEE").get_data(as_text=True)
    assert html.index("Zoe Quinn") < html.index("Anna Huber")
    assert "Owner&#39;s friend" in html and "5th stay with the group" in html
    assert "Tom Morrow" not in html and "pillow: feather" in html


def test_tomorrow_shows_tomorrows_arrivals(client, db_session):
    desk_setup()
    sign_in(client, staff("front_desk", "SEE"))
    html = client.get("/desk/?property=SEE&day=tomorrow").get_data(as_text=True)
    assert "Tom Morrow" in html and "Anna Huber" not in html


def test_search_and_flag_filter_narrow_the_list_to_an_htmx_fragment(client, db_session):
    desk_setup()
    sign_in(client, staff("front_desk", "SEE"))
    headers = {"HX-Request": "true", "HX-Target": "arrivals"}
    html = client.get("/desk/?property=SEE&q=huber", headers=headers).get_data(as_text=True)
    assert "Anna Huber" in html and "Zoe Quinn" not in html and "<html" not in html
    html = client.get("/desk/?property=SEE&flag=vip", headers=headers).get_data(as_text=True)
    assert "Zoe Quinn" in html and "Anna Huber" not in html


def test_a_check_in_needs_csrf_and_reaches_every_board_by_polling(client, db_session):
    here, _, _, vip_stay = desk_setup()
    token = sign_in(client, staff("front_desk", "SEE"))
    assert client.get("/desk/events?property=SEE&after=0").status_code == 204
    assert client.post(f"/desk/stays/{vip_stay.id}/check-in").status_code == 400
    response = client.post(f"/desk/stays/{vip_stay.id}/check-in", data={"csrf_token": token},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Checked in" in response.get_data(as_text=True)
    poll = client.get("/desk/events?property=SEE&after=0").get_data(as_text=True)
    assert "Zoe Quinn checked in" in poll and "VIP1" in poll
    assert f'id="status-{vip_stay.id}" hx-swap-oob="true"' in poll
    last = db_session.scalar(select(DeskEvent.id).order_by(DeskEvent.id.desc()))
    assert client.get(f"/desk/events?property=SEE&after={last}").status_code == 204


def test_the_csv_export_lists_arrivals_with_flags_and_defuses_formulas(client, db_session):
    here, *_ = desk_setup()
    StayFactory(property_id=here.id, arrival=TODAY, guest=ProfileFactory(first_name="=cmd|x"))
    sign_in(client, staff("front_desk", "SEE"))
    response = client.get("/desk/arrivals.csv?property=SEE")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and len(rows) == 3
    assert rows[0]["guest"] == "Zoe Quinn" and "VIP1" in rows[0]["flags"]
    assert any(r["guest"].startswith("'=cmd") for r in rows)


def test_the_drawer_shows_history_preferences_and_accepts_a_complaint(client, db_session):
    here, regular, *_ = desk_setup()
    token = sign_in(client, staff("front_desk", "SEE"))
    html = client.get(f"/desk/guests/{regular.id}?property=SEE",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "feather" in html and html.count("checked out") == 4
    bad = client.post(f"/desk/guests/{regular.id}/complaints?property=SEE",
                      data={"csrf_token": token, "category": "noise", "description": ""})
    assert bad.status_code == 422
    good = client.post(f"/desk/guests/{regular.id}/complaints?property=SEE",
                       data={"csrf_token": token, "category": "noise",
                             "description": "Music from the bar", "resolution": "Earplugs"})
    assert good.status_code == 200 and "Music from the bar" in good.get_data(as_text=True)
    complaint = db_session.scalar(select(Complaint).where(Complaint.profile_id == regular.id))
    assert complaint.property_id == here.id and complaint.resolution == "Earplugs"


def test_a_preference_seen_at_the_desk_is_saved_and_an_anniversary_must_be_a_date(
        client, db_session):
    _, regular, *_ = desk_setup()
    token = sign_in(client, staff("front_desk", "SEE"))
    url = f"/desk/guests/{regular.id}/preferences?property=SEE"
    assert client.post(url, data={"csrf_token": token, "key": "anniversary", "value": "June",
                                  "scope": "chain"}).status_code == 422
    assert client.post(url, data={"csrf_token": token, "key": "floor", "value": "high",
                                  "scope": "here"}).status_code == 200
    pref = db_session.scalar(select(Preference).where(Preference.key == "floor"))
    assert pref.value == "high" and pref.property_id is not None and pref.source == "staff"


def test_staff_set_a_vip_level_only_with_a_reason(client, db_session):
    _, regular, *_ = desk_setup()
    token = sign_in(client, staff("front_desk", "SEE"))
    url = f"/desk/guests/{regular.id}/vip?property=SEE"
    assert client.post(url, data={"csrf_token": token, "level": "VIP1",
                                  "reason": ""}).status_code == 422
    assert client.post(url, data={"csrf_token": token, "level": "VIP1",
                                  "reason": "Regular for ten years"}).status_code == 200
    assignment = db_session.get(VipAssignment, regular.id)
    assert assignment.reason == "Regular for ten years" and assignment.source == "staff"


def test_the_api_gives_the_same_flags_and_reasons(client, db_session):
    desk_setup()
    token = create_api_token(db_session, "booking-engine")
    response = client.get(f"/api/v1/arrivals?property=SEE&date={TODAY.isoformat()}",
                          headers={"Authorization": f"Bearer {token}"})
    body = response.get_json()
    assert response.status_code == 200 and body["property"] == "SEE"
    first = body["arrivals"][0]
    assert first["guest_name"] == "Zoe Quinn" and first["flags"][0]["code"] == "vip"
    assert "Owner's friend" in first["flags"][0]["reason"]
    assert client.get("/api/v1/arrivals?property=SEE&date=2026-01-01").status_code == 401
    assert client.get("/api/v1/arrivals?property=NOPE&date=2026-01-01",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/arrivals" in spec["paths"] or "/arrivals" in str(spec["paths"])


def test_a_revenue_manager_edits_a_segment_action_and_admins_edit_rules(client, db_session):
    token = sign_in(client, staff("revenue_manager"))
    client.post("/revenue/settings/segments/lost_fan",
                data={"csrf_token": token, "label": "Lost fans", "action": "Call them"})
    row = db_session.get(RfmSegmentAction, "lost_fan")
    assert (row.label, row.action) == ("Lost fans", "Call them")
    assert client.post("/revenue/settings/rules", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, staff("admin"))
    response = client.post("/revenue/settings/rules", data={
        "csrf_token": token, "vip.enabled": "1", "vip.priority": "100", "vip.colour": "#000000",
        "vip.params": "{}", "returning.priority": "55", "returning.colour": "#1f5fbf"})
    assert response.status_code == 302
    page = client.get("/revenue/settings").get_data(as_text=True)
    assert 'value="#000000"' in page and "Recognition rules saved" in page
    # Parameters are form fields of their kind, checked; the change is audited.
    assert 'name="complaint.within_days"' in page and 'name="top_tier.tiers"' in page
    refused = client.post("/revenue/settings/rules", data={
        "csrf_token": token, "complaint.within_days": "two years"}, follow_redirects=True)
    assert "within days is a whole number" in refused.get_data(as_text=True)
    client.post("/revenue/settings/rules", data={
        "csrf_token": token, "complaint.enabled": "1", "complaint.within_days": "365",
        "top_tier.tiers": "vip, major"})
    from guestcrm.services.recognition.rules import SETTING_KEY as RULES

    stored = db_session.get(CrmSetting, RULES).value
    assert stored["complaint"]["params"]["within_days"] == 365
    assert stored["top_tier"]["params"]["tiers"] == ["vip", "major"]
    assert "unknown" not in str(stored)


def test_the_fast_api_serializer_matches_the_documented_schema(db_session):
    from guestcrm.schemas.arrivals import ArrivalList, arrival_list_json
    from guestcrm.services.recognition.arrivals import arrivals_for
    from guestcrm.services.recognition.desk import check_in

    here, _, _, vip_stay = desk_setup()
    check_in(db_session, vip_stay, actor="staff:1")
    arrivals = arrivals_for(db_session, here.id, TODAY)
    documented = ArrivalList().dump({"property": "SEE", "date": TODAY, "arrivals": arrivals})
    assert arrival_list_json("SEE", TODAY, arrivals) == documented


def test_the_csv_export_defuses_every_text_cell_and_has_a_safe_file_name(client, db_session):
    from guestcrm.models import Property

    odd = Property(code='SEE"; filename="evil.exe', name="Odd", timezone="UTC")
    db_session.add(odd)
    db_session.flush()
    StayFactory(property_id=odd.id, arrival=TODAY, channel_name="=HYPERLINK(\"http://x\")",
                room_type="@SUM(A1)", guest=ProfileFactory(first_name="-2+3", last_name="Ok"))
    sign_in(client, staff("admin"))
    response = client.get("/desk/arrivals.csv", query_string={"property": odd.code})
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    [row] = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert row["channel"] == "'=HYPERLINK(\"http://x\")" and row["room_type"] == "'@SUM(A1)"
    assert row["guest"].startswith("'-2+3")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="arrivals-SEE_filename_evil.exe-{TODAY}.csv"'
