"""The importer writing the policy into the database: counts, units, idempotence, revisions."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Chapter, Goal, Measure, PolicyDocument, Task, Unit, UnitKind
from portal.policy import bundled_text
from portal.policy.importer import import_policy
from portal.policy.parser import PolicyFormatError
from portal.services.units import seed_areas


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def unit(name):
    return db.session.scalar(sa.select(Unit).where(Unit.name == name))


@pytest.fixture
def empty(make_app):
    app = make_app(policy=False)
    with app.app_context():
        yield app


def test_import_writes_the_whole_policy(empty):
    """Chapters, measures, tasks, units, goals and areas land in the database."""
    seed_areas()
    result = import_policy(bundled_text())
    db.session.commit()
    assert result.changed
    assert (count(Chapter), count(Measure), count(Task), count(Goal)) == (9, 35, 59, 10)
    kinds = dict(
        db.session.execute(sa.select(Unit.kind, sa.func.count()).group_by(Unit.kind)).all()
    )
    assert kinds == {UnitKind.DEPARTMENT: 23, UnitKind.DIVISION: 14, UnitKind.COLLECTIVE: 5}
    construction = unit("兵团建设局")
    assert construction.label == "兵团建设局(环保局)"
    assert [a.name for a in unit("兵团农业局").aliases] == ["兵团畜牧兽医局", "兵团林业局"]
    assert unit("第八师石河子市").area.number == 8
    assert unit("第十一师").area.city is None


def test_reimporting_the_same_document_changes_nothing(app_context):
    """A second import is a no-op: same rows, same ids, reported unchanged."""
    before = db.session.execute(sa.select(Task.id, Task.title).order_by(Task.id)).all()
    stamp = db.session.scalar(sa.select(PolicyDocument.imported_at))
    result = import_policy(bundled_text())
    db.session.commit()
    assert not result.changed
    assert db.session.execute(sa.select(Task.id, Task.title).order_by(Task.id)).all() == before
    assert db.session.scalar(sa.select(PolicyDocument.imported_at)) == stamp


def test_a_revised_document_updates_in_place(app_context):
    """Changed titles and unit lists update the same rows, so ids and URLs keep working."""
    measure_id = db.session.scalar(sa.select(Measure.id).where(Measure.number == 14))
    task = db.session.scalar(sa.select(Task).where(Task.title == "加强大气污染防治"))
    task_id, task_count = task.id, count(Task)
    revised = (
        bundled_text()
        .replace("加强大气污染防治。", "深入推进大气污染防治。")
        .replace(
            "(牵头单位:兵团建设局(环保局),参加单位:兵团发展改革委、工信委、科技局、财务局)",
            "(牵头单位:兵团建设局(环保局)、工信委,参加单位:兵团发展改革委、科技局、财务局、卫生局)",
        )
    )
    assert import_policy(revised).changed
    db.session.commit()
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert task.title == "深入推进大气污染防治"
    assert task.measure_id == measure_id
    assert [u.name for u in task.lead_units] == ["兵团建设局", "兵团工信委"]
    assert [u.name for u in task.participating_units] == [
        "兵团发展改革委",
        "兵团科技局",
        "兵团财务局",
        "兵团卫生局",
    ]
    assert count(Task) == task_count


def test_a_broken_document_leaves_nothing_behind(empty):
    """A document refused half-way writes no row at all."""
    text = bundled_text().replace("(十四)全面推进污染防治。", "(十六)全面推进污染防治。")
    with pytest.raises(PolicyFormatError):
        import_policy(text)
    db.session.rollback()
    assert (count(PolicyDocument), count(Measure), count(Unit)) == (0, 0, 0)


def test_a_document_with_a_task_removed_drops_only_that_task(app_context):
    """A revision that removes a task deletes it and keeps every other task's id."""
    ids = dict(db.session.execute(sa.select(Task.title, Task.id)).all())
    paragraph = next(
        line for line in bundled_text().splitlines() if line.startswith("加快“互联网+”发展。")
    )
    import_policy(bundled_text().replace(paragraph + "\n", ""))
    db.session.commit()
    after = dict(db.session.execute(sa.select(Task.title, Task.id)).all())
    assert "加快“互联网+”发展" not in after and len(after) == len(ids) - 1
    assert [
        t.title for t in db.session.scalar(sa.select(Measure).where(Measure.number == 7)).tasks
    ] == ["提升科技创新能力", "实施科技创新工程"]
    assert all(ids[title] == task_id for title, task_id in after.items())
