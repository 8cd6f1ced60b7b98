"""Perk mails through a real SMTP server process (aiosmtpd) on 127.0.0.1: delivered when it is
up; with it down the mail waits in the outbox and goes out once it is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from guestcrm.db.types import utcnow
from guestcrm.models import OutboundMail, Perk
from guestcrm.services.mail.outbox import SmtpSettings, deliver, deliver_due
from guestcrm.services.perks.issuing import issue_for_stays
from tests.integration.perk_support import publish_offer, stay
from tests.smtp_server import SmtpServer, free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path / "maildir", free_port())
    yield server
    server.stop()


def issued_mail(session) -> tuple[int, str]:
    publish_offer(session, rule={"nth_stay": 1})
    done = stay(session, "S1")
    issued = issue_for_stays(session, [done.id])
    (mail_id,) = issued.mail_ids
    return mail_id, session.get(Perk, issued.perk_ids[0]).code


def test_the_perk_mail_reaches_the_smtp_server(db_session, smtp):
    smtp.start()
    mail_id, code = issued_mail(db_session)
    settings = SmtpSettings(host="127.0.0.1", port=smtp.port, starttls=False)
    assert deliver(db_session, mail_id, settings) == "sent"
    (message,) = smtp.messages()
    assert message["To"] == "anna.huber@mail.test" and code in message.get_payload(decode=True
                                                                                     ).decode()


def test_with_the_mail_server_down_the_mail_waits_and_goes_out_when_it_is_back(db_session,
                                                                               smtp):
    mail_id, code = issued_mail(db_session)
    settings = SmtpSettings(host="127.0.0.1", port=smtp.port, starttls=False, timeout=2)
    assert deliver(db_session, mail_id, settings) == "pending"
    mail = db_session.get(OutboundMail, mail_id)
    assert mail.attempts == 1 and mail.last_error and mail.next_attempt_at > utcnow()
    assert deliver_due(db_session, settings) == {"sent": 0, "pending": 0, "failed": 0}  # not due
    smtp.start()
    later = utcnow() + timedelta(minutes=5)
    assert deliver_due(db_session, settings, now=later) == {"sent": 1, "pending": 0, "failed": 0}
    db_session.refresh(mail)
    assert mail.status == "sent" and mail.attempts == 2
    assert code in smtp.messages()[0].get_payload(decode=True).decode()
    assert db_session.scalar(select(OutboundMail.status).where(OutboundMail.id == mail_id)) == "sent"
