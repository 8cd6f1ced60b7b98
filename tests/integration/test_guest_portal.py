"""The signed-in guest's portal: stays and perks, preferences that reach the desk board as the
guest's own wishes, contact details, consent with its history, linking a reservation (booking
reference + last name, or the confirmation's signed link), linked accounts, the email sign-in
link, and a guest who only ever sees their own profile."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from guestcrm.models import (
    ConsentEvent,
    EmailSignInLink,
    ExternalId,
    GuestProfile,
    OutboundMail,
    Preference,
)
from guestcrm.services.perks.issuing import issue_for_stays
from guestcrm.services.portal.linking import claim_token
from tests.integration.perk_support import guest, publish_offer, stay
from tests.integration.test_guest_sign_in import CALLBACK, signed_in_profile, start
from tests.oidc_provider import walk_provider

pytestmark = pytest.mark.integration


def signed_in(client, login="anna.huber@mail.test"):
    back = walk_provider(start(client), login, CALLBACK)
    assert client.get(back[len("http://localhost"):]).status_code == 302
    return csrf(client)


def csrf(client, path="/me/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_guest_sees_stays_at_every_hotel_and_perks_with_their_codes(portal_client,
                                                                       portal_session):
    publish_offer(portal_session, rule={"nth_stay": 2})
    first = stay(portal_session, "A1", hotel="H1")
    stay(portal_session, "A2", hotel="H2", ago=100)
    issue_for_stays(portal_session, [first.id])
    signed_in(portal_client)
    page = portal_client.get("/me/").get_data(as_text=True)
    assert "H1" in page and "H2" in page
    assert re.search(r"<code>GC-[0-9A-Z-]{19}</code>", page)


def test_preferences_reach_the_desk_board_as_the_guests_own_wishes(portal_client,
                                                                   portal_session, app):
    stay(portal_session, "A1", ago=40)
    arriving = stay(portal_session, "B1", status="confirmed", arrival=date.today())
    token = signed_in(portal_client)
    refused = portal_client.post("/me/preferences", data={"bed": "waterbed",
                                                          "csrf_token": token})
    assert refused.status_code == 422 and "choose one of" in refused.get_data(as_text=True)
    saved = portal_client.post("/me/preferences", data={
        "bed": "king", "floor": "high", "dietary": "vegetarian", "csrf_token": token})
    assert saved.status_code == 302
    wishes = {(p.key, p.value, p.source) for p in portal_session.scalars(
        select(Preference).where(Preference.profile_id == arriving.profile_id))}
    assert ("bed", "king", "guest") in wishes and ("dietary", "vegetarian", "guest") in wishes
    from tests.factories import sign_in, staff

    desk = app.test_client()
    with app.app_context():
        sign_in(desk, staff("front_desk", "H1"))
    board = desk.get("/desk/?property=H1").get_data(as_text=True)
    assert "bed: king (guest&#39;s own wish)" in board


def test_contact_details_and_consent_with_history(portal_client, portal_session):
    done = stay(portal_session, "A1", who=guest(consent=None))
    token = signed_in(portal_client)
    answer = portal_client.post("/me/contact", data={
        "phone": "0660 1234567", "country": "AT", "city": "Wien", "language": "de",
        "csrf_token": token})
    assert answer.status_code == 302
    profile = portal_session.get(GuestProfile, done.profile_id)
    portal_session.refresh(profile)
    assert profile.city == "Wien" and profile.language == "de"
    assert any(c.value_normalized == "+436601234567" for c in profile.contacts)
    bad = portal_client.post("/me/contact", data={"phone": "12", "csrf_token": token})
    assert bad.status_code == 422 and 'value="12"' in bad.get_data(as_text=True)
    portal_client.post("/me/consent", data={"email.offers": "1", "sms.surveys": "1",
                                            "csrf_token": token})
    portal_client.post("/me/consent", data={"sms.surveys": "1", "csrf_token": token})
    events = [(e.channel, e.purpose, e.granted) for e in portal_session.scalars(
        select(ConsentEvent).where(ConsentEvent.profile_id == profile.id)
        .order_by(ConsentEvent.id))]
    assert events == [("email", "offers", True), ("sms", "surveys", True),
                      ("email", "offers", False)]
    portal_session.refresh(profile)
    assert profile.marketing_consent is False  # perk mails follow the email-offers answer
    page = portal_client.get("/me/consent").get_data(as_text=True)
    assert page.count("(guest)") == 3


def test_a_reservation_is_linked_by_booking_reference_and_last_name(portal_client,
                                                                    portal_session):
    earlier = stay(portal_session, "BK-4711", who=guest(email="old@mail.test"))
    token = signed_in(portal_client, "new.address@mail.test")
    mine = signed_in_profile(portal_session)
    assert mine.id != earlier.profile_id
    wrong = portal_client.post("/me/link", data={"booking_ref": "BK-4711",
                                                 "last_name": "Maier", "csrf_token": token})
    assert wrong.status_code == 422
    right = portal_client.post("/me/link", data={"booking_ref": "BK-4711",
                                                 "last_name": "HUBER", "csrf_token": token})
    assert right.status_code == 302
    portal_session.expire_all()
    merged = {portal_session.get(GuestProfile, mine.id).merged_into_id,
              portal_session.get(GuestProfile, earlier.profile_id).merged_into_id}
    assert merged - {None} == {earlier.profile_id} or merged - {None} == {mine.id}
    assert "H1" in portal_client.get("/me/").get_data(as_text=True)


def test_the_signed_link_of_a_confirmation_links_its_reservation(portal_app, portal_client,
                                                                 portal_session):
    earlier = stay(portal_session, "C-1", who=guest(email="other@mail.test"))
    link = claim_token(portal_app.config["SECRET_KEY"], earlier.id)
    assert portal_client.get(f"/me/claim/{link}").status_code == 302  # sign in first
    token = signed_in(portal_client, "someone@mail.test")
    assert portal_client.post(f"/me/claim/{link}x", data={"csrf_token": token}
                              ).status_code == 422
    assert portal_client.post(f"/me/claim/{link}", data={"csrf_token": token}
                              ).status_code == 302
    portal_session.expire_all()
    assert "H1" in portal_client.get("/me/").get_data(as_text=True)


def test_unlinking_keeps_one_way_to_sign_in_and_never_touches_another_guests_link(
        portal_client, portal_session, portal_app):
    token = signed_in(portal_client, "unverified-solo@mail.test")  # no verified email
    (own,) = portal_session.scalars(select(ExternalId).where(ExternalId.kind == "social"))
    refused = portal_client.post(f"/me/accounts/{own.id}/unlink", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "only way to sign in" in refused.get_data(as_text=True)
    other_client = portal_app.test_client()
    signed_in(other_client, "bob@mail.test")
    bob_link = portal_session.scalar(select(ExternalId).where(
        ExternalId.kind == "social", ExternalId.value == "bob@mail.test"))
    portal_client.post(f"/me/accounts/{bob_link.id}/unlink", data={"csrf_token": token})
    assert portal_session.get(ExternalId, bob_link.id) is not None


def test_every_me_url_shows_only_the_signed_in_guests_own_data(portal_app, portal_client,
                                                               portal_session):
    publish_offer(portal_session, rule={"nth_stay": 1})
    theirs = stay(portal_session, "SECRET-9", hotel="HX",
                  who=guest(first="Zora", last="Secret", email="zora@mail.test"))
    issue_for_stays(portal_session, [theirs.id])
    portal_session.add(Preference(profile_id=theirs.profile_id, key="pillow",
                                  value="zora-pillow", source="guest", times_seen=1))
    portal_session.commit()
    zora_link = portal_session.scalar(select(ExternalId.id).where(
        ExternalId.profile_id == theirs.profile_id))
    token = signed_in(portal_client, "mallory@mail.test")
    for path in ("/me/", "/me/preferences", "/me/contact", "/me/consent", "/me/accounts",
                 "/me/link", f"/me/accounts/{theirs.profile_id}/unlink"):
        answer = (portal_client.post(path, data={"csrf_token": token}, follow_redirects=True)
                  if "unlink" in path else portal_client.get(path))
        page = answer.get_data(as_text=True)
        for secret in ("Zora", "zora@mail.test", "HX", "zora-pillow", "SECRET-9"):
            assert secret not in page, (path, secret)
    assert zora_link is None or portal_session.get(ExternalId, zora_link) is not None


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(portal_client, portal_session):
    for path in ("/me/preferences", "/me/contact", "/me/consent", "/me/accounts", "/me/link"):
        answer = portal_client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith(
            "/me/?next="), path


def test_an_email_link_signs_in_once_and_expires(portal_client, portal_session):
    earlier = stay(portal_session, "E-1")
    page = portal_client.get("/me/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for address in ("anna.huber@mail.test", "not an address"):
        answer = portal_client.post("/me/email", data={"email": address, "csrf_token": token})
        assert answer.status_code == 200 and "Check your mail" in answer.get_data(as_text=True)
    mail = portal_session.scalar(select(OutboundMail).where(
        OutboundMail.subject == "Your sign-in link"))
    link = re.search(r"http://localhost(/me/email/\S+)", mail.body).group(1)
    assert portal_client.get(link).status_code == 200  # a confirmation page, not used yet
    used = portal_client.post(link, data={"csrf_token": token})
    assert used.status_code == 302
    assert signed_in_profile(portal_session).id == earlier.profile_id
    again = portal_client.post(link, data={"csrf_token": csrf(portal_client)})
    assert again.status_code == 400
    stale = portal_session.scalar(select(EmailSignInLink))
    stale.used_at, stale.expires_at = None, stale.created_at - timedelta(minutes=1)
    portal_session.commit()
    assert portal_client.post(link, data={"csrf_token": csrf(portal_client)}).status_code == 400


def test_the_portal_speaks_german(portal_client, portal_session):
    page = portal_client.get("/me/?lang=de").get_data(as_text=True)
    assert "Anmeldelink per E-Mail senden" in page and 'lang="de"' in page
    page = portal_client.get("/me/", headers={"Accept-Language": "de-AT,de;q=0.9"}
                             ).get_data(as_text=True)
    assert "Anmelden" in page  # the choice is kept


def test_a_merge_and_its_undo_carry_social_links_consent_and_sessions(portal_client,
                                                                      portal_session):
    from guestcrm.models import GuestSession, MergeRecord
    from guestcrm.services.identity.unmerge import unmerge

    earlier = stay(portal_session, "BK-9", who=guest(email="old@mail.test"))
    token = signed_in(portal_client, "new.me@mail.test")
    mine = signed_in_profile(portal_session).id
    portal_client.post("/me/consent", data={"email.newsletter": "1", "csrf_token": token})
    portal_client.post("/me/link", data={"booking_ref": "BK-9", "last_name": "Huber",
                                         "csrf_token": token})
    record = portal_session.scalar(select(MergeRecord))
    survivor = record.survivor_id
    owners = lambda model: {row.profile_id for row in portal_session.scalars(select(model))}  # noqa: E731
    portal_session.expire_all()
    assert owners(ConsentEvent) == {survivor} and owners(GuestSession) == {survivor}
    assert {x.profile_id for x in portal_session.scalars(select(ExternalId).where(
        ExternalId.kind == "social"))} == {survivor}
    unmerge(portal_session, record.id, actor="staff:1")
    portal_session.commit()
    portal_session.expire_all()
    assert owners(ConsentEvent) == {mine} and owners(GuestSession) == {mine}
    assert {x.profile_id for x in portal_session.scalars(select(ExternalId).where(
        ExternalId.kind == "social"))} == {mine}
    assert earlier.profile_id in {survivor, mine}


def test_a_sign_in_link_is_made_from_the_public_address_not_the_host_header(
        portal_app, portal_client, portal_session):
    portal_app.config["PUBLIC_URL"] = "https://crm.hotel.test"
    try:
        token = csrf(portal_client)
        portal_client.post("/me/email", data={"email": "anna.huber@mail.test",
                                               "csrf_token": token})
    finally:
        portal_app.config["PUBLIC_URL"] = None
    mail = portal_session.scalar(select(OutboundMail).where(
        OutboundMail.subject == "Your sign-in link"))
    # Not the request's own address (localhost here; a forged Host header elsewhere).
    assert "https://crm.hotel.test/me/email/" in mail.body and "localhost" not in mail.body
