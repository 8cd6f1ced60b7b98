"""Memory that lives as long as the session's current transaction: what one transaction has
already looked up or locked, forgotten as soon as it commits or rolls anything back (a
savepoint's rollback too: a row it created, a lock it took, is gone)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

_KEY = "guestcrm_tx_scope"
_HELD = "keep_loaded"  # in the scope: the list of objects kept alive, when asked for


def tx_dict(session: Session, name: str) -> dict:
    """A dict named `name` for the session's current outermost transaction."""
    return _scope(session, create=True).setdefault(name, {})


def keep_loaded(session: Session) -> None:
    """Hold every object this transaction loads or creates until it ends: the session's
    identity map holds them only weakly, so a batch would otherwise load the same profile (and
    its contacts) again for each step that needs it. Only for bounded work: a batch."""
    _scope(session, create=True)[_HELD] = []


def _scope(session: Session, create: bool) -> dict | None:
    """The memory of the session's current outermost transaction (None: none yet, and
    `create` is false)."""
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session
        session = session()
    transaction = session.get_transaction()
    entry = session.info.get(_KEY)
    if entry is None or entry[0] is not transaction:
        if not create:
            return None
        entry = session.info[_KEY] = (transaction, {})
    return entry[1]


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    session.info.pop(_KEY, None)


def _hold(session: Session, instance) -> None:
    scope = _scope(session, create=False)  # every load in the app passes here: create nothing
    held = scope.get(_HELD) if scope is not None else None
    if held is not None:
        held.append(instance)


event.listen(Session, "loaded_as_persistent", _hold)
event.listen(Session, "pending_to_persistent", _hold)
