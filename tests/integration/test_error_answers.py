"""The domain's errors become HTTP answers in one place (guestcrm/web/errors.py): a missing
record is a 404 page, a refused form goes back where it came from with the reason, and
anything under /api/ answers JSON."""

from __future__ import annotations

import pytest

from guestcrm.extensions import db
from guestcrm.models import InboxEvent
from tests.factories import sign_in, staff

pytestmark = pytest.mark.integration


def _event(status: str) -> InboxEvent:
    event = InboxEvent(connector="opentravel", dedupe_key=f"test:{status}", body=b"<x/>",
                       content_type="application/xml", headers={}, status=status, via="test")
    db.session.add(event)
    db.session.flush()
    return event


def test_a_record_that_does_not_exist_is_a_404_page(client):
    token = sign_in(client, staff("admin"))
    response = client.post("/admin/inbox/987654/replay", data={"csrf_token": token})
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "no inbox event 987654" in response.get_data(as_text=True)


def test_a_refused_form_goes_back_to_its_page_with_the_reason(client):
    token = sign_in(client, staff("admin"))
    event = _event("processed")
    page = f"http://localhost/admin/inbox/{event.id}"
    response = client.post(f"/admin/inbox/{event.id}/replay", data={"csrf_token": token},
                           headers={"Referer": page})
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "is already processed" in client.get(page).get_data(as_text=True)


def test_a_refused_form_from_another_site_gets_an_error_page_not_a_redirect(client):
    token = sign_in(client, staff("admin"))
    event = _event("processed")
    response = client.post(f"/admin/inbox/{event.id}/replay", data={"csrf_token": token},
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 409
    assert "is already processed" in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url, status", [
    ("GET", "/api/v1/no-such-thing", 404),
    ("DELETE", "/api/v1/guests", 405),
])
def test_errors_under_the_api_are_json(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert response.is_json and response.get_json()["code"] == status


def test_a_missing_page_outside_the_api_is_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "text/html" in response.content_type


def test_a_bad_value_on_a_page_answers_an_html_page_not_json(client):
    sign_in(client, staff("admin"))
    from tests.factories import PropertyFactory

    PropertyFactory(code="ALP1")
    response = client.get("/desk/?property=ALP1&day=yesterday")
    assert response.status_code == 400 and "text/html" in response.content_type


def test_api_validation_errors_keep_their_field_errors(client, db_session):
    from guestcrm.services.access.tokens import create_api_token

    token = create_api_token(db_session, "errors")
    response = client.get("/api/v1/arrivals?property=ALP1&date=not-a-date",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "date" in response.get_json()["errors"]["query"]
