"""The booking engine's perk API on PostgreSQL: validate, redeem once (idempotent), reverse;
every refusal with its documented reason; scopes and hotels of tokens."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from guestcrm.models import Perk
from guestcrm.services.access.tokens import create_api_token
from guestcrm.services.perks.issuing import issue_for_stays
from guestcrm.services.perks.offers import change_status
from tests.integration.perk_support import GROUP, guest, hotel_id, publish_offer, stay

pytestmark = pytest.mark.integration
SOON = date.today() + timedelta(days=30)


def bearer(token: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def issued_perk(session, **offer_values) -> Perk:
    publish_offer(session, **({"rule": {"nth_stay": 1}} | offer_values))
    done = stay(session, "S1")
    (perk_id,) = issue_for_stays(session, [done.id]).perk_ids
    return session.get(Perk, perk_id)


def ask(perk: Perk, **changes) -> dict:
    return {"code": perk.code, "email": "anna.huber@mail.test", "property": "H1",
            "arrival": SOON.isoformat(), "departure": (SOON + timedelta(days=2)).isoformat(),
            } | changes


def test_a_valid_code_is_valid_and_redeems_once(client, db_session):
    perk = issued_perk(db_session)
    token = create_api_token(db_session, "engine")
    answer = client.post("/api/v1/perks/validate", json=ask(perk), headers=bearer(token))
    assert answer.status_code == 200 and answer.json["valid"] is True
    assert answer.json["perk"]["perk_type"] == "late_checkout"
    typed = ask(perk, code=perk.code.lower().replace("-", " "), booking_ref="BE-1")
    first = client.post("/api/v1/perks/redeem", json=typed, headers=bearer(token, "k1"))
    assert first.status_code == 200 and first.json["redeemed"] is True
    replay = client.post("/api/v1/perks/redeem", json=typed, headers=bearer(token, "k1"))
    assert (replay.status_code, replay.json) == (200, first.json)
    again = client.post("/api/v1/perks/redeem", json=typed, headers=bearer(token, "k2"))
    assert again.status_code == 409 and again.json["reason"] == "already_redeemed"
    other = client.post("/api/v1/perks/redeem", json=ask(perk, booking_ref="BE-2"),
                        headers=bearer(token, "k1"))
    assert other.status_code == 422 and "different request" in other.json["message"]
    validated = client.post("/api/v1/perks/validate", json=ask(perk), headers=bearer(token))
    assert validated.json == {"valid": False, "reason": "already_redeemed",
                              "message": "The code has been redeemed already."}


def test_a_reversed_perk_can_be_used_again(client, db_session):
    perk = issued_perk(db_session)
    token = create_api_token(db_session, "engine")
    client.post("/api/v1/perks/redeem", json=ask(perk), headers=bearer(token, "r1"))
    reversed_ = client.post(f"/api/v1/perks/{perk.code}/reverse", headers=bearer(token, "v1"))
    assert reversed_.status_code == 200 and reversed_.json["perk"]["status"] == "issued"
    twice = client.post(f"/api/v1/perks/{perk.code}/reverse", headers=bearer(token, "v2"))
    assert twice.status_code == 409 and twice.json["reason"] == "not_redeemed"
    unknown = client.post("/api/v1/perks/GC-0000-0000-0000-0000/reverse",
                          headers=bearer(token, "v3"))
    assert unknown.status_code == 404 and unknown.json["reason"] == "unknown_code"
    assert client.post("/api/v1/perks/redeem", json=ask(perk),
                       headers=bearer(token, "r2")).status_code == 200


@pytest.mark.parametrize("reason", [
    "unknown_code", "wrong_guest", "expired", "wrong_property", "offer_paused", "offer_ended",
    "outside_window", "blackout_date", "cap_exhausted", "not_stackable"])
def test_each_refusal_has_its_own_reason(client, db_session, reason):
    blackout = [SOON.isoformat(), (SOON + timedelta(days=1)).isoformat()]
    offer_values = {
        "blackout_date": {"blackouts": [blackout]},
        "outside_window": {"valid_until": (SOON - timedelta(days=1)).isoformat()},
        "cap_exhausted": {"max_redeemed": 1},
    }.get(reason, {})
    perk = issued_perk(db_session, **offer_values)
    token = create_api_token(db_session, "engine")
    request = ask(perk)
    if reason == "unknown_code":
        request = ask(perk, code="GC-0000-0000-0000-0000")
    elif reason == "wrong_guest":
        stay(db_session, "X1", who=guest(email="someone@mail.test", first="Some", last="One"))
        request = ask(perk, email="someone@mail.test")
    elif reason == "expired":
        perk.expires_on = date.today() - timedelta(days=1)
        db_session.commit()
    elif reason == "wrong_property":
        stay(db_session, "X2", hotel="H2")
        change_status(db_session, perk.offer_id, "pause", GROUP, "t")
        perk.offer.property_ids = [hotel_id(db_session, "H1")]
        change_status(db_session, perk.offer_id, "publish", GROUP, "t")
        request = ask(perk, property="H2")
    elif reason == "offer_paused":
        change_status(db_session, perk.offer_id, "pause", GROUP, "t")
    elif reason == "offer_ended":
        change_status(db_session, perk.offer_id, "archive", GROUP, "t")
    elif reason in ("cap_exhausted", "not_stackable"):
        second = stay(db_session, "S9", ago=1)
        perk.offer.rule = {"every_n_stays": 1}
        db_session.commit()
        (other_id,) = issue_for_stays(db_session, [second.id]).perk_ids
        other = db_session.get(Perk, other_id)
        assert client.post("/api/v1/perks/redeem", json=ask(other, booking_ref="BE-1"),
                           headers=bearer(token, "first")).status_code == 200
        request = ask(perk, booking_ref="BE-1")
    validated = client.post("/api/v1/perks/validate", json=request, headers=bearer(token))
    redeemed = client.post("/api/v1/perks/redeem", json=request, headers=bearer(token, "key"))
    assert redeemed.json["reason"] == reason, redeemed.json
    assert redeemed.status_code == 422
    if reason not in ("cap_exhausted", "not_stackable"):  # decided when redeeming
        assert validated.json["valid"] is False and validated.json["reason"] == reason


def test_the_wrong_guest_learns_nothing_else_about_the_code(client, db_session):
    perk = issued_perk(db_session)
    perk.expires_on = date.today() - timedelta(days=1)
    db_session.commit()
    token = create_api_token(db_session, "engine")
    answer = client.post("/api/v1/perks/validate", json=ask(perk, email="x@mail.test"),
                         headers=bearer(token))
    assert answer.json["reason"] == "wrong_guest"


def test_scopes_and_hotels_of_the_token_are_enforced(client, db_session):
    perk = issued_perk(db_session)
    reader = create_api_token(db_session, "reader", scopes=["guests:read"])
    validator = create_api_token(db_session, "validator", scopes=["perks:validate"])
    elsewhere = create_api_token(db_session, "h2", properties=["H2"])
    assert client.post("/api/v1/perks/validate", json=ask(perk),
                       headers=bearer(reader)).status_code == 403
    assert client.post("/api/v1/perks/redeem", json=ask(perk),
                       headers=bearer(validator, "k")).status_code == 403
    assert client.post("/api/v1/perks/redeem", json=ask(perk),
                       headers=bearer(elsewhere, "k")).status_code == 403
    assert client.post("/api/v1/perks/validate", json=ask(perk)).status_code == 401


def test_bad_requests_are_422_with_the_field_not_500(client, db_session):
    token = create_api_token(db_session, "engine")
    perk = issued_perk(db_session)
    for body in (ask(perk, departure="2020-01-01"), ask(perk, email=None), {"code": "x"},
                 ask(perk, guest_id=5), ask(perk, extra=1), ask(perk, code="\x00")):
        body = {k: v for k, v in body.items() if v is not None}
        answer = client.post("/api/v1/perks/validate", json=body, headers=bearer(token))
        assert answer.status_code == 422 and answer.is_json, body
    no_key = client.post("/api/v1/perks/redeem", json=ask(perk), headers=bearer(token))
    assert no_key.status_code == 422 and "Idempotency-Key" in no_key.json["message"]


def test_validation_is_rate_limited_per_token(app, client, db_session):
    app.config["PERK_RATE_LIMIT"] = "5 per minute"
    try:
        perk = issued_perk(db_session)
        token = create_api_token(db_session, "engine")
        codes = [client.post("/api/v1/perks/validate", json=ask(perk), headers=bearer(token)
                             ).status_code for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    finally:
        app.config["PERK_RATE_LIMIT"] = "120 per minute"
