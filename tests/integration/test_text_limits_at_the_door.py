"""Text fields have documented length limits (docs/connectors.md): a message with a name,
e-mail, comment or id over its limit is refused at the webhook door and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from guestcrm.models import InboxEvent, Property
from guestcrm.schemas.reservation import COMMENT_MAX
from guestcrm.services.access.credentials import create_webhook_credential
from tests.integration.test_masking_keeps_ids import ota
from tests.integration.test_webhooks import post_ota

pytestmark = pytest.mark.integration
GOOD = {"res_id": "RES-1", "hotel": "ALP1", "first": "Eva", "last": "Berger",
        "email": "eva@example.org", "loyalty": "LOY-1", "comment": "quiet room"}


@pytest.mark.parametrize("field,value", [
    ("last", "B" * 129),
    ("first", "E" * 129),
    ("email", "e" * 320 + "@example.org"),
    ("comment", "x" * (COMMENT_MAX + 1)),
    ("res_id", "R" * 129),
])
def test_a_text_field_over_its_limit_is_refused_at_the_door_and_nothing_is_stored(
        client, db_session, field, value):
    secret = create_webhook_credential(db_session, "opentravel", "cm")
    response = post_ota(client, secret, ota(**{**GOOD, field: value}), user="cm")
    assert response.status_code == 400, response.data[:300]
    assert db_session.scalar(select(func.count()).select_from(InboxEvent)) == 0
    assert db_session.scalar(select(func.count()).select_from(Property)) == 0


def test_text_at_its_limit_is_accepted(client, db_session):
    secret = create_webhook_credential(db_session, "opentravel", "cm")
    body = ota(**{**GOOD, "last": "B" * 128, "comment": "x" * COMMENT_MAX})
    response = post_ota(client, secret, body, user="cm")
    assert response.status_code == 200, response.data[:300]
