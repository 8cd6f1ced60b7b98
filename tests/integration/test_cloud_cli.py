"""`flask connect | sync | backfill` against the fake vendor API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from guestcrm.models import BackfillRun, Stay

pytestmark = pytest.mark.integration


def run(app, *args, stdin: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def test_connect_sync_and_backfill_from_the_terminal(app, db_session, cloud):
    cloud.add_stays("mews", "ent-7f3a", 5000, 4)  # ids beyond the synthetic ones below
    settings = cloud.settings("mews", "ent-7f3a")
    connected = run(app, "connect", "--connector", "mews", "--property", "MEW1", "--account",
                    "ent-7f3a", "--base-url", settings["base_url"], "--client-id",
                    settings["client_id"], "--secret-stdin", stdin=settings["secret"] + "\n")
    assert connected.exit_code == 0, connected.output + connected.stderr
    assert settings["secret"] not in connected.output
    synced = run(app, "sync", "--connector", "mews", "--property", "MEW1", "--since",
                 "2015-01-01")
    assert synced.exit_code == 0, synced.stderr
    assert "4 reservations" in synced.output
    assert db_session.scalar(select(func.count()).select_from(Stay)) == 4
    cloud.add_synthetic("mews", "ent-7f3a", 300)
    filled = run(app, "backfill", "--connector", "mews", "--property", "MEW1")
    assert filled.exit_code == 0, filled.stderr
    assert "done: 304 reservations" in filled.output
    assert "/s" in filled.stderr  # the progress line: count, rate
    assert db_session.scalar(select(func.count()).select_from(Stay)) == 304
    assert db_session.scalar(select(BackfillRun.status)) == "done"


def test_sync_of_a_hotel_without_connection_says_so(app, db_session):
    result = run(app, "sync", "--connector", "apaleo", "--property", "NOPE")
    assert result.exit_code != 0
    assert "no apaleo connection for hotel NOPE" in result.stderr


def test_sync_during_an_outage_fails_and_keeps_the_cursor(app, db_session, cloud):
    from tests.integration.cloud_support import connect

    connect(db_session, app, cloud, "apaleo")
    cloud.fail(503, times=100)
    result = run(app, "sync", "--connector", "apaleo", "--property", "APA1")
    assert result.exit_code != 0 and "503" in result.stderr and "cursor left at" in result.stderr


def test_a_json_lines_export_is_imported_in_chunks_with_progress(app, db_session, queue,
                                                                 tmp_path):
    import json

    from connectors.fake_cloud_records import apaleo, stay_for
    from guestcrm.services.ingest import importer
    from tests.integration.test_webhooks import drain

    export = tmp_path / "apaleo-export.jsonl"
    with export.open("w") as handle:
        for k in range(1203):
            handle.write(json.dumps(apaleo(stay_for(3, k), "MUC")) + "\n")
        handle.write("{not json\n")
    result = run(app, "import", "--connector", "apaleo", "--hotel", "APA1", str(export))
    assert result.exit_code == 1  # the broken line is reported
    assert "imported 3 new" in result.output and "1 unreadable" in result.output
    assert "kB" in result.stderr and "ETA" in result.stderr
    drain(app)  # the workers' part (Redis is configured here)
    assert db_session.scalar(select(func.count()).select_from(Stay)) == 1203
    assert importer.CHUNK_LINES == 500
    again = run(app, "import", "--connector", "apaleo", "--hotel", "APA1", str(export))
    assert "imported 0 new, 3 already known" in again.output
    assert db_session.scalar(select(func.count()).select_from(Stay)) == 1203


def test_a_cloud_export_needs_the_hotel(app, db_session, tmp_path):
    export = tmp_path / "x.jsonl"
    export.write_text("{}\n")
    result = run(app, "import", "--connector", "mews", str(export))
    assert result.exit_code != 0 and "--hotel" in result.output
