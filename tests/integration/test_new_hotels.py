"""Hotels first seen in a message: unconfirmed, their stays kept, listed for an admin to confirm
(with a name) or remove; the same through the CLI."""

from __future__ import annotations

from sqlalchemy import select

from guestcrm.models import AuditEntry, Property, Stay
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation
from tests.factories import PropertyFactory, sign_in, staff


def test_a_hotel_first_seen_in_a_message_is_unconfirmed_and_its_stay_is_kept(db_session):
    ingest_reservation(db_session, reservation("R1", property_code="NEWHOTEL"))
    prop = db_session.scalar(select(Property).where(Property.code == "NEWHOTEL"))
    assert prop.confirmed_at is None and prop.first_seen_at is not None
    assert db_session.scalar(select(Stay).where(Stay.property_id == prop.id)) is not None


def test_a_hotel_made_by_hand_counts_as_confirmed(db_session):
    assert PropertyFactory(code="HAND").confirmed_at is not None


def test_an_admin_sees_new_hotels_with_where_they_were_first_seen_and_confirms_one(
        client, db_session):
    PropertyFactory(code="KNOWN")
    ingest_reservation(db_session, reservation("R-77", property_code="NEWHOTEL"))
    token = sign_in(client, staff("admin"))
    page = client.get("/admin/hotels").get_data(as_text=True)
    assert "NEWHOTEL" in page and "R-77" in page and "KNOWN" not in page
    response = client.post("/admin/hotels/NEWHOTEL/confirm",
                           data={"name": "Hotel Alpenblick", "csrf_token": token})
    assert response.status_code == 302
    prop = db_session.scalar(select(Property).where(Property.code == "NEWHOTEL"))
    db_session.refresh(prop)
    assert prop.name == "Hotel Alpenblick" and prop.confirmed_at is not None
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "property.confirm"))
    assert "/admin/hotels/NEWHOTEL/confirm" not in client.get("/admin/hotels").get_data(as_text=True)


def test_a_hotel_with_stays_is_not_removed_and_the_admin_is_told_why(client, db_session):
    ingest_reservation(db_session, reservation("R1", property_code="NEWHOTEL"))
    token = sign_in(client, staff("admin"))
    assert "Cannot be removed" in client.get("/admin/hotels").get_data(as_text=True)
    response = client.post("/admin/hotels/NEWHOTEL/remove", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/admin/hotels"},
                           follow_redirects=True)
    assert "stay" in response.get_data(as_text=True)
    assert db_session.scalar(select(Property).where(Property.code == "NEWHOTEL")) is not None


def test_an_unreferenced_new_hotel_is_removed_and_audited(client, db_session):
    PropertyFactory(code="TYPO", confirmed_at=None)
    token = sign_in(client, staff("admin"))
    response = client.post("/admin/hotels/TYPO/remove", data={"csrf_token": token})
    assert response.status_code == 302
    assert db_session.scalar(select(Property).where(Property.code == "TYPO")) is None
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "property.remove"))


def test_only_an_admin_reaches_the_hotels_page_and_forms_need_csrf(client, db_session):
    PropertyFactory(code="TYPO", confirmed_at=None)
    PropertyFactory(code="MINE")
    token = sign_in(client, staff("revenue_manager", "MINE"))
    assert client.get("/admin/hotels").status_code == 403
    assert client.post("/admin/hotels/TYPO/remove", data={"csrf_token": token}).status_code == 403
    client.get("/logout")
    sign_in(client, staff("admin"))
    assert client.post("/admin/hotels/TYPO/remove", data={}).status_code == 400
    assert db_session.scalar(select(Property).where(Property.code == "TYPO")) is not None


def test_the_cli_lists_confirms_and_removes_hotels(sqlite_app):
    from guestcrm.extensions import db

    with sqlite_app.app_context():
        db.session.add_all([Property(code="NEWHOTEL", name="NEWHOTEL", confirmed_at=None),
                            Property(code="TYPO", name="TYPO", confirmed_at=None)])
        db.session.commit()
    runner = sqlite_app.test_cli_runner()
    listed = runner.invoke(args=["hotels"]).output
    assert "NEWHOTEL" in listed and "UNCONFIRMED" in listed
    done = runner.invoke(args=["confirm-hotel", "NEWHOTEL", "--name", "Hotel Neu"])
    assert done.exit_code == 0, done.output
    assert "removed TYPO" in runner.invoke(args=["remove-hotel", "TYPO"]).output
    listed = runner.invoke(args=["hotels"]).output
    assert "Hotel Neu" in listed and "confirmed" in listed and "TYPO" not in listed
    assert runner.invoke(args=["remove-hotel", "NOPE"]).exit_code != 0
