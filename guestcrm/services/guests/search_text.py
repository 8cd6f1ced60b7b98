"""The text guest search compares: name and company folded as the matcher folds names, so
Müller, MULLER and Мюллер are written alike. Kept current by the ORM on every profile write."""

from __future__ import annotations

from sqlalchemy import event

from guestcrm.models import GuestProfile
from guestcrm.services.identity.matching.names import fold

MAX_LENGTH = 640


def search_text(first_name: str | None, last_name: str | None,
                company: str | None = None) -> str | None:
    """'anna muller acme hotels' for Anna Müller of ACME Hotels; None when nothing is left."""
    words = " ".join(fold(part) for part in (first_name, last_name, company) if part)
    return " ".join(words.split())[:MAX_LENGTH] or None


def fold_query(text: str) -> str:
    """A typed query in the same spelling as search_text."""
    return " ".join(fold(text).split())


def _refresh(_mapper, _connection, profile: GuestProfile) -> None:
    profile.search_text = search_text(profile.first_name, profile.last_name, profile.company)


def keep_search_text_current() -> None:
    """Every insert and update of a profile writes its search text (idempotent)."""
    for name in ("before_insert", "before_update"):
        if not event.contains(GuestProfile, name, _refresh):
            event.listen(GuestProfile, name, _refresh)
