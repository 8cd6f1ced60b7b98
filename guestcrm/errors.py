"""The domain's own errors. Services raise them; guestcrm/web/errors.py turns each into its HTTP
answer in one place, so views do not map LookupError or ValueError one by one."""

from __future__ import annotations


class DomainError(Exception):
    """Something the caller asked for that the domain will not do; the text says why."""

    status = 400


class NotFound(DomainError, LookupError):
    """The record does not exist, or is not the caller's to see (the same answer, so ids
    cannot be probed)."""

    status = 404


class Refused(DomainError, ValueError):
    """The request is understood, and refused: invalid values, or a state that forbids it."""

    status = 422


class Conflict(Refused):
    """It would clash with what exists (a name taken, a record already in that state)."""

    status = 409
