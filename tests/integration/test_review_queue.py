"""The review queue and merge undo: every route × role, property scope, CSRF, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from guestcrm.models import (
    AuditEntry,
    GuestProfile,
    MergeRecord,
    NotSamePair,
    ReviewTask,
    StaffUser,
)
from guestcrm.services.identity.merge import merge_profiles
from tests.factories import ProfileFactory, PropertyFactory, StayFactory, sign_in, staff

OK = "ok"
EVIDENCE = {"levels": {"first": "exact", "last": "phonetic", "email": "missing", "dob": "else"},
            "bits": {"first": 6.5, "last": 4.1, "email": 0.0, "dob": -9.2}}


def task_between(a: GuestProfile, b: GuestProfile, probability: float = 0.8) -> ReviewTask:
    from guestcrm.extensions import db

    low, high = sorted((a.id, b.id))
    task = ReviewTask(profile_a_id=low, profile_b_id=high, probability=probability, weight=2.0,
                      evidence=EVIDENCE, status="open")
    db.session.add(task)
    db.session.flush()
    return task


def world() -> dict:
    from guestcrm.extensions import db

    mine, other = PropertyFactory(code="MINE"), PropertyFactory(code="OTHER")
    a, b = ProfileFactory(first_name="Lena", last_name="Vogel"), ProfileFactory(
        first_name="Lena", last_name="Fogel")
    StayFactory(guest=a, property_id=mine.id)
    StayFactory(guest=b, property_id=mine.id)
    c, d = ProfileFactory(first_name="Far", last_name="Away"), ProfileFactory(
        first_name="Far", last_name="Awai")
    StayFactory(guest=c, property_id=other.id)
    StayFactory(guest=d, property_id=other.id)
    e, f = ProfileFactory(first_name="Max"), ProfileFactory(first_name="Max")
    record = merge_profiles(db.session, e, f, rule="fuzzy:0.9990")
    return {"task": task_between(a, b).id, "far_task": task_between(c, d, 0.7).id,
            "merge": record.id, "a": a.id, "b": b.id}


def routes(ids: dict) -> list[tuple[str, str, str, dict]]:
    return [
        ("queue", "GET", "/admin/review/", {}),
        ("task", "GET", f"/admin/review/{ids['task']}", {}),
        ("decide", "POST", f"/admin/review/{ids['task']}/decide", {"decision": "different"}),
        ("merges", "GET", "/admin/review/merges", {}),
        ("undo", "POST", f"/admin/review/merges/{ids['merge']}/undo", {"reason": "twins"}),
    ]


EXPECTED = {
    "admin": {"queue": OK, "task": OK, "decide": OK, "merges": OK, "undo": OK},
    "front_desk:MINE": {"queue": OK, "task": OK, "decide": OK, "merges": 403, "undo": 403},
    "front_desk:OTHER": {"queue": OK, "task": 404, "decide": 404, "merges": 403, "undo": 403},
    "revenue_manager:MINE": {"queue": 403, "task": 403, "decide": 403, "merges": 403,
                             "undo": 403},
}


def outcome(response) -> str | int:
    if response.status_code == 200:
        return OK
    if response.status_code == 302:
        return "login" if "/login" in response.headers["Location"] else OK
    return response.status_code


def call(client, method, url, form, token):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={**form, "csrf_token": token} if token else form)


def account(who: str):
    role, _, prop = who.partition(":")
    return staff(role, prop) if prop else staff(role)


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_reaches_exactly_its_review_routes(client, db_session, who):
    ids = world()
    token = sign_in(client, account(who))
    seen = {name: outcome(call(client, method, url, form, token))
            for name, method, url, form in routes(ids)}
    assert seen == EXPECTED[who]


def test_signed_out_visitors_are_sent_to_sign_in_and_posts_are_refused(client, db_session):
    ids = world()
    for name, method, url, form in routes(ids):
        response = call(client, method, url, form, None)
        if method == "POST":
            assert response.status_code in (400, 302), name
            assert "/login" in response.headers.get("Location", "/login"), name
        else:
            assert outcome(response) == "login", name
    assert db_session.get(ReviewTask, ids["task"]).status == "open"
    assert db_session.get(MergeRecord, ids["merge"]).undone_at is None


def test_front_desk_sees_only_pairs_with_a_stay_at_their_hotel(client, db_session):
    world()
    sign_in(client, staff("front_desk", "OTHER"))
    page = client.get("/admin/review/").get_data(as_text=True)
    assert "Far" in page and "Vogel" not in page


def test_a_pair_is_shown_side_by_side_with_evidence_in_words_and_shortcuts(client, db_session):
    ids = world()
    sign_in(client, staff("front_desk", "MINE"))
    page = client.get(f"/admin/review/{ids['task']}").get_data(as_text=True)
    assert "Vogel" in page and "Fogel" in page
    assert "sounds the same, spelled differently" in page and "strongly against" in page
    assert "review.js" in page and 'accesskey="s"' in page and 'accesskey="d"' in page


def test_same_guest_merges_the_pair_and_is_audited(client, db_session):
    ids = world()
    user = staff("front_desk", "MINE")
    token = sign_in(client, user)
    response = client.post(f"/admin/review/{ids['task']}/decide",
                           data={"decision": "same", "csrf_token": token})
    assert response.status_code == 302
    assert db_session.get(GuestProfile, ids["b"]).merged_into_id == ids["a"]
    record = db_session.scalar(select(MergeRecord).where(MergeRecord.merged_id == ids["b"]))
    assert record.actor == f"staff:{user.id}" and record.rule == "staff:review"
    task = db_session.get(ReviewTask, ids["task"])
    assert task.status == "same" and task.decided_by == f"staff:{user.id}"
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "review.same"))


def test_different_guests_is_remembered_and_audited(client, db_session):
    ids = world()
    token = sign_in(client, staff("admin"))
    client.post(f"/admin/review/{ids['task']}/decide",
                data={"decision": "different", "reason": "cousins", "csrf_token": token})
    pair = db_session.scalar(select(NotSamePair))
    assert {pair.profile_a_id, pair.profile_b_id} == {ids["a"], ids["b"]}
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "review.different"))
    assert entry.details["reason"] == "cousins"


def test_a_decision_without_the_csrf_token_is_refused(client, db_session):
    ids = world()
    sign_in(client, staff("admin"))
    response = client.post(f"/admin/review/{ids['task']}/decide", data={"decision": "same"})
    assert response.status_code == 400
    assert db_session.get(ReviewTask, ids["task"]).status == "open"


def test_a_nonsense_decision_and_a_second_decision_change_nothing(client, db_session):
    ids = world()
    token = sign_in(client, staff("admin"))
    url = f"/admin/review/{ids['task']}/decide"
    assert client.post(url, data={"decision": "maybe", "csrf_token": token}).status_code == 400
    client.post(url, data={"decision": "different", "csrf_token": token})
    client.post(url, data={"decision": "same", "csrf_token": token})
    assert db_session.get(GuestProfile, ids["b"]).merged_into_id is None


def test_an_admin_undoes_a_merge_with_a_reason(client, db_session):
    ids = world()
    token = sign_in(client, staff("admin"))
    url = f"/admin/review/merges/{ids['merge']}/undo"
    client.post(url, data={"reason": "", "csrf_token": token})
    assert db_session.get(MergeRecord, ids["merge"]).undone_at is None
    client.post(url, data={"reason": "father and son", "csrf_token": token})
    assert db_session.get(MergeRecord, ids["merge"]).undone_at is not None


def test_a_pair_asked_about_never_reads_as_100_percent(client, db_session):
    a = GuestProfile(first_name="Ann", last_name="Lee", field_versions={}, channel_mix={})
    b = GuestProfile(first_name="Ann", last_name="Lee", field_versions={}, channel_mix={})
    db_session.add_all([a, b])
    db_session.flush()
    task = task_between(a, b, probability=0.9996)
    db_session.commit()
    sign_in(client, staff("admin"))
    for page in (client.get("/admin/review/"), client.get(f"/admin/review/{task.id}")):
        text = page.get_data(as_text=True)
        assert "100 %" not in text and "the rules want a person to decide" in text


def test_who_merged_with_one_key_can_take_it_back_right_after_and_no_one_else(
        client, db_session):
    from datetime import timedelta

    from guestcrm.db.types import utcnow

    hotel = PropertyFactory(code="H1")
    a, b = ProfileFactory(first_name="Ann"), ProfileFactory(first_name="Ann")
    for guest in (a, b):
        StayFactory(guest=guest, property_id=hotel.id)
    task = task_between(a, b)
    db_session.commit()
    token = sign_in(client, staff("front_desk", "H1"))
    client.post(f"/admin/review/{task.id}/decide", data={"decision": "same", "csrf_token": token})
    record = db_session.scalar(select(MergeRecord))
    page = client.get("/admin/review/").get_data(as_text=True)
    assert "Take it back" in page
    client.post("/logout", data={"csrf_token": token})
    colleague = staff("front_desk", "H1", email="colleague@hotel.test")
    other_token = sign_in(client, colleague)
    refused = client.post(f"/admin/review/merges/{record.id}/take-back",
                          data={"csrf_token": other_token})
    assert refused.status_code == 422
    client.post("/logout", data={"csrf_token": other_token})
    token = sign_in(client, db_session.scalar(select(StaffUser).where(
        StaffUser.email == "front_desk.h1@hotel.test")))
    record.created_at = utcnow() - timedelta(minutes=11)
    db_session.commit()
    late = client.post(f"/admin/review/merges/{record.id}/take-back",
                       data={"csrf_token": token})
    assert late.status_code == 422 and "an admin can undo it" in late.get_data(as_text=True)
    record.created_at = utcnow()
    db_session.commit()
    back = client.post(f"/admin/review/merges/{record.id}/take-back", data={"csrf_token": token})
    assert back.status_code == 302
    db_session.expire_all()
    assert db_session.get(MergeRecord, record.id).undone_at is not None
    assert db_session.get(GuestProfile, b.id).merged_into_id is None
