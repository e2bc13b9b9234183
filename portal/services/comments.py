"""Comments on consultations: submission, moderation, flags, the unit's decisions, and confidential contacts.

- A comment belongs to its consultation's responsible unit (`consultation.unit`): it waits in that
  unit's moderation queue, and only that unit's staff publish, hide or answer it.
- The public sees published comments only, through `public_comments`, which exposes the cleaned
  body, the name if the commenter allowed it (otherwise a neutral label), the paragraph, and the
  decision with its reason: never a phone number, email address or `author_key`.
- Contact details live in CommentContact and are read only through `read_contact`, which leaves an
  audit record each time (like `identities.read_identity`).
- Access is the policy `access.COMMENTS`: a comment nobody outside the unit may see (waiting, hidden,
  flagged) is NotFound for other units; a published one is Forbidden to them.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import numbers
from portal.contacts import contact_errors
from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Comment,
    CommentContact,
    CommentDecision,
    CommentFlag,
    CommentState,
    Consultation,
    ConsultationState,
)
from portal.models.types import utcnow
from portal.permissions import Permission
from portal.sanitize import clean_text
from portal.services import access, audit, clocks, drafts, search

BODY_LENGTH = (5, 5000)
NAME_LENGTH = (1, 80)
MODERATION_REASON_LENGTH = (2, 1000)
DECISION_REASON_LENGTH = 2000
CLIENT_KEY_LENGTH = 64
# Decisions can be given while comments come in and after the period closes, not once the statement is out.
DECIDING_STATES = (ConsultationState.OPEN, ConsultationState.CLOSED)


def decision_label(decision):
    """A decision in the user's language ('' for none)."""
    if decision is None:
        return ""
    return {
        CommentDecision.ADOPTED: _("Adopted (采纳)"),
        CommentDecision.PARTLY_ADOPTED: _("Partly adopted (部分采纳)"),
        CommentDecision.NOT_ADOPTED: _("Not adopted (不采纳)"),
        CommentDecision.OUT_OF_SCOPE: _(
            "Outside the scope of this consultation (不属于本次征求范围)"
        ),
    }[decision]


def state_label(state):
    """A comment's moderation state in the user's language."""
    return {
        CommentState.PENDING: _("waiting for moderation"),
        CommentState.PUBLISHED: _("published"),
        CommentState.HIDDEN: _("hidden"),
        CommentState.FLAGGED: _("hidden after flags, waiting for review"),
    }[state]


# --- submission ----------------------------------------------------------------------------------


def normalise_phone(phone):
    """The digits of a phone number, without the +86 country code."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def contact_key(value, secret):
    """HMAC-SHA256, keyed with the application's `secret`, of one normalised contact (email lower-cased, phone digits)."""
    # A bare hash of an 11-digit phone number is reversed by trying them all; the key keeps the
    # comments table from revealing what CommentContact holds apart. Rotating the secret only means
    # later comments of one person are no longer grouped with earlier ones.
    return hmac.new(
        secret.encode(), b"comment-author:" + value.encode(), hashlib.sha256
    ).hexdigest()


def _author_key(consultation, phone, email, secret):
    """The key that groups one person's comments: a phone's or an email's hash.

    With both, an earlier comment on the same consultation that used either of them decides, so
    someone who once gave only an email and then both counts once.
    """
    keys = []
    if phone:
        keys.append(contact_key(normalise_phone(phone), secret))
    if email:
        keys.append(contact_key(email.lower(), secret))
    if len(keys) > 1 and consultation.id is not None:
        known = db.session.scalar(
            sa.select(Comment.author_key)
            .where(Comment.consultation_id == consultation.id, Comment.author_key.in_(keys))
            .order_by(Comment.id)
            .limit(1)
        )
        if known:
            return known
    return keys[0]


def _check_open(consultation, now, tz):
    if not access.CONSULTATIONS.is_public(consultation):
        raise access.CONSULTATIONS.not_found(consultation.id)
    today = clocks.local_day(now, tz)
    if consultation.state is ConsultationState.WITHDRAWN:
        raise Conflict(_("This consultation was withdrawn; comments are no longer accepted."))
    if consultation.state is not ConsultationState.OPEN or today > consultation.closes_on:
        raise Conflict(
            _(
                "Comments are no longer accepted: this consultation closed on %(date)s.",
                date=consultation.closes_on.isoformat(),
            )
        )
    if today < consultation.opens_on:
        raise Conflict(
            _(
                "Comments are not accepted yet: this consultation opens on %(date)s.",
                date=consultation.opens_on.isoformat(),
            )
        )


def submit_comment(
    consultation,
    body,
    author_name,
    phone,
    email,
    publish_name,
    paragraph_number=None,
    now=None,
    tz=clocks.DEFAULT_TZ,
    *,
    secret,
):
    """A resident's comment on the document or one paragraph; it waits for moderation (the caller commits).

    `secret` (the application's SECRET_KEY) keys the hash that groups one person's comments (`contact_key`).

    Every problem with the input is reported at once (ValidationFailed.every), in the order of the form.
    """
    now = now or utcnow()
    _check_open(consultation, now, tz)
    errors = []
    paragraph = None
    if paragraph_number not in (None, ""):
        number = numbers.identifier(paragraph_number)
        paragraph = next((p for p in consultation.paragraphs if p.number == number), None)
        if paragraph is None:
            errors.append(
                (
                    "paragraph",
                    _(
                        "The part you comment on does not exist: the document has no paragraph "
                        "%(n)s.",
                        n=paragraph_number,
                    ),
                )
            )
    body = clean_text(body)
    low, high = BODY_LENGTH
    if not body:
        errors.append(("body", _("Enter your comment.")))
    elif not low <= len(body) <= high:
        errors.append(
            (
                "body",
                _(
                    "Your comment must be between %(low)s and %(high)s characters (it has %(n)s).",
                    low=low,
                    high=f"{high:,}",
                    n=len(body),
                ),
            )
        )
    name = " ".join(clean_text(author_name).split())
    if not name:
        errors.append(("author_name", _("Enter your name.")))
    elif len(name) > NAME_LENGTH[1]:
        errors.append(
            ("author_name", _("Your name must be %(n)s characters or fewer.", n=NAME_LENGTH[1]))
        )
    phone, email = (phone or "").strip(), (email or "").strip()
    errors += contact_errors(
        phone,
        email,
        _(
            "Enter your phone number or your email address: the rules on public "
            "participation require a way to reach you. It is never published."
        ),
    )
    if errors:
        raise ValidationFailed.every(errors)
    comment = Comment(
        consultation=consultation,
        paragraph=paragraph,
        author_name=name,
        publish_name=bool(publish_name),
        body=body,
        state=CommentState.PENDING,
        submitted_at=now,
        author_key=_author_key(consultation, phone, email, secret),
    )
    db.session.add(comment)
    db.session.flush()
    db.session.add(CommentContact(comment_id=comment.id, phone=phone, email=email))
    db.session.flush()
    return comment


# --- what the public sees ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicComment:
    """A published comment as anyone may see it: no contact details, the name only if allowed."""

    id: int
    body: str
    author: str
    paragraph_number: int | None
    decision: CommentDecision | None
    decision_label: str
    reason: str
    submitted_at: datetime


def public_view(comment):
    """The public face of one comment."""
    author = comment.author_name if comment.publish_name else _("Member of the public")
    return PublicComment(
        id=comment.id,
        body=comment.body,
        author=author,
        paragraph_number=comment.paragraph.number if comment.paragraph else None,
        decision=comment.decision,
        decision_label=decision_label(comment.decision),
        reason=comment.decision_reason,
        submitted_at=comment.submitted_at,
    )


def public_comments(consultation):
    """The published comments of `consultation`, oldest first, as PublicComment."""
    comments = db.session.scalars(
        access.COMMENTS.public_query()
        .where(Comment.consultation_id == consultation.id)
        .order_by(Comment.id)
    ).all()
    return [public_view(c) for c in comments]


def public_comment_counts(consultation_ids):
    """{consultation id: how many published comments it has} for `consultation_ids`, in one query."""
    counts = (
        dict(
            db.session.execute(
                sa.select(Comment.consultation_id, sa.func.count())
                .where(
                    Comment.consultation_id.in_(consultation_ids),
                    access.COMMENTS.public_condition(),
                )
                .group_by(Comment.consultation_id)
            ).all()
        )
        if consultation_ids
        else {}
    )
    return {i: counts.get(i, 0) for i in consultation_ids}


# --- moderation ----------------------------------------------------------------------------------


def _act(user, comment):
    """Check `user` may act on `comment`: NotFound if they may not see it, Forbidden if not of the unit."""
    access.COMMENTS.act(user, comment)


def get_for_unit(user, comment_id):
    """A comment for its unit's console (or site oversight), or NotFound; acting is checked by each action."""
    return access.COMMENTS.get_for_unit(user, comment_id)


def get_on(consultation, comment_id):
    """The comment `comment_id` of `consultation` in any state, or NotFound (flagging decides what it accepts)."""
    comment = db.session.get(Comment, numbers.identifier(comment_id) or 0)
    if comment is None or comment.consultation_id != consultation.id:
        raise NotFound(_("No comment has the number %(id)s.", id=comment_id))
    return comment


def moderation_queue(user, consultation=None):
    """The comments of the user's unit waiting for moderation (new or flagged), oldest first."""
    if not user.can(Permission.CONSULTATIONS_MANAGE):
        raise Forbidden(_("Only staff of the responsible unit can do this."))
    query = (
        sa.select(Comment)
        .join(Consultation)
        .where(
            Consultation.unit_id == user.unit_id,
            Comment.state.in_([CommentState.PENDING, CommentState.FLAGGED]),
        )
        .order_by(Comment.submitted_at, Comment.id)
    )
    if consultation is not None:
        access.CONSULTATIONS.act(user, consultation)
        query = query.where(Comment.consultation_id == consultation.id)
    return db.session.scalars(query).all()


def _reason(reason):
    return drafts.text_field(reason, "reason", _("Reason"), *MODERATION_REASON_LENGTH)


def publish_comment(user, comment):
    """Publish a comment waiting for moderation."""
    _act(user, comment)
    if comment.state is not CommentState.PENDING:
        raise Conflict(_("Only a comment waiting for moderation can be published."))
    comment.state, comment.moderation_reason = CommentState.PUBLISHED, ""
    audit.record("comment.published", "comment", comment.id, actor=user)
    search.enqueue("comment", comment.id)
    return comment


def hide_comment(user, comment, reason):
    """Hide a waiting or published comment, with a reason (kept for the record)."""
    _act(user, comment)
    if comment.state not in (CommentState.PENDING, CommentState.PUBLISHED):
        raise Conflict(_("Only a comment waiting for moderation or a published one can be hidden."))
    comment.moderation_reason = _reason(reason)
    comment.state = CommentState.HIDDEN
    audit.record(
        "comment.hidden", "comment", comment.id, actor=user, detail=comment.moderation_reason
    )
    search.enqueue("comment", comment.id)
    return comment


def flag_limit(config):
    """COMMENT_FLAG_LIMIT from `config`, checked."""
    value = config["COMMENT_FLAG_LIMIT"]
    if isinstance(value, bool) or int(value) < 1:
        raise ValueError(f"COMMENT_FLAG_LIMIT: expected at least 1, got {value!r}")
    return int(value)


def flag_comment(comment, client_key, config, now=None):
    """Anyone flags a published comment; True when the flag counted (each client counts once, ever).

    At COMMENT_FLAG_LIMIT flags since its last review the comment is hidden pending review. A
    repeated flag, or a flag on a comment already under review, is ignored (False), not refused.
    """
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > CLIENT_KEY_LENGTH:
        raise ValueError("client_key: expected 1 to 64 characters")
    if comment.state is CommentState.FLAGGED:
        return False
    if not access.COMMENTS.is_public(comment):
        raise NotFound(_("No comment has the number %(id)s.", id=comment.id))
    seen = db.session.scalar(
        sa.select(CommentFlag.id).where(
            CommentFlag.comment_id == comment.id, CommentFlag.client_key == client_key
        )
    )
    if seen is not None:
        return False
    db.session.add(
        CommentFlag(comment_id=comment.id, client_key=client_key, created_at=now or utcnow())
    )
    # Counted in SQL, so that two flags at once both count.
    comment.flag_count = Comment.flag_count + 1
    db.session.flush()
    db.session.refresh(comment, ["flag_count"])
    if comment.flag_count >= flag_limit(config):
        comment.state = CommentState.FLAGGED
        search.enqueue("comment", comment.id)
    return True


def review_flagged(user, comment, keep, reason):
    """Decide on a comment hidden after flags: publish it again (flags reset) or hide it (reason required)."""
    _act(user, comment)
    if comment.state is not CommentState.FLAGGED:
        raise Conflict(_("This comment is not waiting for a review of flags."))
    if keep:
        comment.moderation_reason = clean_text(reason)[: MODERATION_REASON_LENGTH[1]]
        comment.state, comment.flag_count = CommentState.PUBLISHED, 0
        audit.record(
            "comment.kept", "comment", comment.id, actor=user, detail=comment.moderation_reason
        )
    else:
        comment.moderation_reason = _reason(reason)
        comment.state = CommentState.HIDDEN
        audit.record(
            "comment.hidden", "comment", comment.id, actor=user, detail=comment.moderation_reason
        )
    search.enqueue("comment", comment.id)
    return comment


# --- decisions -----------------------------------------------------------------------------------


def _decision(decision, reason):
    if not isinstance(decision, CommentDecision):
        try:
            decision = CommentDecision(decision)
        except ValueError:
            raise ValidationFailed(
                _("Choose a decision: adopted, partly adopted, not adopted or outside the scope."),
                field="decision",
            ) from None
    reason = drafts.text_field(reason, "reason", _("Reason"), 0, DECISION_REASON_LENGTH)
    if decision is CommentDecision.NOT_ADOPTED and not reason:
        raise ValidationFailed(
            _("Give the reason why the comment is not adopted (不采纳)."), field="reason"
        )
    return decision, reason


def _check_decidable(user, comment):
    _act(user, comment)
    state = comment.consultation.state
    if state is ConsultationState.ANSWERED:
        raise Conflict(
            _("The participation statement has been published; decisions can no longer change.")
        )
    if state not in DECIDING_STATES:
        raise Conflict(_("Decisions are given on open or closed consultations only."))
    if comment.state is not CommentState.PUBLISHED:
        raise Conflict(
            _(
                "Comment %(id)s is not published; only published comments are answered.",
                id=comment.id,
            )
        )


def _record_decision(user, comment, decision, reason, now):
    comment.decision, comment.decision_reason = decision, reason
    comment.decided_at, comment.decided_by_id = now, user.id
    search.enqueue("comment", comment.id)


def decide(user, comment, decision, reason, now=None):
    """Answer one published comment: adopted, partly adopted, not adopted (reason required) or out of scope."""
    _check_decidable(user, comment)
    decision, reason = _decision(decision, reason)
    _record_decision(user, comment, decision, reason, now or utcnow())
    return comment


def decide_many(user, comments, decision, shared_reason, now=None):
    """Answer several published comments of one consultation with one decision and explanation; all or none."""
    comments = list({c.id: c for c in comments}.values())
    if not comments:
        raise ValidationFailed(_("Choose at least one comment."), field="comments")
    if len({c.consultation_id for c in comments}) > 1:
        raise ValidationFailed(_("Choose comments of one consultation only."), field="comments")
    for comment in comments:
        _check_decidable(user, comment)
    decision, reason = _decision(decision, shared_reason)
    now = now or utcnow()
    for comment in comments:
        _record_decision(user, comment, decision, reason, now)
    return comments


# --- confidential contacts -----------------------------------------------------------------------


def may_read_contact(user, comment):
    """Site administrators with the permission, and staff of the consultation's unit."""
    if user.can(Permission.SITE_COMMENT_CONTACTS_READ):
        return True
    return user.unit_id == comment.consultation.unit_id and user.can(
        Permission.CONSULTATIONS_MANAGE
    )


def read_contact(user, comment, purpose):
    """The commenter's CommentContact if `user` may see it (recording the read with `purpose`), else None."""
    if not may_read_contact(user, comment):
        return None
    contact = db.session.scalar(
        sa.select(CommentContact).where(CommentContact.comment_id == comment.id)
    )
    if contact is None:
        return None
    purpose = " ".join(clean_text(purpose).split())
    if not purpose:
        raise ValidationFailed(
            _("Enter why you need the commenter's contact details."), field="purpose"
        )
    audit.record("comment_contact.read", "comment", comment.id, actor=user, detail=purpose[:500])
    return contact
