"""Routing: the pure decision, the rules seeded from the policy, the triage unit, and rule edits."""

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import (
    Area,
    Category,
    Measure,
    Report,
    ReportEvent,
    RoutingRule,
    Task,
    Unit,
    UnitKind,
)
from portal.services import reports
from portal.services.routing import decide, load_rules, route, seed_rules, set_rule
from portal.services.units import find_unit

# The first lead unit of each seeded category's task, read off the policy by hand.
BINGTUAN_HANDLER = {
    "air": "兵团建设局",
    "water": "兵团建设局",
    "soil_waste": "兵团建设局",
    "noise": "兵团建设局",
    "ecology": "兵团建设局",
    "land": "兵团国土资源局",
    "mining": "兵团国土资源局",
    "water_resources": "兵团水利局",
    "agriculture": "兵团建设局",
    "livestock": "兵团建设局",
    "energy": "兵团工信委",
    "enforcement": "兵团发展改革委",
    "other": "兵团建设局",
}
DIVISIONS = {
    1: "第一师阿拉尔市",
    2: "第二师铁门关市",
    3: "第三师图木舒克市",
    4: "第四师可克达拉市",
    5: "第五师双河市",
    6: "第六师五家渠市",
    7: "第七师胡杨河市",
    8: "第八师石河子市",
    9: "第九师白杨市",
    10: "第十师北屯市",
    11: "第十一师",
    12: "第十二师",
    13: "第十三师新星市",
    14: "第十四师昆玉市",
}


# Pure decisions, on plain objects: no database, no app.


@dataclass(eq=False)
class FakeUnit:
    id: int
    label: str
    kind: UnitKind = UnitKind.DEPARTMENT


@dataclass(eq=False)
class FakeMeasure:
    number: int


@dataclass(eq=False)
class FakeTask:
    measure: FakeMeasure
    title: str
    lead_units: list
    participating_units: list = field(default_factory=list)


@dataclass(eq=False)
class FakeCategory:
    id: int
    name: str
    task: FakeTask | None


@dataclass(eq=False)
class FakeArea:
    id: int
    number: int


@dataclass(eq=False)
class FakeRule:
    id: int
    area: FakeArea
    unit: FakeUnit


JSJ = FakeUnit(1, "兵团建设局(环保局)")
FGW = FakeUnit(2, "兵团发展改革委")
GXW = FakeUnit(3, "兵团工信委")
KJJ = FakeUnit(4, "兵团科技局")
ALL = FakeUnit(5, "兵团各有关单位", UnitKind.COLLECTIVE)
SHZ = FakeUnit(6, "第八师石河子市", UnitKind.DIVISION)
TRIAGE = FakeUnit(7, "兵团分办中心")
BINGTUAN, EIGHTH, NINTH = FakeArea(100, 0), FakeArea(108, 8), FakeArea(109, 9)
AIR_TASK = FakeTask(FakeMeasure(14), "加强大气污染防治", [JSJ, FGW], [GXW, ALL, KJJ, FGW, JSJ])
AIR = FakeCategory(11, "大气污染", AIR_TASK)


def fake_rules(*rules):
    """Rules keyed as `load_rules` keys them."""
    return {(AIR.id, r.area.id): r for r in rules}


def test_decide_prefers_the_areas_own_rule_and_says_it_is_local():
    """A division's own rule beats the 兵团-level rule, and the basis names the local handler."""
    local, central = FakeRule(1, EIGHTH, SHZ), FakeRule(2, BINGTUAN, JSJ)
    decision = decide(AIR, EIGHTH, fake_rules(local, central), TRIAGE)
    assert decision.unit is SHZ and decision.rule is local
    assert decision.basis == (
        "依据《实施意见》(十四) 加强大气污染防治 — 牵头单位: 兵团建设局(环保局)、兵团发展改革委;属地办理: 第八师石河子市"
    )


def test_decide_falls_back_to_the_bingtuan_rule():
    """Without a rule for the division, the 兵团-level rule applies and the basis has no local part."""
    central = FakeRule(2, BINGTUAN, JSJ)
    decision = decide(AIR, NINTH, fake_rules(central), TRIAGE)
    assert decision.unit is JSJ and decision.rule is central
    assert (
        decision.basis
        == "依据《实施意见》(十四) 加强大气污染防治 — 牵头单位: 兵团建设局(环保局)、兵团发展改革委"
    )


def test_decide_copies_other_leads_and_participants_once_never_collective_never_the_handler():
    """Copies: the task's other lead and participating units, in policy order, without duplicates."""
    decision = decide(AIR, BINGTUAN, fake_rules(FakeRule(2, BINGTUAN, JSJ)), TRIAGE)
    assert [u.label for u in decision.copies] == ["兵团发展改革委", "兵团工信委", "兵团科技局"]
    local = decide(AIR, EIGHTH, fake_rules(FakeRule(1, EIGHTH, SHZ)), TRIAGE)
    assert [u.label for u in local.copies] == [
        "兵团建设局(环保局)",
        "兵团发展改革委",
        "兵团工信委",
        "兵团科技局",
    ]


def test_decide_without_any_rule_sends_the_report_to_triage():
    """No rule for the category anywhere: the triage unit gets it, nobody is copied, the basis says why."""
    decision = decide(AIR, EIGHTH, {}, TRIAGE)
    assert decision.unit is TRIAGE and decision.copies == () and decision.rule is None
    assert "兵团分办中心" in decision.basis and "大气污染" in decision.basis


def test_decide_ignores_rules_of_other_categories():
    """A 兵团-level rule of another category is not borrowed."""
    other = FakeRule(3, BINGTUAN, GXW)
    decision = decide(AIR, EIGHTH, {(99, BINGTUAN.id): other}, TRIAGE)
    assert decision.unit is TRIAGE


def test_decide_for_a_category_without_a_task_names_the_handler():
    """A category not linked to the policy routes by its rule and says it has no policy task."""
    loose = FakeCategory(12, "其他问题", None)
    decision = decide(loose, BINGTUAN, {(12, BINGTUAN.id): FakeRule(4, BINGTUAN, JSJ)}, TRIAGE)
    assert decision.unit is JSJ and decision.copies == ()
    assert decision.basis == "类别“其他问题”未关联实施意见任务,由 兵团建设局(环保局) 分办"


# Seeded rules, on the imported policy.


def category(code):
    """The seeded category `code`."""
    return db.session.scalar(sa.select(Category).where(Category.code == code))


def area(number):
    """The area with `number` (0 = 兵团)."""
    return db.session.scalar(sa.select(Area).where(Area.number == number))


def test_every_seeded_category_has_an_expected_handler(app_context):
    """The table of expected 兵团-level handlers covers exactly the seeded categories."""
    codes = set(db.session.scalars(sa.select(Category.code)))
    assert codes == set(BINGTUAN_HANDLER)


@pytest.mark.parametrize("code, unit_name", sorted(BINGTUAN_HANDLER.items()))
def test_bingtuan_level_goes_to_the_first_lead_unit(app_context, code, unit_name):
    """At the 兵团 level every category goes to the first lead unit of its policy task."""
    cat = category(code)
    decision = route(cat, area(0), "兵团建设局")
    assert decision.unit.name == unit_name
    assert decision.unit == cat.task.lead_units[0]
    assert decision.rule is not None and decision.rule.area.number == 0


@pytest.mark.parametrize("number", sorted(DIVISIONS))
def test_every_category_in_a_division_goes_to_that_divisions_unit(app_context, number):
    """Each of the 14 师(市) handles every category reported in its area."""
    for code in BINGTUAN_HANDLER:
        decision = route(category(code), area(number), "兵团建设局")
        assert decision.unit.name == DIVISIONS[number], code
        assert decision.unit.kind is UnitKind.DIVISION and decision.unit.area.number == number
        assert decision.basis.endswith(f";属地办理: {DIVISIONS[number]}")


def test_basis_names_the_measure_the_task_and_its_lead_unit(app_context):
    """The basis is the policy's words: measure numeral, task title, lead units as labelled."""
    assert route(category("air"), area(0), "兵团建设局").basis == (
        "依据《实施意见》(十四) 加强大气污染防治 — 牵头单位: 兵团建设局(环保局)"
    )
    assert route(category("water"), area(8), "兵团建设局").basis == (
        "依据《实施意见》(十四) 推进水污染治理 — 牵头单位: 兵团建设局(环保局)、兵团水利局;属地办理: 第八师石河子市"
    )
    assert route(category("energy"), area(0), "兵团建设局").basis.startswith(
        "依据《实施意见》(十) 推进重点领域节能 — 牵头单位: 兵团工信委、兵团建设局(环保局)、"
    )


def test_copies_are_the_other_lead_and_participating_units(app_context):
    """Water at the 兵团 level: 建设局 handles; 水利局 (lead), 工信委 and 国土资源局 (participants) get copies."""
    decision = route(category("water"), area(0), "兵团建设局")
    assert [u.name for u in decision.copies] == ["兵团水利局", "兵团工信委", "兵团国土资源局"]
    local = route(category("water"), area(8), "兵团建设局")
    assert [u.name for u in local.copies] == [
        "兵团建设局",
        "兵团水利局",
        "兵团工信委",
        "兵团国土资源局",
    ]


def test_copies_never_include_the_handler_or_a_collective_addressee(app_context):
    """For every category and area: no copy is the handler, a collective addressee, or repeated."""
    for cat in db.session.scalars(sa.select(Category)):
        for place in db.session.scalars(sa.select(Area)):
            decision = route(cat, place, "兵团建设局")
            ids = [u.id for u in decision.copies]
            assert decision.unit.id not in ids
            assert len(ids) == len(set(ids))
            assert all(u.kind is not UnitKind.COLLECTIVE for u in decision.copies)


def test_collective_participants_of_a_task_are_not_copied(app_context):
    """(三十二) 探索有效模式 names 兵团各有关单位 and 各师(市) as participants: they get no copy."""
    task = db.session.scalar(
        sa.select(Task).join(Measure).where(Measure.number == 32, Task.title == "探索有效模式")
    )
    assert any(u.kind is UnitKind.COLLECTIVE for u in task.participating_units)  # the case is real
    cat = category("other")
    cat.task = task
    db.session.flush()
    decision = route(cat, area(0), "兵团建设局")
    assert decision.unit.name == "兵团建设局"
    assert [u.name for u in decision.copies] == ["兵团发展改革委"]


def test_task_led_only_by_collective_addressees_gets_no_bingtuan_rule(app_context):
    """(三十一) is led only by collective addressees: seeding gives its 兵团 level no rule, so triage handles it."""
    task = db.session.scalar(sa.select(Task).join(Measure).where(Measure.number == 31))
    assert all(u.kind is UnitKind.COLLECTIVE for u in task.lead_units)
    cat = Category(
        code="coordination",
        family="supervision",
        name="统筹协调",
        name_en="Coordination",
        description="",
        description_en="",
        examples="",
        examples_en="",
        task=task,
        position=99,
    )
    db.session.add(cat)
    db.session.flush()
    seed_rules()
    rules = load_rules(cat)
    assert (cat.id, area(0).id) not in rules
    assert len(rules) == 14
    assert route(cat, area(0), "兵团审计局").unit.name == "兵团审计局"
    assert route(cat, area(3), "兵团审计局").unit.name == "第三师图木舒克市"


def new_category(code="light", name="光污染"):
    """A category added after seeding, with no task and no routing rule."""
    cat = Category(
        code=code,
        family="pollution",
        name=name,
        name_en="Light pollution",
        description="夜间强光",
        description_en="Glare at night",
        examples="",
        examples_en="",
        position=50,
    )
    db.session.add(cat)
    db.session.flush()
    return cat


def test_a_category_without_rules_goes_to_the_configured_triage_unit_and_is_kept(make_app):
    """A report no rule matches is routed to TRIAGE_UNIT, stored, and says why."""
    app = make_app(TRIAGE_UNIT="兵团审计局")
    with app.app_context():
        cat = new_category()
        data = reports.ReportInput(
            submission_key="triage-key-1",
            category="light",
            area=8,
            place="石河子市某广场",
            description="广场的探照灯整夜直射居民楼。",
        )
        submission = reports.submit(data, app.config)
        db.session.commit()
        report = db.session.scalar(
            sa.select(Report).where(Report.reference == submission.report.reference)
        )
        assert report.unit.name == "兵团审计局"
        assert report.rule_id is None and report.copies == []
        assert "光污染" in report.routing_basis and "兵团审计局" in report.routing_basis
        submitted = db.session.scalar(
            sa.select(ReportEvent).where(ReportEvent.report_id == report.id)
        )
        assert submitted.unit.name == "兵团审计局" and submitted.body == report.routing_basis
        assert cat.id == report.category_id


def test_the_triage_unit_may_be_named_by_an_alias(make_app):
    """TRIAGE_UNIT = 兵团环保局 (an alias) reaches 兵团建设局."""
    app = make_app(TRIAGE_UNIT="兵团环保局")
    with app.app_context():
        cat = new_category()
        assert route(cat, area(0), app.config["TRIAGE_UNIT"]).unit.name == "兵团建设局"


def test_set_rule_refuses_a_collective_addressee(app_context):
    """A collective addressee cannot be made to handle reports; the old rule stays."""
    collective = find_unit("各师(市)")
    with pytest.raises(ValidationFailed) as refused:
        set_rule(category("air"), area(0), collective)
    assert refused.value.field == "unit" and "各师(市)" in refused.value.message
    assert route(category("air"), area(0), "兵团建设局").unit.name == "兵团建设局"


def test_set_rule_changes_where_reports_go_and_seeding_keeps_the_edit(app_context):
    """An admin's edit takes effect at once and survives a later seeding."""
    set_rule(category("noise"), area(0), find_unit("兵团安监局"))
    set_rule(category("noise"), area(8), find_unit("兵团安监局"))
    seed_rules()
    assert route(category("noise"), area(0), "兵团建设局").unit.name == "兵团安监局"
    local = route(category("noise"), area(8), "兵团建设局")
    assert local.unit.name == "兵团安监局" and local.basis.endswith(";属地办理: 兵团安监局")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutingRule)) == 13 * 15


def test_removing_a_division_rule_falls_back_to_the_bingtuan_rule(app_context):
    """Without 第八师's own rule for air, the 兵团-level handler gets its reports."""
    db.session.execute(
        sa.delete(RoutingRule).where(
            RoutingRule.category_id == category("air").id, RoutingRule.area_id == area(8).id
        )
    )
    decision = route(category("air"), area(8), "兵团审计局")
    assert decision.unit.name == "兵团建设局"
    assert not decision.basis.endswith("第八师石河子市")


def test_seeding_twice_adds_nothing(app_context):
    """seed_rules is idempotent: 13 categories × 15 areas, once each."""
    seed_rules()
    seed_rules()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutingRule)) == 13 * 15
    handlers = {
        u.name
        for u in db.session.scalars(
            sa.select(Unit).join(RoutingRule, RoutingRule.unit_id == Unit.id)
        )
    }
    assert not any(find_unit(name).kind is UnitKind.COLLECTIVE for name in handlers)
