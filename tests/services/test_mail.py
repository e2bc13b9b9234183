"""The mail outbox: each queued message is sent once, even with a sender on every app host."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import MailMessage
from portal.services import mail
from tests.conftest import ON_POSTGRES


def _queue(n):
    mail.insert((f"resident{i}@example.org", f"subject {i}", f"body {i}") for i in range(n))
    db.session.commit()
    return db.session.scalars(sa.select(MailMessage.id).order_by(MailMessage.id)).all()


def test_queued_messages_are_written_once_and_their_bodies_dropped(app_context):
    """Without a mail server each message becomes one .eml file, and a second run sends nothing again."""
    ids = _queue(3)
    assert mail.send_pending(app_context.config) == (3, 0)
    assert mail.send_pending(app_context.config) == (0, 0)
    names = sorted(p.name for p in (Path(app_context.config["DATA_DIR"]) / "mail").iterdir())
    assert names == [f"{i:08d}.eml" for i in ids]
    assert set(db.session.scalars(sa.select(MailMessage.body))) == {""}


@pytest.mark.skipif(not ON_POSTGRES, reason="app hosts share a PostgreSQL database")
def test_a_message_another_sender_holds_is_left_to_it(app_context):
    """A message another host's sender is sending (its row locked) is skipped, not sent a second time."""
    first, *others = _queue(4)
    with db.engine.connect() as other_host:
        other_host.execute(
            sa.select(MailMessage.id).where(MailMessage.id == first).with_for_update()
        )
        # A sender that waited for the lock instead of passing over it would fail here, not hang.
        db.session.execute(sa.text("SET lock_timeout = '5s'"))
        try:
            assert mail.send_pending(app_context.config) == (3, 0)
        finally:
            db.session.rollback()
            db.session.execute(sa.text("RESET lock_timeout"))
            other_host.rollback()
    sent = dict(db.session.execute(sa.select(MailMessage.id, MailMessage.sent_at)).all())
    assert sent[first] is None and all(sent[i] is not None for i in others)
    assert mail.send_pending(app_context.config) == (1, 0)


def test_a_message_that_fails_is_tried_once_a_run(app_context):
    """A server that refuses costs each message one attempt per run, not all its attempts at once."""
    _queue(2)
    config = {**app_context.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9}  # discard: refused
    assert mail.send_pending(config) == (0, 2)
    attempts = db.session.scalars(sa.select(MailMessage.attempts)).all()
    assert attempts == [1, 1]
    assert all(db.session.scalars(sa.select(MailMessage.last_error)))
