"""Demo: a hotel on Apaleo, its history backfilled from the fake vendor API over real HTTP.

The fake (connectors/fake_cloud.py) runs only while the demo loads, so the connection is left
switched off afterwards: its "Test connection" then says the fake is gone, as it would for a
vendor outage.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.fake_cloud import FakeCloud
from guestcrm.db.types import utcnow
from guestcrm.models import Property
from guestcrm.services.ingest.cloud_sync import run_backfill, start_backfill
from guestcrm.services.ingest.connections import ConnectionForm, save_connection
from guestcrm.services.ingest.processing import process_inbox_event

CODE, NAME, ACCOUNT = "APA1", "Stadthotel München (Apaleo)", "MUC"
RESERVATIONS = 150


def seed_cloud(session: Session, reservations: int = RESERVATIONS) -> Iterator[str]:
    if session.scalar(select(Property).where(Property.code == CODE)) is None:
        session.add(Property(code=CODE, name=NAME, country="DE", timezone="Europe/Berlin",
                             confirmed_at=utcnow(), confirmed_by="demo"))
        session.commit()
    fake = FakeCloud()
    fake.start()
    try:
        fake.add_synthetic("apaleo", ACCOUNT, reservations, seed=2024)
        settings = fake.settings("apaleo", ACCOUNT)
        row = save_connection(session, ConnectionForm(
            connector="apaleo", property_code=CODE, account=ACCOUNT,
            base_url=settings["base_url"], token_url=settings["token_url"],
            client_id=settings["client_id"], secret=settings["secret"]),
            current_app.config, "demo")
        run = start_backfill(session, row, "demo")
        run = run_backfill(session, run.id, current_app.config,
                           lambda inbox_id: process_inbox_event(session, inbox_id))
        yield (f"Apaleo hotel {CODE}: backfill {run.status}, {run.reservations} reservations "
               f"in {run.pages} pages from the fake Apaleo API")
    finally:
        fake.stop()
    row.enabled = False
    session.commit()
