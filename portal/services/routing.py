"""Routing: which unit handles a report, which units get a copy, and why."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import Area, Category, RoutingRule, Task, TaskUnit, Unit, UnitKind
from portal.services.units import BINGTUAN_AREA, find_unit
from portal.text import numeral


@dataclass(frozen=True)
class RoutingDecision:
    """The handling unit, the units copied read-only, and the basis stated on the report page."""

    unit: Unit
    copies: tuple
    rule: RoutingRule | None
    basis: str


def basis_text(category, handler, local):
    """`依据《实施意见》(十四) 加强大气污染防治 — 牵头单位: 兵团建设局(环保局)`, plus local handling."""
    task = category.task
    if task is None:
        return f"类别“{category.name}”未关联实施意见任务,由 {handler.label} 分办"
    leads = "、".join(u.label for u in task.lead_units)
    text = f"依据《实施意见》({numeral(task.measure.number)}) {task.title} — 牵头单位: {leads}"
    return text + (f";属地办理: {handler.label}" if local else "")


def decide(category, area, rules, triage_unit):
    """Pure routing: the area's own rule, else the 兵团-level rule, else the triage unit.

    `rules` maps (category_id, area_id) to a RoutingRule; `area` may be the 兵团 level itself.
    """
    rule = rules.get((category.id, area.id))
    local = rule is not None and area.number != BINGTUAN_AREA
    if rule is None:
        rule = next(
            (
                r
                for (c, _a), r in rules.items()
                if c == category.id and r.area.number == BINGTUAN_AREA
            ),
            None,
        )
    if rule is None:
        return RoutingDecision(
            triage_unit,
            (),
            None,
            f"未找到类别“{category.name}”的分办规则,转分办单位 {triage_unit.label}",
        )
    task = category.task
    named = (task.lead_units + task.participating_units) if task else []
    copies = tuple(
        u
        for u in dict.fromkeys(named)
        if u.id != rule.unit.id and u.kind is not UnitKind.COLLECTIVE
    )
    return RoutingDecision(rule.unit, copies, rule, basis_text(category, rule.unit, local))


def load_rules(category=None):
    """All routing rules (or one category's), keyed by (category_id, area_id)."""
    query = sa.select(RoutingRule).options(
        selectinload(RoutingRule.unit).selectinload(Unit.aliases), selectinload(RoutingRule.area)
    )
    if category is not None:
        query = query.where(RoutingRule.category_id == category.id)
    return {(r.category_id, r.area_id): r for r in db.session.scalars(query)}


def route(category, area, triage_unit_name):
    """Route a report about `category` in `area`, reading only the rules that can apply."""
    # Two rules at most (the area's and the 兵团 level's) and the category's task with its units, each
    # loaded in one go: every report is routed, and lazy loads cost a query per unit.
    query = (
        sa.select(RoutingRule)
        .join(RoutingRule.area)
        .where(
            RoutingRule.category_id == category.id,
            sa.or_(RoutingRule.area_id == area.id, Area.number == BINGTUAN_AREA),
        )
        .options(
            contains_eager(RoutingRule.area),
            joinedload(RoutingRule.unit).selectinload(Unit.aliases),
        )
    )
    rules = {(r.category_id, r.area_id): r for r in db.session.scalars(query).unique()}
    task_query = (
        sa.select(Task)
        .where(Task.id == category.task_id)
        .options(
            joinedload(Task.measure),
            selectinload(Task.assignments).joinedload(TaskUnit.unit).selectinload(Unit.aliases),
        )
    )
    # Held while deciding: the session's identity map keeps objects only while something refers to them.
    _task = db.session.scalar(task_query) if category.task_id is not None else None
    return decide(category, area, rules, find_unit(triage_unit_name))


def seed_rules():
    """Add missing rules: 兵团 level → the task's first lead unit; each 师(市) → its own unit."""
    rules = load_rules()
    areas = db.session.scalars(sa.select(Area).order_by(Area.number)).all()
    division_units = {
        u.area_id: u
        for u in db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.DIVISION))
    }
    for category in db.session.scalars(sa.select(Category)):
        leads = [
            u for u in (category.task.lead_units if category.task else []) if u.handles_reports
        ]
        for area in areas:
            if (category.id, area.id) in rules:
                continue
            unit = (
                leads[0] if area.number == BINGTUAN_AREA and leads else division_units.get(area.id)
            )
            if unit is not None:
                db.session.add(RoutingRule(category=category, area=area, unit=unit))
    db.session.flush()


def set_rule(category, area, unit):
    """Point (category, area) at `unit`; collective addressees cannot handle cases."""
    if not unit.handles_reports:
        raise ValidationFailed(
            _("%(unit)s is a collective addressee and cannot handle reports.", unit=unit.name),
            field="unit",
        )
    rule = db.session.scalar(
        sa.select(RoutingRule).where(
            RoutingRule.category_id == category.id, RoutingRule.area_id == area.id
        )
    )
    if rule is None:
        rule = RoutingRule(category=category, area=area)
        db.session.add(rule)
    rule.unit = unit
    db.session.flush()
    return rule
