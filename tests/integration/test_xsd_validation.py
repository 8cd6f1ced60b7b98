"""AlpineBits schema validation is never off silently (issue #12, defect 11): with it on, a
missing schema stops the start-up; turning it off is explicit; the admin area says which."""

from __future__ import annotations

import pytest

from connectors.alpinebits import AlpineBitsConnector
from connectors.alpinebits_messages import validate_against_xsd
from connectors.base import ConnectorError
from guestcrm import create_app
from tests.factories import sign_in, staff
from tests.samples import alpinebits_sample

SQLITE = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None}


def test_the_app_refuses_to_start_when_validation_is_on_and_a_schema_is_missing(
        monkeypatch, tmp_path):
    monkeypatch.setenv("GUESTCRM_ALPINEBITS_XSD_DIR", str(tmp_path))
    monkeypatch.delenv("GUESTCRM_ALPINEBITS_VALIDATE", raising=False)
    with pytest.raises(RuntimeError, match="GUESTCRM_ALPINEBITS_VALIDATE=0"):
        create_app(SQLITE)


def test_validation_turned_off_explicitly_lets_the_app_start_without_schemas(
        monkeypatch, tmp_path):
    monkeypatch.setenv("GUESTCRM_ALPINEBITS_XSD_DIR", str(tmp_path))
    monkeypatch.setenv("GUESTCRM_ALPINEBITS_VALIDATE", "0")
    create_app(SQLITE)
    assert AlpineBitsConnector().validate is False


def test_a_schema_gone_after_start_up_refuses_the_message_instead_of_passing_it(
        monkeypatch, tmp_path):
    monkeypatch.setenv("GUESTCRM_ALPINEBITS_XSD_DIR", str(tmp_path))
    xml = alpinebits_sample("samples/GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml")
    with pytest.raises(ConnectorError, match="XSD .* is missing"):
        validate_against_xsd(xml, "2024-10")


@pytest.mark.integration
def test_the_admin_inbox_says_whether_messages_are_checked(client):
    sign_in(client, staff("admin"))
    page = client.get("/admin/inbox").get_data(as_text=True)
    assert "AlpineBits schema validation: on: AlpineBits 2024-10, 2022-10, 2020-10" in page
