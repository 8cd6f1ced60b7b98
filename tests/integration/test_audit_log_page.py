"""The audit log filters by who, what and when, and pages past 200 rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guestcrm.models import AuditEntry
from tests.factories import sign_in, staff

pytestmark = pytest.mark.integration


def test_the_audit_log_filters_by_who_what_and_when_and_pages(client, db_session):
    berger = staff("front_desk", email="anna.berger@hotel.test")
    berger.name = "Anna Berger"
    old = datetime.now(UTC) - timedelta(days=40)
    db_session.add_all([AuditEntry(actor=f"staff:{berger.id}", action="profile.correct",
                                   target_type="guest_profile", target_id=str(i), details={})
                        for i in range(230)])
    db_session.add(AuditEntry(actor="token:engine", action="perk.redeem", target_type="perk",
                              target_id="7", details={}, at=old))
    db_session.commit()
    sign_in(client, staff("admin"))
    first = client.get("/admin/audit?who=berger").get_data(as_text=True)
    assert first.count("<tr><td>") == 200 and "Older" in first and "Anna Berger" in first
    second = client.get("/admin/audit?who=berger&page=2").get_data(as_text=True)
    assert second.count("<tr><td>") == 30 and "Older" not in second and "Newer" in second
    perks = client.get("/admin/audit?what=perk").get_data(as_text=True)
    assert "API token engine" in perks and "profile.correct" not in perks.split("<tbody>")[1]
    since = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    recent = client.get(f"/admin/audit?what=perk&from={since}").get_data(as_text=True)
    assert "Nothing matches." in recent
    assert client.get("/admin/audit?from=yesterday").status_code == 400
