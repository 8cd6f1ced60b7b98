"""Staff sign-in, roles, CSRF, rate limit; API tokens and the read API."""

from __future__ import annotations

import re

import pytest

from guestcrm.services.access.staff import StaffError, create_staff
from guestcrm.services.access.tokens import create_api_token
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation

PASSWORD = "correct horse battery"


def csrf_token(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sign_in(client, email, password=PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def admin(db_session):
    return create_staff(db_session, "admin@hotel.test", PASSWORD, "admin", ["H1"])


@pytest.fixture
def desk(db_session):
    return create_staff(db_session, "desk@hotel.test", PASSWORD, "front_desk", ["H1"])


def test_a_staff_member_signs_in_with_the_right_password_only(client, admin):
    assert sign_in(client, "admin@hotel.test", "wrong password!").status_code == 401
    response = sign_in(client, "ADMIN@hotel.test")
    assert response.status_code == 302
    assert client.get("/admin/inbox").status_code == 200


def test_a_login_without_csrf_token_is_refused(client, admin):
    response = client.post("/login", data={"email": "admin@hotel.test", "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert client.get("/admin/inbox").status_code == 302  # still signed out


def test_repeated_failed_sign_ins_are_rate_limited(client, admin):
    codes = [sign_in(client, "admin@hotel.test", "wrong password!").status_code for _ in range(12)]
    assert 429 in codes


def test_a_front_desk_agent_cannot_open_the_admin_inbox(client, desk):
    sign_in(client, "desk@hotel.test")
    assert client.get("/admin/inbox").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_signed_out_visitors_are_sent_to_the_sign_in_page(client):
    response = client.get("/admin/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_in_does_not_redirect_to_another_site(client, admin):
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.test/x",
        data={"email": "admin@hotel.test", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_weak_passwords_and_unknown_roles_are_refused(db_session):
    with pytest.raises(StaffError):
        create_staff(db_session, "a@hotel.test", "short", "admin", [])
    with pytest.raises(StaffError):
        create_staff(db_session, "a@hotel.test", PASSWORD, "owner", [])


def test_the_api_needs_a_token(client):
    assert client.get("/api/v1/guests?email=a@mail.test").status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert client.get("/api/v1/guests?email=a@mail.test", headers=bad).status_code == 401


def test_the_api_finds_a_guest_by_email_phone_and_loyalty(client, db_session):
    token = create_api_token(db_session, "booking-engine")
    ingest_reservation(db_session, reservation("R1", phone="+43 660 1234567", loyalty="L-1"))
    headers = {"Authorization": f"Bearer {token}"}
    for query in ("email=ANNA.HUBER@mail.test", "phone=%2B436601234567", "loyalty_id=L-1"):
        body = client.get(f"/api/v1/guests?{query}", headers=headers).get_json()
        assert [g["last_name"] for g in body["guests"]] == ["Huber"], query
    guest_id = body["guests"][0]["id"]
    one = client.get(f"/api/v1/guests/{guest_id}", headers=headers).get_json()
    assert one["completed_stays"] == 1
    assert client.get("/api/v1/guests/999999", headers=headers).status_code == 404


def test_the_api_refuses_a_search_without_exactly_one_key(client, db_session):
    token = create_api_token(db_session, "booking-engine")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/guests", headers=headers).status_code == 422
    assert client.get("/api/v1/guests?email=a@b.test&phone=1", headers=headers).status_code == 422


def test_the_openapi_document_describes_the_guest_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/guests" in spec["paths"] and "/api/v1/guests/{guest_id}" in spec["paths"]


def test_an_api_token_records_its_last_use_at_most_once_a_minute(db_session):
    """Reads must not each wait for a write; "last used" is kept to the minute."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from guestcrm.models import ApiToken
    from guestcrm.services.access.tokens import create_api_token, find_api_token

    token = create_api_token(db_session, "booking-engine")
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "booking-engine"))
    find_api_token(db_session, token)
    first = row.last_used_at
    assert first is not None
    db_session.commit()
    find_api_token(db_session, token)
    assert row.last_used_at == first
    assert not db_session.dirty
    row.last_used_at = datetime.now(UTC) - timedelta(minutes=2)
    db_session.commit()
    find_api_token(db_session, token)
    assert row.last_used_at > first


@pytest.mark.parametrize("address", ["J.Smith@gmail.com", "ops+crm@hotel.de"])
def test_staff_sign_in_with_the_address_their_account_was_made_with(client, db_session, address):
    """Identity keys fold Gmail dots and +tags; staff accounts must not: two people may share
    a mailbox alias, and the address given is the one typed at sign-in."""
    from tests.factories import PASSWORD, csrf_from

    create_staff(db_session, address, PASSWORD, "admin", [])
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": address, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
