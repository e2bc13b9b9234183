"""`portal demo`: the sample consultations load on a fresh database, once, obey the rules they illustrate,
and never show a sample resident's contact in the public API."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Comment,
    CommentContact,
    CommentDecision,
    CommentState,
    Consultation,
    ConsultationKind,
    ConsultationState,
    Disclosure,
    DisclosureState,
    DisclosureVersion,
    Hearing,
    MailMessage,
    Observation,
    Project,
    Registration,
    Report,
    User,
)
from portal.models.policy import Comparison
from portal.models.types import utcnow
from portal.services import clocks, consultations, demo, disclosures, hearings, participation


@pytest.fixture
def app(demo_app):
    """The tests' app has the sample data: the run loaded it once, into the demo template."""
    return demo_app


@pytest.fixture
def loaded(app_context, demo_lines):
    """The app with the sample data loaded and committed; the lines `load_demo` returned."""
    return demo_lines


def sample(title):
    """The sample consultation called `title`."""
    return db.session.scalar(sa.select(Consultation).where(Consultation.title == title))


def counts():
    """Rows of every table the samples fill."""
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (
            User,
            Report,
            Project,
            Consultation,
            Comment,
            Hearing,
            Registration,
            MailMessage,
            Disclosure,
            DisclosureVersion,
            Observation,
        )
    }


def test_demo_loads_both_consultations_marked_as_samples(loaded):
    """A fresh database gets the two sample consultations, each marked 示例 and announced in the output."""
    assert sum("sample consultation" in line for line in loaded) == 2
    titles = db.session.scalars(sa.select(Consultation.title)).all()
    assert sorted(titles) == sorted([demo.EIA_TITLE, demo.ANSWERED_TITLE])
    assert all(demo.SAMPLE_MARK in title for title in titles)
    assert all(demo.SAMPLE_MARK in p.name for p in db.session.scalars(sa.select(Project)))


def test_demo_is_idempotent(app_context, loaded):
    """A second run adds nothing and says so, and prints the receipt codes again."""
    before = counts()
    again = demo.load_demo(app_context.config)
    assert again[0] == "sample data already present"
    assert again[1:] == [
        line for line in loaded if line.startswith(("follow a sample report", "  JB-"))
    ]
    db.session.commit()
    assert counts() == before


def test_demo_prints_a_receipt_code_that_opens_each_sample_report(app_context, loaded):
    """One line per sample report, "  <reference>  <receipt code>  <key> sample, handled by <unit>", after a line
    naming the tracking page; each pair opens its report on /reports/track, handled by that unit."""
    start = loaded.index(
        f"follow a sample report at {app_context.config['PUBLIC_URL']}/reports/track with its "
        "reference number and receipt code:"
    )
    rows = [
        re.fullmatch(
            r"  (JB-\d{4}-\d{6})  ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){4})  (\w+) sample, handled by (\S+)",
            line,
        )
        for line in loaded[start + 1 :]
    ]
    assert len(rows) == len(demo.DEMO_REPORTS) and all(rows), loaded[start:]
    assert [row.group(3) for row in rows] == [key for key, *_rest in demo.DEMO_REPORTS]
    client = app_context.test_client()
    for row in rows:
        page = client.get("/reports/track").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/reports/track",
            data={"csrf_token": token, "reference": row.group(1), "code": row.group(2)},
        )
        assert (
            response.status_code == 302
            and f"/reports/track/{row.group(1)}/" in response.headers["Location"]
        )
        report = db.session.scalar(sa.select(Report).where(Report.reference == row.group(1)))
        assert row.group(4) == report.unit.name


def test_demo_staff_names_are_in_one_language(loaded):
    """Display names read like 示例工作人员（第八师石河子市）: marked as samples, no English mixed in."""
    names = db.session.scalars(
        sa.select(User.display_name).where(User.username.like("demo-%"))
    ).all()
    assert len(names) == len(demo.DEMO_USERS)
    assert "示例工作人员（第八师石河子市）" in names
    assert all(
        name.startswith(demo.SAMPLE_MARK) and not re.search(r"[A-Za-z·]", name) for name in names
    ), names


def test_eia_sample_is_open_with_a_complete_notice_and_a_long_enough_period(app_context, loaded):
    """第六师五家渠市's EIA: open today, every notice item, 6+ paragraphs, a task, ≥10 working days from a past start."""
    consultation = sample(demo.EIA_TITLE)
    today = clocks.local_day(utcnow())
    assert (
        consultation.kind is ConsultationKind.EIA and consultation.state is ConsultationState.OPEN
    )
    assert consultation.area.number == 6 and consultation.unit.name == "第六师五家渠市"
    assert consultation.project is not None and consultation.stage is not None
    assert consultations.is_open_for_comments(consultation)
    assert consultations.missing_eia_items(consultation) == []
    assert len(consultation.paragraphs) >= 6 and consultation.tasks
    assert consultation.opens_on < today
    count = consultations.count_period(
        consultation.opens_on, consultation.closes_on, consultations.eia_minimum(app_context.config)
    )
    assert count.long_enough and count.working_days >= 10


def test_eia_sample_hearing_takes_registrations_and_respects_the_notice(app_context, loaded):
    """Its hearing is announced with the full notice period ahead and is taking registrations now."""
    consultation = sample(demo.EIA_TITLE)
    [hearing] = consultation.hearings
    view = hearings.public_view(hearing)
    assert view.registration_open and view.seats_left > 0
    earliest, _years = hearings.earliest_hearing_day(hearing.announced_at, app_context.config)
    assert clocks.local_day(hearing.starts_at) >= earliest
    assert hearing.registration_closes_at > utcnow()


def test_eia_sample_has_published_comments_and_one_waiting(loaded):
    """Two published comments (one on paragraph 3) and one waiting for moderation."""
    consultation = sample(demo.EIA_TITLE)
    states = sorted(c.state.value for c in consultation.comments)
    assert states == ["pending", "published", "published"]
    assert any(c.paragraph is not None and c.paragraph.number == 3 for c in consultation.comments)


def test_answered_sample_statement_is_complete(app_context, loaded):
    """4 published comments from 3 people, each decided (all four kinds, with reasons), the hearing's
    attendance and minutes, and the statement text, all dated in the past."""
    consultation = sample(demo.ANSWERED_TITLE)
    assert consultation.state is ConsultationState.ANSWERED and consultation.answered_at < utcnow()
    statement = participation.participation_statement(consultation)
    assert (statement.comment_count, statement.people_count) == (4, 3)
    decided = [c for row in statement.matrix for c in row.comments]
    assert len(decided) == 4 and all(c.decision is not None and c.reason for c in decided)
    assert {c.decision for c in decided} == set(CommentDecision)
    assert all(c.state is CommentState.PUBLISHED for c in consultation.comments)
    [hearing] = statement.hearings
    assert hearing.attendance_count == 2 and hearing.minutes and hearing.starts_at < utcnow()
    assert statement.statement and demo.SAMPLE_MARK in statement.statement


def test_no_sample_contact_appears_in_the_public_api(app_context, loaded):
    """The API's consultation pages carry no commenter's or registrant's phone, nor the waiting comment."""
    client = app_context.test_client()
    phones = set(db.session.scalars(sa.select(CommentContact.phone))) | set(
        db.session.scalars(sa.select(Registration.phone))
    )
    assert len(phones) >= 9
    waiting = db.session.scalar(
        sa.select(Comment.body).where(Comment.state == CommentState.PENDING)
    )
    for title in (demo.EIA_TITLE, demo.ANSWERED_TITLE):
        response = client.get(f"/api/v1/consultations/{sample(title).id}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert demo.SAMPLE_MARK in body
        digits = set(re.findall(r"\d{11}", body))
        assert not digits & phones, digits & phones
        assert waiting not in body


def test_demo_publishes_a_marked_disclosure_in_every_category(loaded):
    """Ten sample disclosures, one per category, each marked 示例, public, and announced in the output."""
    assert sum("sample disclosure" in line for line in loaded) == len(disclosures.CATEGORIES)
    samples = db.session.scalars(sa.select(Disclosure)).all()
    assert sorted(d.category.code for d in samples) == sorted(
        code for code, *_rest in disclosures.CATEGORIES
    )
    assert all(demo.SAMPLE_MARK in d.title and demo.SAMPLE_MARK in d.body for d in samples)
    assert all(
        disclosures.POLICY.is_public(d) and d.published_on < clocks.local_day(utcnow())
        for d in samples
    )
    assert all(d.unit.handles_reports for d in samples)


def test_demo_has_a_revised_and_a_withdrawn_disclosure(loaded):
    """One disclosure has two versions with a marked note and a real change; one is withdrawn with its reason."""
    samples = db.session.scalars(sa.select(Disclosure)).all()
    [revised] = [d for d in samples if len(d.versions) == 2]
    assert demo.SAMPLE_MARK in revised.versions[1].note and disclosures.diff(revised, 1, 2).changed
    [withdrawn] = [d for d in samples if d.state is DisclosureState.WITHDRAWN]
    assert (
        demo.SAMPLE_MARK in withdrawn.withdrawn_reason
        and withdrawn.withdrawn_at > withdrawn.first_published_at
    )


def test_demo_air_pollution_disclosures_link_to_measure_fourteen(loaded):
    """The search journey 大气污染 → (十四) → a disclosure works: a public sample about 大气污染 links its task."""
    linked = disclosures.list_public({"measure": "14"}, per_page=100).items
    about_air = [
        d
        for d in linked
        if "大气污染" in d.title + d.body and any(t.title == "加强大气污染防治" for t in d.tasks)
    ]
    assert about_air and all(d.state is DisclosureState.PUBLISHED for d in about_air)
    assert any(d.unit.name == "兵团建设局" for d in about_air)


def _met(goal, value, baseline):
    if goal.comparison is Comparison.AT_MOST:
        return value <= goal.target_value
    if goal.comparison is Comparison.AT_LEAST:
        return value >= goal.target_value
    return (baseline - value) / baseline * 100 >= goal.target_value


def test_demo_statistics_cover_2016_to_2025_with_targets_met_and_missed(loaded):
    """兵团统计局's statistics give several goals for every year 2016–2025 (the reduction target its
    2015 baseline too); by 2025 some targets are met and some are not."""
    [stats] = [
        d for d in db.session.scalars(sa.select(Disclosure)) if d.category.takes_observations
    ]
    assert stats.unit.name == "兵团统计局" and stats.state is DisclosureState.PUBLISHED
    by_goal = {}
    for observation in stats.observations:
        by_goal.setdefault(observation.goal, {})[observation.year] = observation.value
    assert len(by_goal) >= 4
    assert all(set(range(2016, 2026)) <= set(years) for years in by_goal.values())
    outcomes = {
        goal.name: _met(goal, years[2025], years.get(goal.baseline_year))
        for goal, years in by_goal.items()
    }
    assert True in outcomes.values() and False in outcomes.values(), outcomes
    assert all(o.source and demo.SAMPLE_MARK in o.source for o in stats.observations)
