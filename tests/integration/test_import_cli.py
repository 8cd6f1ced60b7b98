"""`flask --app wsgi import` on the embedded default: the same inbox path as webhooks."""

from __future__ import annotations

from sqlalchemy import select

from guestcrm.extensions import db
from guestcrm.models import InboxEvent, Stay
from tests.samples import SAMPLES

OTA = SAMPLES / "opentravel" / "2011B" / "samples"
AB = SAMPLES / "alpinebits" / "samples"


def test_importing_saved_messages_ingests_them_and_reports_bad_files(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    files = [str(OTA / "OTA_HotelResNotifRQ.xml"), str(OTA / "OTA_HotelResNotifRQ2.xml"),
             str(tmp_path / "missing.xml")]
    result = runner.invoke(args=["import", "--connector", "opentravel", *files])
    assert result.exit_code == 1
    assert "imported 2 new, 0 already known, 1 unreadable" in result.output
    assert "missing reservation id" in result.output
    with sqlite_app.app_context():
        statuses = sorted(db.session.scalars(select(InboxEvent.status)))
        assert statuses == ["failed", "processed"]
        assert db.session.scalar(select(Stay.external_id)) == "7865"
    again = runner.invoke(args=["import", "--connector", "opentravel", files[0]])
    assert "already imported" in again.output


def test_an_alpinebits_pull_answer_can_be_imported_for_a_named_hotel(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    path = str(AB / "GuestRequests-OTA_ResRetrieveRS-cancellation.xml")
    result = runner.invoke(args=["import", "--connector", "alpinebits", "--hotel", "123", path])
    assert result.exit_code == 0, result.output
    with sqlite_app.app_context():
        stay = db.session.scalar(select(Stay))
        assert (stay.external_id, stay.status) == ("c24e8b15ca469388", "cancelled")


def test_an_unknown_connector_is_a_clear_error(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["import", "--connector", "nope", "x.xml"])
    assert result.exit_code != 0 and "unknown connector" in result.output
