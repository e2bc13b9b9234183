"""Access policies: the public condition written in Python and in SQL picks the same rows for every policy
(drafts, withdrawn, hidden, flagged, published…), so the two cannot drift apart; and the checks staff meet."""

import itertools

import pytest
import sqlalchemy as sa

from portal.errors import Conflict, Forbidden, NotFound
from portal.extensions import db
from portal.models import (
    Comment,
    CommentState,
    Consultation,
    ConsultationAttachment,
    ConsultationState,
    Disclosure,
    DisclosureAttachment,
    DisclosureState,
    Hearing,
    Report,
    ReportCopy,
    ReportStatus,
    TaskReport,
)
from portal.models.types import utcnow
from portal.services import access, search, units
from portal.services.units import find_unit
from tests.helpers import People

PEOPLE = {
    "staff": ("wjq", "第六师五家渠市", "staff"),
    "stranger": ("shz", "第八师石河子市", "staff"),
    "site": ("root", "兵团审计局", "site_admin"),
}


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


@pytest.fixture
def app(demo_app):
    """The tests' app has the sample data."""
    return demo_app


@pytest.fixture
def rows(app_context):
    """The sample data, then every state the public conditions read, on several rows of each kind."""
    consultations = db.session.scalars(sa.select(Consultation).order_by(Consultation.id)).all()
    published, template = consultations[0], consultations[-1]
    # Copies of a sample consultation, of the staff's unit, in each state, published or not (a draft withdrawn
    # before publication).
    for state, was_published in itertools.product(ConsultationState, (False, True)):
        copy = Consultation(
            **{
                column.key: getattr(template, column.key)
                for column in Consultation.__table__.columns
                if column.key not in ("id", "version")
            }
        )
        copy.state, copy.published_at = state, template.published_at if was_published else None
        copy.unit_id = find_unit(PEOPLE["staff"][1]).id
        db.session.add(copy)
    db.session.flush()
    drafts = db.session.scalars(
        sa.select(Consultation).where(Consultation.published_at.is_(None))
    ).all()
    # Comments in every state, on a published consultation and on a draft.
    sample = db.session.scalars(sa.select(Comment).order_by(Comment.id)).first()
    for state, consultation in itertools.product(CommentState, (published, drafts[0])):
        copy = Comment(
            **{
                column.key: getattr(sample, column.key)
                for column in Comment.__table__.columns
                if column.key not in ("id", "consultation_id", "paragraph_id")
            }
        )
        copy.state, copy.consultation = state, consultation
        db.session.add(copy)
    hearing = db.session.scalars(sa.select(Hearing)).first()
    hearing.consultation = drafts[0]
    disclosures = db.session.scalars(sa.select(Disclosure).order_by(Disclosure.id)).all()
    for disclosure, state in zip(disclosures, itertools.cycle(DisclosureState), strict=False):
        disclosure.state = state
    for number, owner in enumerate([published, drafts[0]]):
        db.session.add(ConsultationAttachment(consultation=owner, **_file(f"c{number}")))
    for number, owner in enumerate(disclosures[:3]):
        db.session.add(DisclosureAttachment(disclosure=owner, **_file(f"d{number}")))
    reports = db.session.scalars(sa.select(Report).order_by(Report.id)).all()
    for report, status in zip(reports, itertools.cycle(ReportStatus), strict=False):
        report.status = status
    db.session.flush()
    db.session.expire_all()
    return app_context


def _file(name):
    return {
        "filename": f"{name}.pdf",
        "content_type": "application/pdf",
        "size": 1,
        "sha256": "0" * 64,
        "path": f"consultation-attachments/2026/10/{name}.pdf",
        "created_at": utcnow(),
    }


def _sides(rule, model):
    """(ids the Python check accepts, ids the SQL condition selects) among all rows of `model`."""
    everything = db.session.scalars(sa.select(model)).all()
    in_python = {row.id for row in everything if rule.check(row)}
    in_sql = set(db.session.scalars(sa.select(model.id).where(rule.where())))
    return {row.id for row in everything}, in_python, in_sql


@pytest.mark.parametrize("policy", access.POLICIES, ids=lambda p: p.model.__name__)
def test_public_condition_agrees_in_python_and_sql(rows, policy):
    """Every policy's public check and its SQL condition pick the same rows, and (reports aside) not all of them."""
    every, in_python, in_sql = _sides(policy.public, policy.model)
    assert in_python == in_sql
    assert in_python, "no public row: the test would prove nothing"
    if policy is not access.REPORTS:  # every report has a public page
        assert in_python != every, "no row the public may not see: the test would prove nothing"


@pytest.mark.parametrize("kind", sorted(search.INDEXED))
def test_what_search_indexes_agrees_in_python_and_sql(rows, kind):
    """The search documents' rule (the policy narrowed) selects the same rows in Python and in SQL."""
    model = {
        "disclosure": Disclosure,
        "consultation": Consultation,
        "comment": Comment,
        "case": Report,
        "task_report": TaskReport,
    }[kind]
    every, in_python, in_sql = _sides(search.INDEXED[kind], model)
    assert in_python == in_sql
    assert in_python and in_python != every


def test_the_public_sees_published_rows_only(rows):
    """Drafts, hidden, waiting and flagged comments, and what hangs on a draft are not public; tombstones are."""
    for consultation in db.session.scalars(sa.select(Consultation)):
        assert access.CONSULTATIONS.is_public(consultation) is (
            consultation.published_at is not None
        )
    for disclosure in db.session.scalars(sa.select(Disclosure)):
        assert access.DISCLOSURES.is_public(disclosure) is (
            disclosure.state is not DisclosureState.DRAFT
        )
    for comment in db.session.scalars(sa.select(Comment)):
        expected = (
            comment.state is CommentState.PUBLISHED
            and comment.consultation.published_at is not None
        )
        assert access.COMMENTS.is_public(comment) is expected
    hearing = db.session.scalars(
        sa.select(Hearing).join(Consultation).where(Consultation.published_at.is_(None))
    ).first()
    with pytest.raises(NotFound, match="No hearing has the number"):
        access.HEARINGS.get_public(hearing.id)


def test_staff_see_their_units_drafts_and_act_only_on_them(rows):
    """A draft is NotFound to another unit and seen by site oversight; acting needs the unit and the permission."""
    people = People(PEOPLE)
    ours = sa.select(Consultation).where(Consultation.unit_id == people["staff"].unit_id)
    draft = db.session.scalars(ours.where(Consultation.published_at.is_(None))).first()
    public = db.session.scalars(ours.where(Consultation.published_at.is_not(None))).first()
    assert draft is not None and public is not None
    policy = access.CONSULTATIONS
    assert policy.get_for_unit(people["site"], draft.id) is draft
    with pytest.raises(NotFound):
        policy.get_for_unit(people["stranger"], draft.id)
    with pytest.raises(NotFound):
        policy.act(people["stranger"], draft)
    with pytest.raises(Forbidden):
        policy.act(people["stranger"], public)  # a public consultation may be named
    with pytest.raises(Forbidden):
        policy.act(people["site"], draft)
    with pytest.raises(Conflict):
        policy.act(people["staff"], draft, version=draft.version + 1)
    policy.act(people["staff"], draft, version=draft.version)


def test_another_units_public_disclosure_does_not_exist_in_the_console(rows):
    """Disclosures are per unit in the console: acting on another unit's public one is NotFound, not Forbidden."""
    people = People(PEOPLE)
    disclosure = db.session.scalars(
        sa.select(Disclosure)
        .where(Disclosure.state == DisclosureState.PUBLISHED)
        .where(Disclosure.unit_id != people["stranger"].unit_id)
    ).first()
    with pytest.raises(NotFound, match="No disclosure has the number"):
        access.DISCLOSURES.act(people["stranger"], disclosure)


def test_the_units_reading_a_report_in_the_console_agree_in_python_and_sql(rows):
    """For every unit, the reports it reads in the console (those it handles and those it was sent a copy of)
    are the same rows in Python (`get_for_unit`, `act`) and in SQL (the queue); other units' do not exist."""
    reports = db.session.scalars(sa.select(Report).order_by(Report.id)).all()
    all_units = units.list_units()
    for report, unit in zip(reports, itertools.cycle(all_units), strict=False):
        if unit.id != report.unit_id and all(c.unit_id != unit.id for c in report.copies):
            db.session.add(ReportCopy(report=report, unit_id=unit.id))
    db.session.flush()
    db.session.expire_all()
    people = People(PEOPLE)
    copies = 0
    for unit in all_units:
        _every, in_python, in_sql = _sides(access.REPORTS.readers(unit.id), Report)
        assert in_python == in_sql, unit.name
        copies += len({r.id for r in reports if r.unit_id != unit.id} & in_python)
    assert copies, "no report read through a copy: the test would prove nothing"
    stranger = people["stranger"]

    def queue(user):
        return set(
            db.session.scalars(access.REPORTS.console_query(user).with_only_columns(Report.id))
        )

    theirs = queue(stranger)
    assert theirs == _sides(access.REPORTS.readers(stranger.unit_id), Report)[1]
    assert queue(people["site"]) == {r.id for r in reports}
    other = next(r for r in reports if r.id not in theirs)
    with pytest.raises(NotFound, match=f"No report has the reference {other.reference}"):
        access.REPORTS.get_for_unit(stranger, other.reference)
    with pytest.raises(NotFound, match=f"No report has the reference {other.reference}"):
        access.REPORTS.act(stranger, other)
    assert (
        access.REPORTS.get_public(other.reference) is other
    )  # its public page exists all the same


def test_a_file_is_refused_with_its_unpublished_owner(rows):
    """A file of a draft consultation does not exist for the public, nor in another unit's console; the policy
    itself refuses it, whatever owner number the address names."""
    people = People(PEOPLE)
    hidden = db.session.scalars(
        sa.select(ConsultationAttachment)
        .join(Consultation)
        .where(Consultation.published_at.is_(None))
    ).first()
    shown = db.session.scalars(
        sa.select(ConsultationAttachment)
        .join(Consultation)
        .where(Consultation.published_at.is_not(None))
    ).first()
    policy = access.CONSULTATION_ATTACHMENTS
    assert policy.get_public(shown.id) is shown
    with pytest.raises(NotFound, match="This file does not exist."):
        policy.get_public(hidden.id)
    assert policy.get_for_unit(people["site"], hidden.id) is hidden
    owner_unit = hidden.consultation.unit_id
    outsider = next(
        people[name] for name in ("staff", "stranger") if people[name].unit_id != owner_unit
    )
    with pytest.raises(NotFound, match="This file does not exist."):
        policy.get_for_unit(outsider, hidden.id)


def test_litigation_documents_are_never_public_and_read_by_the_unit_the_organisation_and_oversight(
    rows,
):
    """A document handed over with a litigation answer is public nowhere (Python and SQL agree on no row); the
    answering unit reads it in the console (readers agree in Python and SQL), another unit does not; the
    organisation that made the request holds it, another organisation does not; site oversight reads it."""
    from portal.models import LitigationDocument, LitigationRequest, Organisation

    people = People(PEOPLE)
    request = db.session.scalars(sa.select(LitigationRequest)).first()
    document = LitigationDocument(request=request, **_file("l0"))
    db.session.add(document)
    db.session.flush()
    policy = access.LITIGATION_DOCUMENTS
    every, in_python, in_sql = _sides(policy.public, LitigationDocument)
    assert every and in_python == in_sql == set()
    for unit in units.list_units():
        _every, in_python, in_sql = _sides(policy.readers(unit.id), LitigationDocument)
        assert in_python == in_sql == ({document.id} if unit.id == request.unit_id else set())
    with pytest.raises(NotFound, match="This file does not exist."):
        policy.get_public(document.id)
    assert policy.get_for_unit(people["site"], document.id) is document
    outsider = next(
        people[name] for name in ("staff", "stranger") if people[name].unit_id != request.unit_id
    )
    with pytest.raises(NotFound):
        policy.get_for_unit(outsider, document.id)
    assert policy.get_for_holder(request.organisation, document.id) is document
    other = db.session.scalars(
        sa.select(Organisation).where(Organisation.id != request.organisation_id)
    ).first()
    for someone in (other, None):
        with pytest.raises(NotFound):
            policy.get_for_holder(someone, document.id)
    # The request itself is public with its verified organisation, in Python and in SQL alike.
    _every, in_python, in_sql = _sides(access.LITIGATION_REQUESTS.public, LitigationRequest)
    assert in_python == in_sql == {request.id}
