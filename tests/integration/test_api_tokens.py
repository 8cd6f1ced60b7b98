"""API tokens carry scopes and may be limited to hotels; tokens and webhook credentials can be
revoked (issue #12, defect 5). Personal look-ups can travel in a POST body (defect 12)."""

from __future__ import annotations

from datetime import date

import pytest

from guestcrm.services.access.credentials import create_webhook_credential
from guestcrm.services.access.tokens import create_api_token
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation
from tests.integration.test_webhooks import OTA, post_ota

pytestmark = pytest.mark.integration


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def two_hotels(session) -> tuple[int, int]:
    """Anna stayed at H1, Bruno at H2; their ids."""
    anna = ingest_reservation(session, reservation("R1", property_code="H1"))
    bruno = ingest_reservation(session, reservation(
        "R2", property_code="H2", first_name="Bruno", last_name="Berg",
        email="bruno@mail.test", arrival=date.today()))
    session.commit()
    return anna.stay.profile_id, bruno.stay.profile_id


def test_a_token_without_the_scope_gets_403_naming_it(client, db_session):
    token = create_api_token(db_session, "desk-screen", scopes=["arrivals:read"])
    response = client.get("/api/v1/guests?email=anna.huber@mail.test", headers=bearer(token))
    assert response.status_code == 403 and response.is_json
    assert "guests:read" in response.get_json()["message"]
    ok = client.get(f"/api/v1/arrivals?property=H1&date={date.today()}", headers=bearer(token))
    assert ok.status_code in (200, 404)  # the scope passes; H1 may not exist


def test_a_token_made_without_scopes_may_do_everything(client, db_session):
    anna, _ = two_hotels(db_session)
    token = create_api_token(db_session, "engine")
    assert client.get(f"/api/v1/guests/{anna}", headers=bearer(token)).status_code == 200
    day = date.today().isoformat()
    assert client.get(f"/api/v1/arrivals?property=H2&date={day}",
                      headers=bearer(token)).status_code == 200


def test_a_hotel_limited_token_sees_only_guests_with_a_stay_there(client, db_session):
    anna, bruno = two_hotels(db_session)
    token = create_api_token(db_session, "engine-h1", properties=["H1"])
    assert client.get(f"/api/v1/guests/{anna}", headers=bearer(token)).status_code == 200
    assert client.get(f"/api/v1/guests/{bruno}", headers=bearer(token)).status_code == 404
    found = client.get("/api/v1/guests?email=bruno@mail.test", headers=bearer(token))
    assert found.get_json() == {"guests": []}
    day = date.today().isoformat()
    other = client.get(f"/api/v1/arrivals?property=H2&date={day}", headers=bearer(token))
    assert other.status_code == 403 and "H2" in other.get_json()["message"]


def test_a_look_up_may_come_in_a_post_body_out_of_the_url(client, db_session):
    anna, _ = two_hotels(db_session)
    token = create_api_token(db_session, "engine")
    response = client.post("/api/v1/guests/search", json={"email": "ANNA.HUBER@mail.test"},
                           headers=bearer(token))
    assert [g["id"] for g in response.get_json()["guests"]] == [anna]
    assert client.post("/api/v1/guests/search", json={}, headers=bearer(token)).status_code == 422
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/guests/search"]


def test_unknown_scopes_are_refused_when_the_token_is_made(app):
    result = app.test_cli_runner().invoke(args=["create-token", "x", "--scope", "guests:write"])
    assert result.exit_code != 0 and "guests:read" in result.output


def test_create_token_with_scopes_and_hotels_prints_the_token_last(app):
    result = app.test_cli_runner().invoke(args=[
        "create-token", "cli-engine", "--scope", "guests:read", "--property", "H1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("gcrm_")


def test_a_revoked_token_is_refused_with_the_next_request(app, client, db_session):
    token = create_api_token(db_session, "old-engine")
    assert client.get("/api/v1/guests?email=x@y.test", headers=bearer(token)).status_code == 200
    result = app.test_cli_runner().invoke(args=["revoke-token", "old-engine"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/guests?email=x@y.test", headers=bearer(token)).status_code == 401
    again = app.test_cli_runner().invoke(args=["revoke-token", "old-engine"])
    assert again.exit_code != 0 and "no active API token" in again.output


def test_a_revoked_webhook_credential_is_refused(app, client, db_session):
    secret = create_webhook_credential(db_session, "opentravel", "old-cm")
    result = app.test_cli_runner().invoke(args=["revoke-webhook-credential", "opentravel",
                                                "old-cm"])
    assert result.exit_code == 0, result.output
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    assert post_ota(client, secret, body, user="old-cm").status_code == 401
