"""Export, erasure and retention on PostgreSQL, with real messages in the inbox: after an
erasure no personal field of the guest remains anywhere in the database (every text, JSON and
binary column of every table is scanned, so a new table is covered without being named), the
stays keep their figures, and other guests (one sharing a stay too) are untouched."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, select

from connectors.registry import get_connector
from guestcrm.db.types import utcnow
from guestcrm.extensions import db
from guestcrm.models import (
    ContactPoint,
    DeskEvent,
    ExternalId,
    GuestProfile,
    GuestSession,
    InboxEvent,
    NotSamePair,
    PrivacyRequest,
    ReviewTask,
    Stay,
    VipLevel,
)
from guestcrm.services.identity.merge import merge_profiles
from guestcrm.services.identity.review_tasks import decide
from guestcrm.services.ingest.inbox import accept_message
from guestcrm.services.ingest.processing import process_inbox_event
from guestcrm.services.ingest.reservations import ingest_reservation
from guestcrm.services.portal.email_links import request_link
from guestcrm.services.privacy.erasure import erase_guest
from guestcrm.services.privacy.export import export_guest
from guestcrm.services.privacy.retention import apply_retention, set_retention_years
from guestcrm.services.recognition.desk import log_complaint, log_preference
from guestcrm.services.value.vip import assign_vip
from tests.builders import reservation
from tests.factories import staff
from tests.samples import SAMPLES

pytestmark = pytest.mark.integration
SAMPLE = SAMPLES / "opentravel" / "2011B" / "samples" / "OTA_HotelResNotifRQ.xml"
DAVID = ("David", "Dewberry", "david.dewberry@dewberrycorp.com", "7245554321")
ZOE = ("Zoe", "Quokka", "zoe.quokka@quokkamail.net", "6505550199")


def message(who: tuple[str, str, str, str], res_id: str) -> bytes:
    body = SAMPLE.read_text()
    for old, new in zip(DAVID, who, strict=True):
        body = body.replace(old, new)
    return re.sub(r'ResID_Value="[^"]+"', f'ResID_Value="{res_id}"', body).encode()


def push(session, body: bytes) -> InboxEvent:
    extracted = get_connector("opentravel").extract(body, "application/xml", {})
    event = accept_message(session, "opentravel", extracted, credential="test").event
    processed = process_inbox_event(session, event.id)
    assert processed.status == "processed", processed.error
    return processed


def profile_named(session, last: str) -> GuestProfile:
    return session.scalar(select(GuestProfile).where(GuestProfile.last_name == last,
                                                     GuestProfile.merged_into_id.is_(None)))


def everything_in_the_database(session) -> list[tuple[str, str, str]]:
    """(table, column, text) for every text, JSON and binary value of every table."""
    out = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, String | Text | JSON | LargeBinary)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes):
                    text = value.decode("utf-8", errors="replace")
                elif isinstance(value, str):
                    text = value
                else:
                    text = json.dumps(value, ensure_ascii=False)
                out.append((table.name, column.name, text))
    return out


def found(session, needles) -> list[tuple[str, str, str]]:
    hits = []
    for table, column, text in everything_in_the_database(session):
        for needle in needles:
            if needle.lower() in text.lower():
                hits.append((table, column, needle))
    return hits


@pytest.fixture
def guests(db_session):
    push(db_session, message(DAVID, "D-100"))
    push(db_session, message(ZOE, "Z-200"))
    david = profile_named(db_session, "Dewberry")
    # A stay David shares with his partner, who stays.
    shared = ingest_reservation(db_session, reservation(
        "SHARED-1", arrival=date.today() - timedelta(days=30), amount="480.00",
        guests=[{"first_name": "David", "last_name": "Dewberry",
                 "emails": [{"address": DAVID[2]}]},
                {"first_name": "Petra", "last_name": "Partner",
                 "emails": [{"address": "petra.partner@partnermail.net"}]}]))
    db_session.commit()
    return david.id, shared.stay.id


def test_an_export_holds_everything_including_the_messages_that_name_the_guest(
        db_session, guests):
    david, _ = guests
    data = export_guest(db_session, david)
    json.dumps(data)  # plain JSON
    assert data["profiles"][0]["last_name"] == "Dewberry"
    assert any(c["value_raw"] == DAVID[2] for c in data["contact_point"])
    assert any("Dewberry" in m["body"] for m in data["inbox_messages"])
    assert not any("Quokka" in m["body"] for m in data["inbox_messages"])
    assert {s["external_id"] for s in data["stays"]} >= {"SHARED-1"}
    assert all("token_digest" not in row for row in data.get("guest_session", []))


def test_an_export_holds_the_rows_that_name_the_guest_in_either_of_two_columns(
        db_session, guests):
    david, _ = guests
    zoe = profile_named(db_session, "Quokka").id
    early = profile_named(db_session, "Partner").id
    db_session.add_all([
        ReviewTask(profile_a_id=min(david, zoe), profile_b_id=max(david, zoe),
                   probability=0.7, weight=1.0, evidence={"last_name": "different"}),
        NotSamePair(profile_a_id=min(david, early), profile_b_id=max(david, early), by="dpo")])
    db_session.commit()
    data = export_guest(db_session, david)
    assert [(t["profile_a_id"], t["profile_b_id"]) for t in data["review_task"]] == [
        (min(david, zoe), max(david, zoe))]
    assert [(p["profile_a_id"], p["profile_b_id"]) for p in data["not_same_pair"]] == [
        (min(david, early), max(david, early))]


def test_after_erasure_no_personal_data_of_the_guest_remains_anywhere(db_session, guests):
    david, shared_stay = guests
    stays_before = {s.id: (s.amount, s.nights, s.arrival, s.channel) for s in
                    db_session.scalars(select(Stay))}
    assert found(db_session, DAVID)  # the scan sees them before
    report = erase_guest(db_session, david, actor="dpo")
    db_session.expire_all()
    assert found(db_session, DAVID) == []
    # The figures stay.
    assert {s.id: (s.amount, s.nights, s.arrival, s.channel) for s in
            db_session.scalars(select(Stay))} == stays_before
    assert db_session.get(Stay, shared_stay).amount == Decimal("480.00")
    erased = db_session.get(GuestProfile, david)
    assert erased.erased_at is not None and erased.display_name == f"Guest #{david}"
    # Other guests are untouched: Zoe everywhere, and the partner in the shared stay.
    for needle in ZOE + ("Petra", "Partner", "petra.partner@partnermail.net"):
        assert found(db_session, [needle]), needle
    zoe = profile_named(db_session, "Quokka")
    assert zoe.first_name == "Zoe" and zoe.contacts
    request = db_session.scalar(select(PrivacyRequest))
    assert (request.kind, request.status, request.profile_id) == ("erasure", "done", david)
    assert report.counts["inbox_event"] >= 1


def push_failing(session, body: bytes) -> InboxEvent:
    extracted = get_connector("opentravel").extract(body, "application/xml", {})
    event = accept_message(session, "opentravel", extracted, credential="test").event
    failed = process_inbox_event(session, event.id)
    assert failed.status == "failed"
    return failed


DAVE = ("Dave", "dave.dewberry@dewberry-home.net", "google-subject-8675309")


@pytest.fixture
def davids_whole_file(db_session, guests):
    """Everything else a guest leaves behind: a second profile merged into theirs, a social
    link, wishes, a complaint, a VIP reason, a review decision, portal sign-in links and a
    session, a desk check-in, and a message that named them but failed."""
    david_id, shared = guests
    david = db_session.get(GuestProfile, david_id)
    zoe = profile_named(db_session, "Quokka")
    hotel = db_session.get(Stay, shared).property
    desk = staff("admin").id
    dave = GuestProfile(first_name=DAVE[0], last_name="Dewberry", field_versions={},
                        channel_mix={}, notes="Dave prefers the quiet wing")
    db_session.add(dave)
    db_session.flush()
    db_session.add(ContactPoint(profile_id=dave.id, kind="email", value_raw=DAVE[1],
                                value_normalized=DAVE[1], source="staff"))
    merge_profiles(db_session, david, dave, rule="staff", actor="staff:1")
    db_session.add(ExternalId(profile_id=david_id, kind="social", system="google",
                              value=DAVE[2]))
    david.notes = "David Dewberry likes the corner suite"
    log_preference(db_session, david, "pillow", "feather-free for Mr Dewberry", staff_id=desk)
    log_complaint(db_session, david, hotel, desk, "noise", "David Dewberry heard the lift",
                  "Dewberry moved upstairs", None)
    db_session.add(VipLevel(code="ceo", label="Chief executive"))
    db_session.flush()
    assign_vip(db_session, david, "ceo", "David Dewberry runs Dewberry Corp", actor="staff:1")
    low, high = sorted((david_id, zoe.id))
    task = ReviewTask(profile_a_id=low, profile_b_id=high, probability=0.6, weight=1.0,
                      evidence={"email": "different"})
    db_session.add(task)
    db_session.flush()
    decide(db_session, task, same=False, actor="staff:1",
           reason="Zoe is not David Dewberry, asked him at the desk")
    db_session.add(GuestSession(profile_id=david_id, token_digest="d" * 64, method="google",
                                expires_at=utcnow() + timedelta(days=1)))
    db_session.add(DeskEvent(property_id=hotel.id, stay_id=shared, profile_id=david_id,
                             message="David Dewberry checked in", actor="staff:1"))
    db_session.add(PrivacyRequest(profile_id=david_id, kind="export", requested_by="dpo",
                                  status="done", note="David Dewberry asked by phone"))
    db_session.commit()
    request_link(db_session, DAVID[2], link_for=lambda token: f"https://crm.example/me/{token}")
    push_failing(db_session, message(DAVID, "D-FAIL").replace(b'HotelCode="WASJW"',
                                                                b'HotelCode=""'))
    return david_id


def test_erasure_reaches_every_kind_of_record_the_guest_left(db_session, davids_whole_file):
    needles = DAVID + DAVE
    before = {table for table, _, _ in found(db_session, needles)}
    assert {"guest_profile", "external_id", "vip_assignment", "audit_entry", "not_same_pair",
            "outbound_mail", "email_sign_in_link", "desk_event", "inbox_event",
            "privacy_request"} <= before
    erase_guest(db_session, davids_whole_file, actor="dpo")
    db_session.expire_all()
    left = sorted(set(found(db_session, needles)))
    assert left == [], left
    assert db_session.scalar(select(GuestSession)) is None
    assert profile_named(db_session, "Quokka").first_name == "Zoe"


def test_an_export_holds_what_erasure_reaches_beyond_the_profiles_rows(
        db_session, davids_whole_file):
    data = export_guest(db_session, davids_whole_file)
    json.dumps(data)
    assert {p["first_name"] for p in data["profiles"]} == {"David", "Dave"}
    assert [link["value"] for link in data["external_id"] if link["kind"] == "social"] == [
        DAVE[2]]
    assert any(m["status"] == "failed" and "Dewberry" in m["body"]
               for m in data["inbox_messages"])
    assert any(m["subject"] == "Your sign-in link" for m in data["outbound_mail"])
    assert [link["email"] for link in data["email_sign_in_link"]] == [DAVID[2]]
    assert all("token_digest" not in row for row in data["email_sign_in_link"])
    assert any(e["action"] == "review.different" for e in data["audit_entries"])
    assert data["vip_assignment"][0]["reason"].startswith("David Dewberry")


def test_in_a_stay_another_guest_booked_only_what_names_the_erased_guest_goes(
        db_session, guests):
    david, _ = guests
    booked = ingest_reservation(db_session, reservation(
        "PETRA-1", arrival=date.today() - timedelta(days=60), amount="300.00",
        special_requests=["Champagne for David Dewberry", "Late check-out"],
        comments=["Petra pays"],
        guests=[{"first_name": "Petra", "last_name": "Partner",
                 "emails": [{"address": "petra.partner@partnermail.net"}]},
                {"first_name": "David", "last_name": "Dewberry",
                 "emails": [{"address": DAVID[2]}]}])).stay
    db_session.commit()
    assert booked.profile_id != david
    erase_guest(db_session, david, actor="dpo")
    db_session.expire_all()
    stay = db_session.get(Stay, booked.id)
    assert stay.special_requests == ["Champagne for [erased]", "Late check-out"]
    assert stay.comments == ["Petra pays"] and stay.amount == Decimal("300.00")


def test_retention_erases_only_guests_past_the_limit(db_session, guests):
    david, _ = guests
    zoe = profile_named(db_session, "Quokka").id
    set_retention_years(db_session, 2, actor="dpo")
    ten_years_on = date.today() + timedelta(days=3653)
    assert apply_retention(db_session, dry_run=True, today=date.today()) == []
    due = apply_retention(db_session, dry_run=True, today=ten_years_on)
    assert david in due and zoe in due
    # Zoe stays again: she is no longer past the limit.
    ingest_reservation(db_session, reservation(
        "Z-NEW", arrival=ten_years_on - timedelta(days=10),
        guests=[{"first_name": "Zoe", "last_name": "Quokka", "emails": [{"address": ZOE[2]}]}]))
    db_session.commit()
    erased = apply_retention(db_session, today=ten_years_on)
    assert david in erased and zoe not in erased
    assert db_session.get(GuestProfile, david).erased_at is not None
    assert db_session.get(GuestProfile, zoe).erased_at is None


def test_retention_erases_in_batches_and_a_dry_run_lists_every_guest_due(
        app, db_session, guests):
    set_retention_years(db_session, 2, actor="dpo")
    ten_years_on = date.today() + timedelta(days=3653)
    everyone = sorted(db_session.scalars(select(GuestProfile.id)))
    assert len(everyone) == 3
    assert sorted(apply_retention(db_session, dry_run=True, today=ten_years_on,
                                  batch=2)) == everyone
    assert sorted(apply_retention(db_session, today=ten_years_on, batch=2)) == everyone
    db_session.expire_all()
    assert all(db_session.get(GuestProfile, i).erased_at for i in everyone)
    kinds = {r.kind for r in db_session.scalars(select(PrivacyRequest))}
    assert kinds == {"retention"}


def test_the_retention_command_reports_what_a_dry_run_would_erase(app, db_session, guests):
    result = app.test_cli_runner().invoke(args=["privacy-retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "retention 7 years: would erase 0 guests" in result.output
    assert db_session.scalar(select(PrivacyRequest)) is None


def test_the_data_protection_officers_page_is_for_admins_and_erases_after_confirmation(
        client, db_session, guests):
    from tests.factories import sign_in

    david, _ = guests
    token = sign_in(client, staff("front_desk", "H1"))
    assert client.get("/admin/privacy/").status_code == 403
    assert client.get(f"/admin/privacy/{david}/export.json").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, staff("admin"))
    page = client.get(f"/admin/privacy/?q={DAVID[2]}").get_data(as_text=True)
    assert f"guest {david}" in page
    download = client.get(f"/admin/privacy/{david}/export.json")
    assert download.status_code == 200 and "attachment" in download.headers[
        "Content-Disposition"] and download.headers["Cache-Control"] == "no-store"
    assert download.get_json()["profiles"][0]["last_name"] == "Dewberry"
    refused = client.post(f"/admin/privacy/{david}/erase", data={"confirm": "ERASE",
                                                                 "csrf_token": token})
    assert refused.status_code == 302
    assert db_session.get(GuestProfile, david).erased_at is None
    done = client.post(f"/admin/privacy/{david}/erase", data={"confirm": f"ERASE {david}",
                                                              "csrf_token": token})
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(GuestProfile, david).erased_at is not None
    kinds = [r.kind for r in db_session.scalars(select(PrivacyRequest)
                                                .order_by(PrivacyRequest.id))]
    assert kinds == ["export", "erasure"]
    refused = client.post("/admin/privacy/retention", data={"years": "40", "csrf_token": token})
    assert refused.status_code == 422 and "0 (off) to 30 years" in refused.get_data(as_text=True)
    from guestcrm.services.privacy.retention import retention_years

    assert retention_years(db_session) == 7


def test_only_admins_may_erase_or_set_retention_and_every_form_needs_its_csrf_token(
        client, db_session, guests):
    from tests.factories import sign_in

    david, _ = guests
    token = sign_in(client, staff("revenue_manager"))
    for url, data in ((f"/admin/privacy/{david}/erase", {"confirm": f"ERASE {david}"}),
                      ("/admin/privacy/retention", {"years": "1"})):
        assert client.post(url, data=data | {"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, staff("admin"))
    assert client.post(f"/admin/privacy/{david}/erase",
                       data={"confirm": f"ERASE {david}"}).status_code == 400
    assert client.get("/admin/privacy/999999/export.json").status_code == 404
    db_session.expire_all()
    assert db_session.get(GuestProfile, david).erased_at is None
    assert db_session.scalar(select(PrivacyRequest)) is None


def test_the_retention_setting_changed_on_the_page_is_audited_and_shown(client, db_session):
    from guestcrm.models import AuditEntry
    from tests.factories import sign_in

    admin = staff("admin")
    token = sign_in(client, admin)
    saved = client.post("/admin/privacy/retention", data={"years": "3", "csrf_token": token})
    assert saved.status_code == 302
    assert client.post("/admin/privacy/retention",
                       data={"years": "three", "csrf_token": token}).status_code == 302
    entry = db_session.scalar(select(AuditEntry).where(
        AuditEntry.action == "privacy.retention_setting"))
    assert (entry.actor, entry.details) == (f"staff:{admin.id}", {"before": None, "after": 3})
    assert 'name="years" type="number" min="0" max="30" value="3"' in client.get(
        "/admin/privacy/").get_data(as_text=True)
