"""Memory that lives as long as the session's current transaction: what one transaction has
already looked up or locked, forgotten as soon as it commits or rolls anything back (a
savepoint's rollback too: a row it created, a lock it took, is gone)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

_KEY = "guestcrm_tx_scope"


def tx_dict(session: Session, name: str) -> dict:
    """A dict named `name` for the session's current outermost transaction."""
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session
        session = session()
    transaction = session.get_transaction()
    entry = session.info.get(_KEY)
    if entry is None or entry[0] is not transaction:
        entry = session.info[_KEY] = (transaction, {})
    return entry[1].setdefault(name, {})


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    session.info.pop(_KEY, None)


def keep_loaded(session: Session) -> None:
    """Hold every object this transaction loads or creates until it ends: the session's
    identity map holds them only weakly, so a batch would otherwise load the same profile (and
    its contacts) again for each step that needs it. Only for bounded work: a batch."""
    tx_dict(session, "keep_loaded")["on"] = []


def _hold(session: Session, instance) -> None:
    entry = session.info.get(_KEY)
    if entry is None or entry[0] is not session.get_transaction():
        return
    held = entry[1].get("keep_loaded")
    if held is not None:
        held["on"].append(instance)


event.listen(Session, "loaded_as_persistent", _hold)
event.listen(Session, "pending_to_persistent", _hold)
