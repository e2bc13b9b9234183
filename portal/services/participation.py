"""The participation statement (公众参与说明) of a consultation: period, channels, counts, the adoption matrix
and the hearings, built from published comments only.

Its own module because it reads both `consultations` and `comments`, and `comments` depends on
`consultations` (see tests/test_import_cycles.py).
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.extensions import db
from portal.models import Comment
from portal.services import access
from portal.services.comments import decision_label, public_comments


@dataclass(frozen=True)
class Period:
    """The comment period: first and last day, and the first closing day if it was extended."""

    opens_on: date | None
    closes_on: date | None
    original_closes_on: date | None


@dataclass(frozen=True)
class MatrixRow:
    """One line of the adoption matrix: one comment, or several answered with a shared explanation."""

    comments: tuple  # of comments.PublicComment
    decision: object  # CommentDecision
    decision_label: str
    reason: str

    @property
    def paragraph_numbers(self):
        """The paragraphs the comments of this row are about (sorted, without the whole-document ones)."""
        return sorted({c.paragraph_number for c in self.comments if c.paragraph_number is not None})


@dataclass(frozen=True)
class HearingSummary:
    """A hearing as the statement reports it; attendance and minutes once published."""

    starts_at: datetime
    place: str
    attendance_count: int | None
    minutes: str


@dataclass(frozen=True)
class ParticipationStatement:
    """The 公众参与说明: period, channels, counts, adoption matrix and hearings; never contact details.

    Counts include only published comments: comments waiting for moderation, hidden by staff or
    hidden after flags are neither counted nor listed. People are counted by `Comment.author_key`
    (one person commenting three times counts once).
    """

    consultation_id: int
    title: str
    unit: str
    period: Period
    channels: tuple[str, ...]
    comment_count: int
    people_count: int
    matrix: tuple[MatrixRow, ...]
    hearings: tuple[HearingSummary, ...]
    statement: str
    answered_at: datetime | None

    @property
    def counts_text(self):
        """The counts as a sentence in the user's language, e.g. "3 comments from 2 people"."""
        return counts_text(self.comment_count, self.people_count)


def counts_text(comments, people):
    """How many comments from how many people, as a sentence."""
    if not comments:
        return _("No comments were published.")
    if people == 1:
        return ngettext(
            "%(num)s comment from one person", "%(num)s comments from one person", comments
        )
    return _("%(comments)s comments from %(people)s people", comments=comments, people=people)


def participation_statement(consultation):
    """The participation statement's content, built from published comments and the hearings."""
    published = public_comments(consultation)
    keys = db.session.scalars(
        sa.select(Comment.author_key)
        .where(Comment.consultation_id == consultation.id, access.COMMENTS.public_condition())
        .distinct()
    ).all()
    rows, shared = [], {}
    for comment in published:
        # Comments answered with the same decision and the same explanation (a bulk answer) share a row.
        group = (comment.decision, comment.reason) if comment.decision and comment.reason else None
        if group is not None and group in shared:
            shared[group].append(comment)
            continue
        members = [comment]
        if group is not None:
            shared[group] = members
        rows.append((members, comment.decision, comment.reason))
    matrix = tuple(
        MatrixRow(tuple(members), decision, decision_label(decision), reason)
        for members, decision, reason in rows
    )
    hearings = tuple(
        HearingSummary(
            h.starts_at,
            h.place,
            h.attendance_count if h.minutes_published_at else None,
            h.minutes if h.minutes_published_at else "",
        )
        for h in consultation.hearings
    )
    channels = [_("Comments on this portal")]
    if consultation.how_to_comment:
        channels.append(consultation.how_to_comment)
    if hearings:
        channels.append(_("Hearings (听证会)"))
    return ParticipationStatement(
        consultation_id=consultation.id,
        title=consultation.title,
        unit=consultation.unit.label,
        period=Period(
            consultation.opens_on, consultation.closes_on, consultation.original_closes_on
        ),
        channels=tuple(channels),
        comment_count=len(published),
        people_count=len(keys),
        matrix=matrix,
        hearings=hearings,
        statement=consultation.statement,
        answered_at=consultation.answered_at,
    )
