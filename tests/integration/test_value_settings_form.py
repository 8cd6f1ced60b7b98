"""Value settings as a form: each cut-off and rate a field, validation that keeps what was typed
and names the problem, unknown settings refused, every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from guestcrm.models import AuditEntry
from guestcrm.services.value.settings import load_value_settings
from tests.factories import sign_in, staff

pytestmark = pytest.mark.integration


def test_value_settings_are_a_form_that_keeps_input_on_error_and_audits_changes(
        client, db_session):
    token = sign_in(client, staff("admin"))
    page = client.get("/revenue/settings").get_data(as_text=True)
    assert 'name="commission.ota"' in page and 'name="pyramid.vip"' in page
    bad = client.post("/revenue/settings/value", data={
        "csrf_token": token, "pyramid.vip": "0.3", "pyramid.major": "0.05",
        "commission.ota": "0.17"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "pyramid shares must rise" in text
    assert 'value="0.3"' in text and 'value="0.17"' in text  # what was typed is kept
    unknown = client.post("/revenue/settings/value", data={"csrf_token": token,
                                                           "pyramid.platinum": "0.5"})
    assert unknown.status_code == 422 and "unknown setting" in unknown.get_data(as_text=True)
    words = client.post("/revenue/settings/value", data={"csrf_token": token,
                                                         "recency_days.active": "a year"})
    assert words.status_code == 422 and "whole number" in words.get_data(as_text=True)
    good = client.post("/revenue/settings/value", data={
        "csrf_token": token, "commission.ota": "0.15", "new_channel": "Booking.com",
        "new_rate": "0,17", "pyramid_vip_level": "VIP3"})
    assert good.status_code == 302
    saved = load_value_settings(db_session)
    assert saved.commission["ota"] == 0.15 and saved.commission["Booking.com"] == 0.17
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "settings.value"))
    assert entry.details["changes"]["commission.ota"] == [0.18, 0.15]
    assert entry.details["changes"]["commission.Booking.com"] == [None, 0.17]
