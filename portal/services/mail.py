"""The mail outbox: messages are queued with the change that causes them and sent later."""

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import render_template

from portal.extensions import db
from portal.models import MailMessage
from portal.models.types import utcnow

MAX_ATTEMPTS = 5


def queue(recipient, template, **context):
    """Render `templates/email/<template>.txt` (first line: subject) and queue it for `recipient`."""
    queued = queue_all([recipient], template, **context)
    return queued[0] if queued else None


def queue_all(recipients, template, **context):
    """Queue one message, rendered once, for each non-empty recipient (the same text for all of them)."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return []
    subject, body = render(template, **context)
    messages = [MailMessage(recipient=r, subject=subject, body=body) for r in recipients]
    db.session.add_all(messages)
    return messages


def render(template, **context):
    """(subject, body) of `templates/email/<template>.txt`: its first line, and the rest."""
    subject, _, body = render_template(f"email/{template}.txt", **context).strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


_INSERT = sa.insert(MailMessage.__table__)


def insert(messages):
    """Queue (recipient, subject, body) messages in one INSERT, without ORM objects; empty recipients are skipped."""
    rows = [{"recipient": r, "subject": s, "body": b} for r, s, b in messages if r]
    if rows:
        db.session.connection().execute(_INSERT, rows)
    return len(rows)


def _build(message, sender):
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, message.recipient, message.subject
    email["Date"], email["Message-ID"] = formatdate(localtime=False), make_msgid(domain="portal")
    email.set_content(message.body)
    return email


def send_pending(config, limit=100):
    """Send up to `limit` queued messages by SMTP, or write them as .eml files when no server is set.

    Returns (sent, failed). Each message is committed on its own, so a crash re-sends at most one.
    """
    sent = failed = last = 0
    for _ in range(limit):
        # Past the last one tried: a message that failed waits for the next run.
        message = _claim_next(after=last)
        if message is None:
            break
        last = message.id
        message.attempts += 1
        try:
            _deliver(_build(message, config["MAIL_SENDER"]), message.id, config)
            message.sent_at = utcnow()
            message.last_error = ""
            # Bodies carry private tracking links; once delivered they are not kept.
            message.body = ""
            sent += 1
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            failed += 1
        db.session.commit()
    return sent, failed


def _claim_next(after):
    # The oldest message to send, its row locked until the commit after sending. On PostgreSQL a sender
    # on another app host passes over a locked message (SKIP LOCKED) instead of sending it again; SQLite
    # has no row locks (one host), and there the statement is a plain SELECT.
    return db.session.scalar(
        sa.select(MailMessage)
        .where(
            MailMessage.sent_at.is_(None),
            MailMessage.attempts < MAX_ATTEMPTS,
            MailMessage.id > after,
        )
        .order_by(MailMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _deliver(email, message_id, config):
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    else:
        folder = Path(config["DATA_DIR"]) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{message_id:08d}.eml").write_bytes(bytes(email))
