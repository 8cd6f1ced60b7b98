"""The mail outbox: mails are rows first (written in the transaction that decided to send
them), delivered over SMTP after the commit, and kept waiting with growing delays while the
mail server is away, so an outage loses nothing. A recipient the server refuses for good is
marked failed with the server's answer."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import OutboundMail

MAX_DELAY = timedelta(hours=1)
BATCH = 100


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "GuestCRM <no-reply@localhost>"
    timeout: float = 10.0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY)


def deliver(session: Session, mail_id: int, smtp: SmtpSettings) -> str:
    """Try one waiting mail now; its status afterwards (committed)."""
    query = select(OutboundMail).where(OutboundMail.id == mail_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    mail = session.scalar(query)
    if mail is None or mail.status != "pending":
        session.rollback()
        return mail.status if mail else "missing"
    _attempt(mail, smtp, utcnow())
    session.commit()
    return mail.status


def pending_mail_ids(session: Session, perk_id: int) -> list[int]:
    return list(session.scalars(select(OutboundMail.id).where(
        OutboundMail.perk_id == perk_id, OutboundMail.status == "pending")))


def deliver_due(session: Session, smtp: SmtpSettings, now: datetime | None = None,
                limit: int = BATCH) -> dict[str, int]:
    """Every waiting mail whose time has come (the periodic job); counts by outcome."""
    now = now or utcnow()
    query = (select(OutboundMail).where(OutboundMail.status == "pending",
                                        OutboundMail.next_attempt_at <= now)
             .order_by(OutboundMail.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    counts = {"sent": 0, "pending": 0, "failed": 0}
    for mail in session.scalars(query).all():
        _attempt(mail, smtp, now)
        counts[mail.status] += 1
        if mail.status == "pending":  # the server is away: the rest wait for the next round
            break
    session.commit()
    return counts


def _attempt(mail: OutboundMail, smtp: SmtpSettings, now: datetime) -> None:
    mail.attempts += 1
    if not smtp.host:
        _wait(mail, now, "no mail server configured (GUESTCRM_SMTP_HOST)")
        return
    try:
        _send(mail, smtp)
    except smtplib.SMTPRecipientsRefused as exc:
        answers = list(exc.recipients.values())
        if answers and all(code >= 500 for code, _ in answers):
            mail.status, mail.last_error = "failed", _text(answers[0])
            return
        _wait(mail, now, _text(answers[0]) if answers else str(exc))
    except (OSError, smtplib.SMTPException) as exc:
        _wait(mail, now, f"{type(exc).__name__}: {exc}")
    else:
        mail.status, mail.sent_at, mail.last_error = "sent", now, None


def _wait(mail: OutboundMail, now: datetime, error: str) -> None:
    mail.last_error = error[:1000]
    mail.next_attempt_at = now + retry_delay(mail.attempts)


def _send(mail: OutboundMail, smtp: SmtpSettings) -> None:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(idstring=f"mail{mail.id}")
    message.set_content(mail.body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(message)


def _text(answer: tuple[int, bytes]) -> str:
    code, text = answer
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
