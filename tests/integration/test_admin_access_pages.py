"""Admin without a terminal: staff accounts, API tokens and webhook credentials made, changed and
revoked from the admin pages; a password, token or secret shown once; every action audited;
only admins."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from guestcrm.models import ApiToken, AuditEntry, StaffUser, WebhookCredential
from guestcrm.services.access.staff import authenticate
from guestcrm.services.access.tokens import find_api_token
from tests.factories import PropertyFactory, sign_in, staff

pytestmark = pytest.mark.integration


def shown_once(page: str) -> str:
    return re.search(r"shown this once: (\S+?)(?:<|\s)", page, re.I).group(1)


def test_an_admin_manages_staff_tokens_and_credentials_from_the_pages(client, db_session):
    hotel = PropertyFactory(code="SEE")
    token = sign_in(client, staff("admin"))
    made = client.post("/admin/staff", data={"csrf_token": token, "email": "new@hotel.test",
                                             "name": "Nina New", "role": "front_desk",
                                             "property_ids": str(hotel.id)},
                       follow_redirects=True).get_data(as_text=True)
    password = shown_once(made)
    assert authenticate(db_session, "new@hotel.test", password) is not None
    assert password not in client.get("/admin/staff").get_data(as_text=True)  # once only
    nina = db_session.scalar(select(StaffUser).where(StaffUser.email == "new@hotel.test"))
    client.post(f"/admin/staff/{nina.id}/access", data={"csrf_token": token,
                                                        "role": "revenue_manager"})
    db_session.refresh(nina)
    assert nina.role == "revenue_manager" and nina.properties == []
    again = shown_once(client.post(f"/admin/staff/{nina.id}/password",
                                   data={"csrf_token": token},
                                   follow_redirects=True).get_data(as_text=True))
    assert authenticate(db_session, "new@hotel.test", again) is not None
    client.post(f"/admin/staff/{nina.id}/deactivate", data={"csrf_token": token})
    db_session.refresh(nina)
    assert nina.active is False

    page = client.post("/admin/tokens", data={"csrf_token": token, "name": "engine",
                                              "scopes": "perks:validate",
                                              "property_ids": str(hotel.id)},
                       follow_redirects=True).get_data(as_text=True)
    grant = find_api_token(db_session, shown_once(page))
    assert grant.scopes == frozenset({"perks:validate"}) and grant.properties == {"SEE"}
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "engine"))
    client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token})
    db_session.refresh(row)
    assert row.revoked_at is not None

    page = client.post("/admin/credentials", data={"csrf_token": token,
                                                   "connector": "opentravel", "name": "cm1"},
                       follow_redirects=True).get_data(as_text=True)
    assert len(shown_once(page)) > 20
    credential = db_session.scalar(select(WebhookCredential))
    client.post(f"/admin/credentials/{credential.id}/revoke", data={"csrf_token": token})
    db_session.refresh(credential)
    assert credential.revoked_at is not None
    actions = set(db_session.scalars(select(AuditEntry.action)))
    assert {"staff.create", "staff.access", "staff.password", "staff.deactivate",
            "token.create", "token.revoke", "credential.create", "credential.revoke"} <= actions


def test_only_admins_reach_the_access_pages(client, db_session):
    sign_in(client, staff("front_desk", "SEE"))
    for url in ("/admin/staff", "/admin/tokens", "/admin/credentials"):
        assert client.get(url).status_code == 403, url
