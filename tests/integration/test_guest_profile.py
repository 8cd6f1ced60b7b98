"""The full profile at /guests/<id>: what it shows, who may open it, and staff corrections
(audited, kept when the PMS sends the stay again)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from guestcrm.models import AuditEntry, GuestProfile
from guestcrm.services.ingest.reservations import ingest_reservation
from guestcrm.services.recognition.desk import check_in
from tests.builders import reservation
from tests.factories import PropertyFactory, csrf_from, sign_in, staff

pytestmark = pytest.mark.integration
TODAY = date.today()


@pytest.fixture
def hotels(db_session):
    return {"BER": PropertyFactory(code="BER", name="Berlin Mitte", country="DE"),
            "VIE": PropertyFactory(code="VIE", name="Wien Ring", country="AT")}


def book(session, external_id: str, hotel: str = "BER", **kw) -> GuestProfile:
    stay = ingest_reservation(session, reservation(external_id, property_code=hotel, **kw)).stay
    session.commit()  # a savepoint: a refused request's rollback must not take it away
    return session.get(GuestProfile, stay.profile_id)


@pytest.fixture
def agent(client, hotels):
    user = staff("front_desk", "BER")
    return sign_in(client, user)


def test_the_profile_shows_contacts_ids_and_every_stay_with_its_real_state(
        db_session, client, hotels, agent):
    guest = book(db_session, "OLD-1", arrival=TODAY - timedelta(days=40), loyalty="CLUB-7",
                 phone="+49 30 1234567", first_name="Jürgen", last_name="Müller")
    book(db_session, "NOW-1", arrival=TODAY - timedelta(days=1), first_name="Jürgen",
         last_name="Müller", loyalty="CLUB-7")
    book(db_session, "NEXT-1", hotel="VIE", arrival=TODAY + timedelta(days=30),
         first_name="Jürgen", last_name="Müller", loyalty="CLUB-7")
    page = client.get(f"/guests/{guest.id}").get_data(as_text=True)
    assert "Jürgen Müller" in page
    assert "anna.huber@mail.test" in page and "+49 30 1234567" in page
    assert "CLUB 7" not in page and "CLUB CLUB-7" in page
    assert "Past stay (no check-in on record)" in page          # OLD-1: over, never confirmed
    assert "Not checked in: possible no-show" in page            # NOW-1: arrived yesterday
    assert "Upcoming" in page and "Wien Ring" in page            # NEXT-1, at another hotel
    assert ">Confirmed<" not in page and "confirmed" not in page.lower().split("h-stays")[1]


def test_a_check_in_makes_the_stay_in_house(db_session, client, hotels, agent):
    guest = book(db_session, "NOW-1", arrival=TODAY - timedelta(days=1))
    check_in(db_session, guest_stay(db_session, "NOW-1"), actor="staff:1")
    page = client.get(f"/guests/{guest.id}").get_data(as_text=True)
    assert "In house" in page and "checked in" in page


def guest_stay(session, external_id):
    from guestcrm.models import Stay

    return session.scalar(select(Stay).where(Stay.external_id == external_id))


def test_a_guest_with_no_stay_at_my_hotels_answers_404(db_session, client, hotels, agent):
    stranger = book(db_session, "V-1", hotel="VIE", first_name="Theresia", last_name="Ober")
    assert client.get(f"/guests/{stranger.id}").status_code == 404
    response = client.post(f"/guests/{stranger.id}", data={
        "csrf_token": agent, "first_name": "X", "last_name": "Y"})
    assert response.status_code == 404
    assert db_session.get(GuestProfile, stranger.id).first_name == "Theresia"
    assert client.get("/guests/999999").status_code == 404


def test_a_revenue_manager_may_not_open_guests(db_session, client, hotels):
    sign_in(client, staff("revenue_manager", "BER"))
    assert client.get("/guests").status_code == 403


def test_a_correction_is_saved_audited_and_redirects(db_session, client, hotels, agent):
    guest = book(db_session, "R1", first_name="Ana", last_name="Hubr")
    response = client.post(f"/guests/{guest.id}", data={
        "csrf_token": agent, "first_name": "Anna", "last_name": "Huber",
        "email": "anna@new-mail.test", "phone": "030 7654321", "language": "de",
        "company": "ACME Reisen"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/guests/{guest.id}")
    db_session.expire_all()
    profile = db_session.get(GuestProfile, guest.id)
    assert (profile.first_name, profile.last_name, profile.language, profile.company) == (
        "Anna", "Huber", "de", "ACME Reisen")
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "profile.correct"))
    assert entry.target_id == str(guest.id) and entry.actor.startswith("staff:")
    assert entry.details["changes"]["first_name"] == ["Ana", "Anna"]
    assert entry.details["changes"]["phone"] == [None, "030 7654321"]
    page = client.get(f"/guests/{guest.id}").get_data(as_text=True)
    assert "Saved." in page and "anna@new-mail.test" in page
    # Found again under the corrected name and company, and the number as written.
    assert client.get("/guests?q=huber+anna").get_data(as_text=True).count(
        f"/guests/{guest.id}") == 1
    assert f"/guests/{guest.id}" in client.get("/guests?q=acme+reisen").get_data(as_text=True)
    assert f"/guests/{guest.id}" in client.get("/guests?q=%2B49307654321").get_data(as_text=True)


def test_the_matcher_finds_a_corrected_guest_under_the_new_name_and_contacts(
        db_session, client, hotels, agent):
    from guestcrm.models import ProfileMatchRecord

    guest = book(db_session, "R1", first_name="Ana", last_name="Hubr")
    client.post(f"/guests/{guest.id}", data={
        "csrf_token": agent, "first_name": "Anna", "last_name": "Huber",
        "email": "anna@new-mail.test", "phone": "030 7654321", "language": "de",
        "company": ""})
    db_session.expire_all()
    records = db_session.get(ProfileMatchRecord, guest.id).records
    assert any(r.get("last_name") == "Huber" and r.get("first_name") == "Anna" for r in records)
    assert any(r.get("email") == "anna@new-mail.test" for r in records)


def test_a_correction_outlives_a_later_pms_update_of_the_stay(db_session, client, hotels, agent):
    guest = book(db_session, "R1", first_name="Ana", last_name="Hubr", email="old@mail.test")
    client.post(f"/guests/{guest.id}", data={
        "csrf_token": agent, "first_name": "Anna", "last_name": "Huber",
        "email": "anna@new-mail.test", "language": "it"})
    ingest_reservation(db_session, reservation(
        "R1", property_code="BER", modified_at="2030-01-01T10:00:00+00:00", nights=3,
        guests=[{"first_name": "Ana", "last_name": "Hubr", "language": "de",
                 "emails": [{"address": "old@mail.test"}]}]))
    db_session.flush()
    db_session.expire_all()
    profile = db_session.get(GuestProfile, guest.id)
    assert (profile.first_name, profile.last_name, profile.language) == ("Anna", "Huber", "it")
    page = client.get(f"/guests/{guest.id}").get_data(as_text=True)
    assert 'value="anna@new-mail.test"' in page  # the form shows the staff address first
    assert "3 nights" in page  # the update itself applied to the stay, which stayed with her


def test_a_refused_correction_keeps_what_was_typed_and_says_why(db_session, client, hotels,
                                                               agent):
    guest = book(db_session, "R1", first_name="Ana", last_name="Hubr")
    response = client.post(f"/guests/{guest.id}", data={
        "csrf_token": agent, "first_name": "Annabel", "last_name": "Huber",
        "email": "not-an-address", "phone": "", "language": "de"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Annabel"' in page and 'value="not-an-address"' in page
    assert "not an email address" in page and 'aria-invalid="true"' in page
    db_session.expire_all()
    assert db_session.get(GuestProfile, guest.id).first_name == "Ana"
    assert db_session.scalar(select(AuditEntry).where(
        AuditEntry.action == "profile.correct")) is None
    response = client.post(f"/guests/{guest.id}", data={
        "csrf_token": agent, "first_name": "Annabel", "last_name": ""})
    assert response.status_code == 422 and "This field is required." in response.get_data(
        as_text=True)


def test_a_correction_without_the_csrf_token_is_refused(db_session, client, hotels, agent):
    guest = book(db_session, "R1", first_name="Ana", last_name="Hubr")
    response = client.post(f"/guests/{guest.id}", data={"first_name": "X", "last_name": "Y"})
    assert response.status_code in (400, 422)
    db_session.expire_all()
    assert db_session.get(GuestProfile, guest.id).first_name == "Ana"


def test_the_search_page_answers_while_typing_and_without_javascript(db_session, client, hotels,
                                                                     agent):
    guest = book(db_session, "R1", first_name="Jürgen", last_name="Müller")
    book(db_session, "V-1", hotel="VIE", first_name="Jürgen", last_name="Mueller-Far")
    full = client.get("/guests?q=jurgen+mueller").get_data(as_text=True)
    assert '<form class="guest-search" method="get"' in full and 'for="q"' in full
    assert full.count('class="hit"') == 1 and f"/guests/{guest.id}" in full
    partial = client.get("/guests?q=jurgen+mueller",
                         headers={"HX-Request": "true", "HX-Target": "results"})
    text = partial.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="results"') and "<html" not in text
    listed = client.get("/guests").get_data(as_text=True)
    assert "Latest guests at your hotels" in listed and f"/guests/{guest.id}" in listed


def test_csrf_token_helper_reads_the_profile_form(db_session, client, hotels, agent):
    guest = book(db_session, "R1")
    assert csrf_from(client.get(f"/guests/{guest.id}").get_data(as_text=True))


def test_staff_keep_notes_and_traces_for_a_department_with_a_due_date(
        db_session, client, hotels, agent):
    from guestcrm.models import GuestNote

    guest = book(db_session, "R1", first_name="Ana", last_name="Huber")
    url = f"/guests/{guest.id}/notes"
    client.post(url, data={"csrf_token": agent, "kind": "note", "text": "Prefers the stairs"})
    refused = client.post(url, data={"csrf_token": agent, "kind": "trace", "text": "Cot"},
                          follow_redirects=True)
    assert "needs a department and a due date" in refused.get_data(as_text=True)
    client.post(url, data={"csrf_token": agent, "kind": "trace", "text": "Put a cot in",
                           "department": "housekeeping", "due_on": "2030-05-01"})
    page = client.get(f"/guests/{guest.id}").get_data(as_text=True)
    assert "Trace for housekeeping, due 2030-05-01" in page and "Prefers the stairs" in page
    trace = db_session.scalar(select(GuestNote).where(GuestNote.kind == "trace"))
    done = client.post(f"/guests/{guest.id}/notes/{trace.id}/done", data={"csrf_token": agent})
    assert done.status_code == 303
    db_session.refresh(trace)
    assert trace.done_at is not None and trace.done_by.startswith("staff:")
    actions = set(db_session.scalars(select(AuditEntry.action)))
    assert {"note.note", "note.trace", "note.trace_done"} <= actions


def test_the_profile_says_which_source_its_name_came_from_and_a_later_ota_copy_does_not_win(
        db_session, client, hotels, agent):
    guest = book(db_session, "DIR-1", arrival=TODAY - timedelta(days=40), channel="direct",
                 first_name="Jürgen", last_name="Groß", email="j.gross@mail.test")
    book(db_session, "OTA-1", arrival=TODAY - timedelta(days=5), channel="ota",
         first_name="JURGEN", last_name="GROSS", email="j.gross@mail.test",
         modified_at="2026-02-01T10:00:00+00:00")
    db_session.refresh(guest)
    assert (guest.first_name, guest.last_name) == ("Jürgen", "Groß")
    page = client.get(f"/guests/{guest.id}").get_data(as_text=True)
    assert "name from direct booking" in page
    drawer = client.get(f"/desk/guests/{guest.id}?property=BER",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Name from direct booking" in drawer
