"""The fake vendor cloud (connectors/fake_cloud.py) and connected hotels, for the tests."""

from __future__ import annotations

import json

import pytest

from connectors.fake_cloud import FakeCloud
from connectors.fake_cloud_records import webhook
from guestcrm.services.access.credentials import create_webhook_credential
from guestcrm.services.ingest.connections import ConnectionForm, save_connection
from tests.integration.test_webhooks import basic

ACCOUNTS = {"apaleo": ("MUC", "APA1"), "mews": ("ent-7f3a", "MEW1"),
            "cloudbeds": ("184523", "CBD1")}


@pytest.fixture(scope="module")
def cloud_server():
    fake = FakeCloud()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def cloud(cloud_server, app):
    """The fake cloud, emptied and well-behaved for each test (retries wait 20 ms, not 0.5 s:
    the same code path, a faster suite)."""
    app.config["CONNECTOR_BACKOFF"] = 0.02
    cloud_server.stores.clear()
    cloud_server.faults.clear()
    cloud_server.tokens.clear()
    cloud_server.revoked = False
    cloud_server.requests.clear()
    return cloud_server


def connect(session, app, cloud: FakeCloud, vendor: str):
    """Hotel ACCOUNTS[vendor][1] connected to the fake account ACCOUNTS[vendor][0]."""
    account, code = ACCOUNTS[vendor]
    settings = cloud.settings(vendor, account)
    return save_connection(session, ConnectionForm(
        connector=vendor, property_code=code, account=account, base_url=settings["base_url"],
        token_url=settings.get("token_url", ""), client_id=settings.get("client_id", ""),
        secret=settings["secret"]), app.config, "test")


def credential(session, vendor: str) -> str:
    return create_webhook_credential(session, vendor, "pms")


def post_event(client, vendor: str, secret: str, body: dict | bytes):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if vendor == "apaleo":
        return client.post("/webhooks/apaleo", data=data, headers=basic(secret, "pms"),
                           content_type="application/json")
    return client.post(f"/webhooks/{vendor}?credential=pms&token={secret}", data=data,
                       content_type="application/json")


def event_for(vendor: str, reservation_id: str, kind: str = "changed", **kw) -> dict:
    return webhook(vendor, ACCOUNTS[vendor][0], reservation_id, kind, **kw)
