"""Polling an AlpineBits server: stored and ingested first, acknowledged after the commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from connectors.alpinebits_client import AlpineBitsClient, AlpineBitsSource, sources_from_env
from connectors.base import ConnectorError
from guestcrm.models import InboxEvent, Stay
from guestcrm.services.ingest.pull import pull_guest_requests
from tests.fakes.alpinebits_server import PASSWORD, USER, FakeAlpineBitsServer


def client_for(server: FakeAlpineBitsServer, password: str = PASSWORD) -> AlpineBitsClient:
    source = AlpineBitsSource(
        name="channel",
        url=server.url,
        user=USER,
        password=password,
        hotel_code="123",
        version="2020-10",
    )
    return AlpineBitsClient(source, timeout=5)


def test_a_pull_stores_ingests_and_then_acknowledges(db_session):
    with FakeAlpineBitsServer() as server:
        report = pull_guest_requests(db_session, client_for(server))
        assert report.status == "processed" and report.acknowledged == ["6b34fe24ac2ff810"]
        assert server.acknowledged == ["6b34fe24ac2ff810"]
        stay = db_session.scalar(select(Stay))
        assert stay.external_id == "6b34fe24ac2ff810" and stay.status == "confirmed"
        event = db_session.scalar(select(InboxEvent))
        assert (event.via, event.status) == ("pull", "processed")
        again = pull_guest_requests(db_session, client_for(server))
        assert again.status == "empty" and again.reservations == 0
    assert db_session.scalar(select(func.count()).select_from(InboxEvent)) == 1


def test_a_server_error_stores_nothing_and_acknowledges_nothing(db_session):
    with FakeAlpineBitsServer(fail_reads=True) as server:
        with pytest.raises(ConnectorError):
            pull_guest_requests(db_session, client_for(server))
        assert server.acknowledged == []
    assert db_session.scalar(select(func.count()).select_from(InboxEvent)) == 0


def test_wrong_pull_credentials_are_a_clear_error(db_session):
    with FakeAlpineBitsServer() as server:
        with pytest.raises(ConnectorError, match="401"):
            pull_guest_requests(db_session, client_for(server, password="wrong"))


def test_sources_come_from_the_environment_and_bad_json_is_a_clear_error():
    env = {
        "GUESTCRM_ALPINEBITS_SOURCES": '[{"name": "a", "url": "https://x.test/ab", "user": "u", "password": "p", "hotel_code": "H"}]'
    }
    (source,) = sources_from_env(env)
    assert (source.name, source.hotel_code, source.version) == ("a", "H", "2024-10")
    with pytest.raises(ValueError, match="GUESTCRM_ALPINEBITS_SOURCES"):
        sources_from_env({"GUESTCRM_ALPINEBITS_SOURCES": "[{"})
