"""The revenue manager's offer pages: create a draft (a refused form keeps what was typed),
preview and simulate, publish; hotel scope; analytics with its CSV; the desk sees the perk."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from guestcrm.models import AuditEntry, PerkOffer
from guestcrm.services.perks.issuing import issue_for_stays
from tests.factories import sign_in, staff
from tests.integration.perk_support import guest, publish_offer, stay

pytestmark = pytest.mark.integration

FORM = {"name": "2nd stay: late check-out", "guest_text": "Until 2 pm, on us.",
        "perk_type": "late_checkout", "trigger": "stay_completed", "nth_stay": "2",
        "code_valid_days": "180", "priority": "10", "unit_cost": "15"}


def test_a_revenue_manager_creates_previews_and_publishes_an_offer(client, db_session):
    stay(db_session, "S1", ago=200)
    stay(db_session, "S2", ago=20)  # this one was the 2nd stay: the simulation counts it
    stay(db_session, "S3", who=guest(email="b@mail.test", first="Ben", last="Bauer"))
    hotel = db_session.scalar(select(PerkOffer.id))  # none yet
    assert hotel is None
    token = sign_in(client, staff("revenue_manager", "H1"))
    page = client.get("/revenue/")
    assert page.status_code == 200 and "Direct-booking offers" in page.get_data(as_text=True)
    h1 = re.search(r'name="property_ids" value="(\d+)"',
                   client.get("/revenue/offers/new").get_data(as_text=True)).group(1)
    created = client.post("/revenue/offers/new",
                          data=FORM | {"property_ids": h1, "csrf_token": token})
    assert created.status_code == 302
    offer = db_session.scalar(select(PerkOffer))
    assert offer.status == "draft" and offer.property_ids == [int(h1)]
    preview = client.get(f"/revenue/offers/{offer.id}/preview").get_data(as_text=True)
    assert re.search(r'id="simulated-issued">1<', preview)
    assert re.search(r'id="qualifying-now">1<', preview)  # Ben, at his next stay
    published = client.post(f"/revenue/offers/{offer.id}/publish", data={"csrf_token": token})
    assert published.status_code == 302
    db_session.refresh(offer)
    assert offer.status == "published"
    actions = set(db_session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "perk_offer")))
    assert {"offer.create", "offer.publish"} <= actions


def test_a_refused_offer_keeps_what_was_typed_and_says_why(client, db_session):
    stay(db_session, "S1")
    token = sign_in(client, staff("admin"))
    answer = client.post("/revenue/offers/new", data=FORM | {
        "nth_stay": "3", "every_n_stays": "2", "guest_text": "Kept text", "csrf_token": token})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "never a multiple" in page and "Kept text" in page and 'value="3"' in page
    assert db_session.scalar(select(PerkOffer)) is None


def test_a_manager_of_one_hotel_cannot_see_or_touch_another_hotels_offer(client, db_session):
    stay(db_session, "S1", hotel="H1")
    far = stay(db_session, "S2", hotel="H2")
    offer = publish_offer(db_session, property_ids=[far.property_id])
    token = sign_in(client, staff("revenue_manager", "H1"))
    assert offer.name not in client.get("/revenue/").get_data(as_text=True)
    assert client.get(f"/revenue/offers/{offer.id}").status_code == 404
    assert client.post(f"/revenue/offers/{offer.id}/pause",
                       data={"csrf_token": token}).status_code == 404
    # An offer for every hotel needs a manager of every hotel.
    answer = client.post("/revenue/offers/new", data=FORM | {"csrf_token": token})
    assert answer.status_code == 422 and "choose the hotels" in answer.get_data(as_text=True)


def test_front_desk_agents_do_not_reach_offers_or_analytics(client, db_session):
    stay(db_session, "S1")
    sign_in(client, staff("front_desk", "H1"))
    for url in ("/revenue/", "/revenue/offers/new", "/revenue/analytics"):
        assert client.get(url).status_code == 403, url


def test_analytics_show_direct_share_and_perks_and_export_csv(client, db_session):
    publish_offer(db_session, rule={"nth_stay": 1}, unit_cost="12.50")
    done = stay(db_session, "S1", ago=5)
    stay(db_session, "S2", ago=5, channel="ota",
         who=guest(email="o@mail.test", first="Olga", last="Ota"))
    issue_for_stays(db_session, [done.id])
    sign_in(client, staff("admin"))
    page = client.get("/revenue/analytics").get_data(as_text=True)
    assert 'id="direct-share">50.0 %' in page
    assert "1 issued" in page
    csv = client.get("/revenue/analytics?format=csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode())
    month = (date.today() - timedelta(days=7)).strftime("%Y-%m")
    row = next(line for line in csv.get_data(as_text=True).splitlines()
               if line.startswith(month))
    assert row.split(",")[1:4] == ["2", "1", "0.5"]
    assert client.get("/revenue/analytics?from=nonsense").status_code == 400


def test_the_desk_board_shows_the_perk_to_hand_over(client, db_session):
    publish_offer(db_session, name="Welcome drink", perk_type="amenity",
                  rule={"trigger": "booking", "nth_stay": 2})
    stay(db_session, "S1", ago=30)
    arriving = stay(db_session, "B1", status="confirmed", arrival=date.today())
    (perk_id,) = issue_for_stays(db_session, [arriving.id]).perk_ids
    sign_in(client, staff("front_desk", "H1"))
    board = client.get("/desk/?property=H1").get_data(as_text=True)
    from guestcrm.models import Perk

    code = db_session.get(Perk, perk_id).code
    assert f"Hand over: Welcome drink, code {code}" in board


def test_a_front_desk_agent_gives_a_perk_from_the_drawer(client, db_session):
    done = stay(db_session, "S1")
    offer = publish_offer(db_session, name="Free drink", perk_type="amenity",
                          property_ids=[done.property_id], max_per_guest_per_year=1)
    token = sign_in(client, staff("front_desk", "H1"))
    url = f"/desk/guests/{done.profile_id}/perks?property=H1"
    given = client.post(url, data={"offer": str(offer.id), "csrf_token": token},
                        headers={"HX-Request": "true"})
    assert given.status_code == 200
    assert "Perk issued: code GC-" in given.get_data(as_text=True)
    again = client.post(url, data={"offer": str(offer.id), "csrf_token": token},
                        headers={"HX-Request": "true"})
    assert again.status_code == 422 and "cap" in again.get_data(as_text=True)
    drawer = client.get(f"/desk/guests/{done.profile_id}?property=H1",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Free drink" in drawer and "code <code>GC-" in drawer
