"""Numbers past 64 bits (or below 1) in URLs answer 404 or 400, never 500 (issue #12 defect 9)."""

from __future__ import annotations

import pytest

from guestcrm.services.access.tokens import create_api_token
from tests.factories import PropertyFactory, sign_in, staff

pytestmark = pytest.mark.integration
HUGE = "99999999999999999999999"


@pytest.mark.parametrize("method, url", [
    ("GET", f"/desk/guests/{HUGE}?property=ALP1"),
    ("POST", f"/desk/guests/{HUGE}/complaints?property=ALP1"),
    ("POST", f"/desk/stays/{HUGE}/check-in"),
    ("GET", f"/admin/inbox/{HUGE}"),
    ("POST", f"/admin/inbox/{HUGE}/replay"),
    ("GET", f"/admin/review/{HUGE}"),
    ("POST", f"/admin/review/{HUGE}/decide"),
    ("POST", f"/admin/review/merges/{HUGE}/undo"),
    ("GET", "/admin/inbox/0"),
    ("GET", "/admin/inbox/-1"),
])
def test_an_id_past_64_bits_on_a_staff_page_is_not_found(client, method, url):
    PropertyFactory(code="ALP1")
    token = sign_in(client, staff("admin"))
    response = client.open(url, method=method, data={"csrf_token": token})
    assert response.status_code == 404


@pytest.mark.parametrize("url", [
    f"/admin/inbox?page={HUGE}", "/admin/inbox?page=0", "/admin/inbox?page=x",
    f"/desk/events?property=ALP1&after={HUGE}", "/desk/events?property=ALP1&after=-5",
])
def test_a_page_or_cursor_past_its_range_is_a_bad_request(client, url):
    PropertyFactory(code="ALP1")
    sign_in(client, staff("admin"))
    assert client.get(url).status_code == 400


def test_an_api_guest_id_past_64_bits_is_a_json_404(client, db_session):
    token = create_api_token(db_session, "engine")
    response = client.get(f"/api/v1/guests/{HUGE}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.is_json
