"""Hotels first seen in a message: listed for an admin to confirm (with a name) or remove."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import Conflict, NotFound
from guestcrm.models import AuditEntry, Property, Stay


def list_hotels(session: Session, unconfirmed_only: bool = False) -> list[Property]:
    query = select(Property).order_by(Property.confirmed_at.is_not(None), Property.code)
    if unconfirmed_only:
        query = query.where(Property.confirmed_at.is_(None))
    return list(session.scalars(query))


def first_stays(session: Session, props: list[Property]) -> dict[int, Stay]:
    """Where each hotel was first seen: its oldest stay (the message that created it)."""
    ids = [p.id for p in props]
    if not ids:
        return {}
    oldest = (select(func.min(Stay.id)).where(Stay.property_id.in_(ids))
              .group_by(Stay.property_id))
    return {s.property_id: s for s in session.scalars(select(Stay).where(Stay.id.in_(oldest)))}


def _hotel(session: Session, code: str) -> Property:
    prop = session.scalar(select(Property).where(Property.code == code))
    if prop is None:
        raise NotFound(f"No hotel {code!r}.")
    return prop


def confirm_hotel(session: Session, code: str, name: str | None, actor: str) -> Property:
    prop = _hotel(session, code)
    if name and name.strip():
        prop.name = name.strip()[:255]
    prop.confirmed_at = utcnow()
    prop.confirmed_by = actor
    session.add(AuditEntry(actor=actor, action="property.confirm", target_type="property",
                           target_id=str(prop.id), details={"code": code, "name": prop.name}))
    session.commit()
    return prop


def references(session: Session, prop: Property) -> dict[str, int]:
    """Rows pointing at the hotel, by table: every foreign key to property.id, so a table
    added later is counted without touching this."""
    counts: dict[str, int] = {}
    for table in Property.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "property" and fk.parent.table is table:
                n = session.scalar(select(func.count()).where(fk.parent == prop.id)) or 0
                if n:
                    counts[table.name] = counts.get(table.name, 0) + n
    return counts


def remove_hotel(session: Session, code: str, actor: str) -> None:
    """Delete a hotel nothing refers to; otherwise refuse, naming what refers to it."""
    prop = _hotel(session, code)
    used = references(session, prop)
    if used:
        what = ", ".join(f"{n} {table}" for table, n in sorted(used.items()))
        raise Conflict(f"Hotel {code} cannot be removed: {what} refer to it.")
    session.add(AuditEntry(actor=actor, action="property.remove", target_type="property",
                           target_id=str(prop.id), details={"code": code}))
    session.execute(delete(Property).where(Property.id == prop.id))
    session.commit()


