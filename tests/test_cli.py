"""`flask --app wsgi portal …` commands."""

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ConsultationKind, ConsultationState, Measure, User
from portal.policy import bundled_text
from portal.services import consultations
from portal.services.units import find_unit
from tests.helpers import People


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["portal", *args], input=input)


def test_init_imports_then_changes_nothing(make_app):
    """`init` imports the policy; a second run reports it unchanged."""
    app = make_app(policy=False)
    first = run(app, "init")
    assert first.exit_code == 0, first.output
    assert "policy imported: 9 chapters, 35 measures, 59 tasks" in first.output
    second = run(app, "init")
    assert second.exit_code == 0 and "policy unchanged" in second.output


def test_init_refuses_a_broken_revision_and_keeps_the_old(make_app, tmp_path):
    """A broken revision is refused with the line number; the imported policy stays as it was."""
    app = make_app()
    broken = tmp_path / "policy.txt"
    broken.write_text(bundled_text().replace("(十四)全面推进", "(十六)全面推进"), encoding="utf-8")
    result = run(app, "init", "--policy", str(broken))
    assert result.exit_code == 1
    assert "line" in result.output and "measure (十四)" in result.output
    with app.app_context():
        assert (
            db.session.scalar(sa.select(Measure.title).where(Measure.number == 14))
            == "全面推进污染防治"
        )


def test_check_fails_before_init_and_passes_after(make_app):
    """`check` exits non-zero until the policy is imported, then prints a one-line summary."""
    app = make_app(policy=False)
    before = run(app, "check")
    assert before.exit_code == 1 and "policy not imported" in before.output
    run(app, "init")
    after = run(app, "check")
    assert after.exit_code == 0
    assert after.output.count("\n") == 1 and after.output.startswith("OK migrations at head")


def test_check_fails_when_migrations_are_behind(make_app):
    """A database below the head revision is reported."""
    from flask_migrate import downgrade

    app = make_app(policy=False)
    with app.app_context():
        downgrade(revision="base")
    result = run(app, "check")
    assert (
        result.exit_code == 1
        and "migrations at none" in result.output
        and "head is" in result.output
    )


def test_flask_db_commands_are_flask_migrates(make_app):
    """`flask db …` (Flask-Migrate's group, imported only when used) shows its help, downgrades and upgrades."""
    app = make_app(policy=False)
    runner = app.test_cli_runner()
    help_text = runner.invoke(args=["db", "--help"]).output
    assert "upgrade" in help_text and "--directory" in help_text
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert "migrations at none" in run(app, "check").output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert (
        "policy not imported" in run(app, "check").output
    )  # migrated again: only the policy is missing


def test_create_user_reads_the_password_from_stdin(app):
    """A user is created in the named unit (an alias works too) with the given role."""
    result = run(
        app,
        "create-user",
        "alice",
        "--unit",
        "兵团环保局",
        "--role",
        "unit_admin",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created alice (unit_admin) in 兵团建设局" in result.output
    with app.app_context():
        assert (
            db.session.scalar(sa.select(User).where(User.username == "alice")).unit.name
            == "兵团建设局"
        )


def test_create_user_prompts_for_the_password_twice(app):
    """Without --password-stdin the password is prompted and confirmed."""
    result = run(
        app,
        "create-user",
        "bob",
        "--unit",
        "兵团水利局",
        input="another long password\nanother long password\n",
    )
    assert result.exit_code == 0, result.output


def test_create_user_refusals_name_the_problem(app):
    """Unknown units, collective addressees, short passwords and taken names are refused clearly."""
    cases = [
        (("carol", "--unit", "兵团不存在局"), "兵团不存在局"),
        (("carol", "--unit", "各师(市)"), "各师(市)"),
        (("carol", "--unit", "兵团水利局"), "12"),
    ]
    for args, expected in cases:
        password = "short\n" if expected == "12" else "a long enough password\n"
        result = run(app, "create-user", *args, "--password-stdin", input=password)
        assert result.exit_code == 1 and expected in result.output, result.output
    run(
        app,
        "create-user",
        "dave",
        "--unit",
        "兵团水利局",
        "--password-stdin",
        input="a long enough password\n",
    )
    again = run(
        app,
        "create-user",
        "dave",
        "--unit",
        "兵团水利局",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert again.exit_code == 1 and "dave" in again.output


def test_demo_adds_marked_samples_once(app):
    """`demo` adds sample accounts marked 示例; a second run adds nothing."""
    first = run(app, "demo")
    assert first.exit_code == 0 and "demo-jsj-staff" in first.output
    # Newcomers can try tracking: every run ends with the sample reports' reference numbers and receipt codes.
    assert re.search(
        r"^  JB-\d{4}-\d{6}  [A-Z2-7]{4}(-[A-Z2-7]{4}){4}  new sample, handled by 第八师石河子市$",
        first.output,
        re.M,
    )
    with app.app_context():
        names = db.session.scalars(sa.select(User.display_name)).all()
    assert names and all("示例" in name for name in names)
    again = run(app, "demo").output
    assert (
        "already present" in again
        and "/reports/track with its reference number and receipt code:" in again
    )


def test_tick_closes_ended_consultations_once(app):
    """`tick` closes a consultation whose period ended yesterday; a second run finds nothing to do."""
    with app.app_context():
        staff = People({"staff": ("wjq", "第六师五家渠市", "staff")})["staff"]
        draft = consultations.create_consultation(
            find_unit("第六师五家渠市"),
            kind=ConsultationKind.POLICY_DRAFT,
            title="第六师生态环境保护条例(草案)",
            body_text="第一段。",
            area=6,
        )
        consultations.publish(
            staff,
            draft,
            date(2026, 1, 5),
            date(2026, 1, 9),
            app.config,
            now=datetime(2026, 1, 4, tzinfo=UTC),
        )
        db.session.commit()
        consultation_id = draft.id
    first = run(app, "tick")
    assert first.exit_code == 0, first.output
    assert "consultations closed 1" in first.output
    assert "consultations closed 0" in run(app, "tick").output
    with app.app_context():
        assert consultations.POLICY.get_public(consultation_id).state is ConsultationState.CLOSED


# --- search: init builds the index, reindex rebuilds it, check compares it, tick drains the outbox ---------


def outbox_size(app):
    """How many search outbox rows wait."""
    from portal.models import SearchOutbox

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox))


@pytest.mark.whoosh
def test_init_builds_the_search_index_once(make_app):
    """A first `init` builds the index from the database; a second one only drains the (empty) outbox."""
    app = make_app(policy=False)
    first = run(app, "init")
    assert first.exit_code == 0 and "search index built: 94 documents" in first.output
    second = run(app, "init")
    assert "search index updated: 0 documents written, 0 removed, 0 waiting" in second.output
    assert outbox_size(app) == 0


@pytest.mark.whoosh
def test_reindex_rebuilds_with_a_progress_bar_and_clears_the_outbox(app):
    """`reindex` shows its progress, swaps in a complete index and deletes the outbox rows it covered."""
    from portal.services import search

    assert outbox_size(app) > 0  # the policy import queued its measures and tasks
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "indexing" in result.output and "search index rebuilt: 94 documents" in result.output
    assert outbox_size(app) == 0
    with app.app_context():
        assert search.search(app.config, "全面推进污染防治", kind="measure").items[0].id == 14


@pytest.mark.whoosh
def test_check_reports_a_missing_index_and_drift_until_reindex(app):
    """No index: check fails saying so. Keys missing or left over: check fails listing counts and the
    first keys. After reindex: OK with the index's size on the same line."""
    from portal.search import Document
    from portal.services import search

    missing = run(app, "check")
    assert (
        missing.exit_code == 1
        and "search index missing at" in missing.output
        and "reindex" in missing.output
    )
    run(app, "reindex")
    with app.app_context():
        index = search.index_for(app.config)
        index.delete(["measure:14", "task:1", "task:2", "task:3", "task:4", "task:5", "task:6"])
        index.add_documents([Document("disclosure", "9999", "早已删除的公开信息", "大气污染")])
    drifted = run(app, "check")
    assert drifted.exit_code == 1
    assert (
        "search index differs from the database: 7 missing (measure:14, task:1, task:2, task:3, task:4, … 2 more)"
        in drifted.output
    )
    assert "1 extra (disclosure:9999)" in drifted.output
    run(app, "reindex")
    repaired = run(app, "check")
    assert repaired.exit_code == 0, repaired.output
    assert (
        repaired.output.count("\n") == 1
        and "search index: 94 documents, 0 waiting in the outbox" in repaired.output
    )


@pytest.mark.whoosh
def test_tick_drains_the_search_outbox(app):
    """A consultation published without a web request is searchable after `tick`."""
    from portal.services import search

    run(app, "reindex")
    with app.app_context():
        staff = People({"staff": ("wjq", "第六师五家渠市", "staff")})["staff"]
        draft = consultations.create_consultation(
            find_unit("第六师五家渠市"),
            kind=ConsultationKind.POLICY_DRAFT,
            title="第六师湿地保护办法(草案)",
            body_text="第一段。",
            area=6,
        )
        consultations.publish(
            staff,
            draft,
            date(2026, 1, 5),
            date(2026, 1, 9),
            app.config,
            now=datetime(2026, 1, 4, tzinfo=UTC),
        )
        db.session.commit()
        assert search.search(app.config, "湿地保护办法").total == 0
    result = run(app, "tick")
    assert "search index updated: 1 documents written, 0 removed, 0 waiting" in result.output
    with app.app_context():
        assert search.search(app.config, "湿地保护办法").items[0].kind == "consultation"


def test_tick_announces_report_events_once(app):
    """`tick` queues the notice of a new report to its area's confirmed follower; a second run queues none."""
    from portal.models import SubscriptionTopic
    from portal.models.types import utcnow
    from portal.services import reports, subscriptions
    from portal.services.reports import ReportInput

    with app.app_context():
        subscription = subscriptions.subscribe(
            "f@example.org", area=8, topic=SubscriptionTopic.REPORTS, config=app.config
        )
        subscription.confirmed_at = utcnow()
        data = ReportInput(
            submission_key="tick-1",
            category="water",
            area=8,
            place="北泉镇",
            description="北泉镇排污口向渠道直排污水。",
            name="",
            phone="",
            email="",
        )
        reports.submit(data, app.config)
        db.session.commit()
    assert "report events announced 1 in 1 notices" in run(app, "tick").output
    assert "report events announced 0 in 0 notices" in run(app, "tick").output


def test_tick_reminds_the_lead_units_of_their_task_reports_once(app):
    """`tick` queues one reminder per led task to the lead unit's administrators; a second run queues none."""
    from portal.models import MailMessage
    from portal.services import task_reports

    app.config["TASK_REPORT_REMINDER_DAYS"] = 400  # inside the window on any day of the year
    with app.app_context():
        admin = People({"admin": ("jsjadmin", "兵团建设局", "unit_admin")})["admin"]
        admin.email = "jsj-admin@example.org"
        led = len(task_reports.lead_tasks(admin.unit_id))
        db.session.commit()
    first = run(app, "tick")
    assert first.exit_code == 0, first.output
    assert "task report reminders queued" in first.output
    assert "task report reminders queued 0" in run(app, "tick").output
    with app.app_context():
        mails = db.session.scalars(sa.select(MailMessage)).all()
        assert len([m for m in mails if m.recipient == "jsj-admin@example.org"]) == led
