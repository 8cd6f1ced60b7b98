"""/admin/connectors: connect a hotel (the secret encrypted, never shown back), test the
connection against the vendor, start a backfill on its own queue and see its progress."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from guestcrm.models import AuditEntry, BackfillRun, ConnectorConnection, Stay
from tests.burst import run_burst
from tests.factories import sign_in, staff

pytestmark = pytest.mark.integration
SECRET = "cbat_fake_api_key"


def form(cloud, token: str, **changes) -> dict:
    return {"csrf_token": token, "connector": "cloudbeds", "property_code": "CBD1",
            "account": "184523", "base_url": cloud.url, "token_url": "", "client_id": "",
            "secret": SECRET, "enabled": "on"} | changes


def test_an_admin_connects_tests_and_backfills_a_hotel(app, client, db_session, queue, cloud):
    cloud.add_synthetic("cloudbeds", "184523", 250)
    token = sign_in(client, staff("admin"))
    saved = client.post("/admin/connectors", data=form(cloud, token), follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "CBD1" in page and SECRET not in page
    row = db_session.scalar(select(ConnectorConnection))
    assert SECRET.encode() not in row.secret_encrypted and row.secret_hint == SECRET[-4:]
    tested = client.post(f"/admin/connectors/{row.id}/test", data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    assert "OK: property 184523: 250 reservations" in tested
    # An edit without a secret keeps the stored one.
    client.post("/admin/connectors", data=form(cloud, token, secret="", account="184523"))
    assert db_session.get(ConnectorConnection, row.id).secret_encrypted == row.secret_encrypted
    started = client.post(f"/admin/connectors/{row.id}/backfill", data={"csrf_token": token},
                          follow_redirects=True).get_data(as_text=True)
    assert re.search(r"Backfill \d+ of cloudbeds · CBD1 started", started)
    assert queue.queue("backfill").count == 1 and queue.queue("ingest").count == 0
    waiting = client.get("/admin/connectors/backfills").get_data(as_text=True)
    assert "queued" in waiting and "Resume" in waiting
    with app.app_context():
        run_burst(queue, "backfill")
    run = db_session.scalar(select(BackfillRun))
    assert run.status == "done" and run.reservations == 250
    assert len(db_session.scalars(select(Stay)).all()) == 250
    with app.test_request_context():
        from flask import render_template

        from guestcrm.services.ingest.cloud_sync import progress_of

        row = db_session.get(ConnectorConnection, run.connection_id)
        progress = render_template("admin/_backfills.html",
                                   runs=[(run, row, progress_of(run))])
    assert "250 / 250" in progress and "done" in progress and "Resume" not in progress
    actions = {a.action for a in db_session.scalars(select(AuditEntry))}
    assert {"connector.save", "connector.backfill"} <= actions


def test_a_refused_form_keeps_what_was_typed_but_never_the_secret(client, db_session, cloud):
    token = sign_in(client, staff("admin"))
    answer = client.post("/admin/connectors",
                         data=form(cloud, token, base_url="ftp://nowhere", account="4711"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "http(s) URL" in page
    assert 'value="4711"' in page and SECRET not in page
    assert db_session.scalar(select(ConnectorConnection)) is None


def test_a_failing_test_connection_says_what_the_vendor_answered(client, db_session, cloud):
    token = sign_in(client, staff("admin"))
    client.post("/admin/connectors", data=form(cloud, token, secret="wrong-key-123456"))
    row = db_session.scalar(select(ConnectorConnection))
    page = client.post(f"/admin/connectors/{row.id}/test", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Failed" in page and "401" in page
    assert "The vendor refused" in page  # the error stays on the connection for admins


def test_only_admins_reach_the_connectors(client, db_session, cloud):
    sign_in(client, staff("front_desk", "CBD1"))
    assert client.get("/admin/connectors").status_code in (302, 403)
    assert client.post("/admin/connectors/1/test").status_code in (302, 400, 403)


def test_the_connection_form_needs_its_csrf_token(client, db_session, cloud):
    sign_in(client, staff("admin"))
    assert client.post("/admin/connectors", data=form(cloud, "")).status_code == 400
    assert db_session.scalar(select(ConnectorConnection)) is None
