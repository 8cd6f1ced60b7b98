"""Demo data: staff logins, the fake PMS's hotels and its reservation stream, through the inbox,
and a working day at each hotel (cli/demo_day.py).

Meant for the embedded default (`scripts/demo.sh`): the passwords are fixed and printed, so it
refuses to run in production. Running it again adds nothing: staff and properties are looked
up first, and each fake message is deduplicated by the inbox like any repeated delivery.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.fake import DEFAULT_PROPERTIES, FakePMS
from connectors.registry import get_connector
from guestcrm.cli.demo_cloud import seed_cloud
from guestcrm.cli.demo_day import seed_day
from guestcrm.cli.demo_identity import seed_identity
from guestcrm.cli.demo_perks import seed_perks
from guestcrm.cli.demo_portal import portal_link
from guestcrm.db.types import utcnow
from guestcrm.extensions import db
from guestcrm.models import GuestProfile, InboxEvent, Property, StaffUser, Stay
from guestcrm.services.access.staff import create_staff
from guestcrm.services.ingest.inbox import accept_message
from guestcrm.services.ingest.processing import process_inbox_event

DEMO_SEED = 2024
# Where the demo hotels are: the default region for phone numbers without a country code.
PROPERTY_PLACES = {"ALP1": ("IT", "Europe/Rome"), "ALP2": ("IT", "Europe/Rome"),
                   "CITY1": ("AT", "Europe/Vienna")}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    properties: tuple[str, ...]


ALL_CODES = tuple(p.code for p in DEFAULT_PROPERTIES)
DEMO_LOGINS = (
    DemoLogin("admin@demo.guestcrm", "demo-admin-pass", "admin", ALL_CODES),
    DemoLogin("desk@demo.guestcrm", "demo-desk-pass", "front_desk", ("ALP1",)),
    DemoLogin("revenue@demo.guestcrm", "demo-revenue-pass", "revenue_manager", ALL_CODES),
)


class DemoRefused(RuntimeError):
    """The demo must not run here (production)."""


def load_demo(session: Session, events: int = 400, environment: str | None = None) -> Iterator[str]:
    """Create the demo logins and hotels and ingest `events` fake PMS messages; yields progress."""
    environment = environment or _environment()
    if environment == "production":
        raise DemoRefused("the demo has fixed passwords and fake guests: never in production")
    yield from _properties(session)
    yield from _logins(session)
    yield from seed_day(session, ALL_CODES, DEMO_SEED)
    yield from _ingest(session, events)
    yield from seed_cloud(session)
    yield from seed_identity(session)
    yield from seed_perks(session)
    yield from portal_link(session)


def _environment() -> str:
    if has_app_context():
        return str(current_app.config.get("GUESTCRM_ENV", "development"))
    return os.environ.get("GUESTCRM_ENV", "development")


def _properties(session: Session) -> Iterator[str]:
    for fake in DEFAULT_PROPERTIES:
        prop = session.scalar(select(Property).where(Property.code == fake.code))
        country, zone = PROPERTY_PLACES.get(fake.code, (None, "UTC"))
        if prop is None:
            session.add(Property(code=fake.code, name=fake.name, country=country, timezone=zone,
                                 confirmed_at=utcnow(), confirmed_by="demo"))
            yield f"property {fake.code}: {fake.name} ({fake.connector})"
        elif prop.name in ("", prop.code):
            prop.name = fake.name
    session.commit()


def _logins(session: Session) -> Iterator[str]:
    for login in DEMO_LOGINS:
        if session.scalar(select(StaffUser).where(StaffUser.email == login.email)) is None:
            create_staff(session, login.email, login.password, login.role, list(login.properties),
                         name=login.role.replace("_", " ").title() + " (demo)", actor="demo")
        yield (f"login {login.email} / {login.password}  ({login.role}, "
               f"{', '.join(login.properties)})")


def _ingest(session: Session, count: int) -> Iterator[str]:
    stream = FakePMS(DEMO_SEED).events(count)
    connectors = {name: get_connector(name) for name in {e.connector for e in stream}}
    new = repeated = failed = 0
    step = max(count // 4, 1)
    for done, event in enumerate(stream, start=1):
        connector = connectors[event.connector]
        message = connector.extract(event.body, event.content_type, event.form)
        message.headers = dict(event.headers)
        accepted = accept_message(session, event.connector, message, credential="demo", via="demo")
        if accepted.duplicate and accepted.event.status != "received":
            repeated += 1
        else:
            new += 1
            processed = process_inbox_event(session, accepted.event.id)
            failed += processed is not None and processed.status == "failed"
        if done % step == 0 or done == len(stream):
            yield f"fake PMS: {done}/{len(stream)} messages"
    stays = session.scalar(select(func.count()).select_from(Stay))
    profiles = session.scalar(
        select(func.count()).select_from(GuestProfile).where(GuestProfile.merged_into_id.is_(None))
    )
    failures = session.scalar(select(func.count()).where(InboxEvent.status == "failed"))
    session.rollback()
    yield (f"demo data: {new} new messages, {repeated} already loaded, {failed} failed now; "
           f"{stays} stays, {profiles} guest profiles, {failures} failed inbox events in total")


def register(app: Flask) -> None:
    app.cli.add_command(demo_cmd)


@click.command("demo")
@with_appcontext
@click.option("--events", default=400, help="How many fake PMS events to load.")
def demo_cmd(events):
    """Load demo data from the fake PMS and create the demo logins (idempotent)."""
    try:
        for line in load_demo(db.session, events=events):
            click.echo(line)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
