"""Who did something, in words people read: "Anna Berger" rather than "staff:1". Actors are
stored as `staff:<id>`, `token:<name>`, `guest:<profile id>` or a word (system, cli, demo, pms);
`readable_actor` turns one into a name, given the staff names read once (`staff_names`)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import StaffUser

WORDS = {"system": "the system", "cli": "the command line", "demo": "the demo",
         "pms": "the PMS", "system:dedupe": "the weekly re-resolution",
         "system:retention": "the retention rule", "cli:dedupe": "dedupe (command line)"}


def staff_names(session: Session) -> dict[int, str]:
    """Every staff member's name (or address when nameless), by id: one query."""
    return {i: name or email for i, name, email in session.execute(
        select(StaffUser.id, StaffUser.name, StaffUser.email))}


def readable_actor(actor: str | None, names: Mapping[int, str]) -> str:
    if not actor:
        return ""
    if actor in WORDS:
        return WORDS[actor]
    kind, _, rest = actor.partition(":")
    if kind == "staff" and rest.isdigit():
        return names.get(int(rest), f"staff member #{rest}")
    if kind == "token":
        return f"API token {rest}"
    if kind == "guest" and rest.isdigit():
        return f"the guest (#{rest})"
    return actor
