"""Disclosures (环境信息公开): categories, drafting, publication with versions, revision, withdrawal,
goal observations, and the public queries (list, versions, diffs).

Who may do what (the policy `access.DISCLOSURES`, see docs/architecture.md):

- A disclosure is public once published; withdrawn, it stays public as a tombstone with its
  versions. A draft is seen only by its unit and by site administrators (SITE_DISCLOSURES_VIEW).
- Only staff of the responsible unit with DISCLOSURES_MANAGE act on a disclosure. In the console,
  another unit's disclosure does not exist (NotFound); a site administrator reads but does not act
  (Forbidden).

Versions: publishing writes version 1; each revision of a published disclosure (a new title or
text, with a public note saying what changed and why) writes the next. Versions are never changed;
the disclosure's `title` and `body` are those of its latest version.

What is fixed at publication: category, area, related tasks, publication date and goal
observations are set while the disclosure is a draft. They are not part of the versions, so a later
change would be one the public could not follow in the version history; a unit corrects them by
withdrawing (with its public reason) and publishing a corrected disclosure. Files may still be
added to a published disclosure (`portal.services.attachments`), each shown with its date.

The body is Markdown, stored as written (line endings and invisible control characters
normalised) and rendered through `portal.rendering.render_markdown`. Every change the public can
see calls `search.enqueue("disclosure", id)` in the same transaction. Functions never commit.
"""

import difflib
import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal import numbers
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Area,
    Comparison,
    Disclosure,
    DisclosureCategory,
    DisclosureState,
    DisclosureVersion,
    Goal,
    Measure,
    Observation,
    Task,
    Unit,
)
from portal.models.disclosures import disclosure_tasks
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.sanitize import clean_text
from portal.services import access, clocks, drafts, search

SEARCH_KIND = "disclosure"
TITLE_LENGTH = (1, 200)
BODY_LENGTH = 100_000
# Two characters already say something in Chinese (更正, 撤回); the rule is that the public is told something.
NOTE_LENGTH = (2, 2000)
WITHDRAW_REASON_LENGTH = (2, 2000)
SOURCE_LENGTH = (1, 300)
YEARS = (2000, 2100)
MAX_PER_PAGE = 100
# Observation.value is Numeric(16, 4): at most 12 digits before the point and 4 after.
VALUE_DIGITS, VALUE_DECIMALS = 12, 4
LARGEST_VALUE = Decimal(10) ** VALUE_DIGITS - Decimal(10) ** -VALUE_DECIMALS
PUBLIC_STATES = access.DISCLOSURE_PUBLIC_STATES
PUBLIC_FILTERS = ("category", "unit", "area", "year", "measure")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# The categories of issue 5 (code, 名称, name, takes observations), seeded by `portal init`.
CATEGORIES = (
    ("environment_quality", "环境质量", "Environmental quality", False),
    ("discharge_permits", "排污许可", "Pollutant discharge permits", False),
    ("eia_approvals", "环评审批", "EIA approvals", False),
    ("penalties", "行政处罚", "Administrative penalties", False),
    ("monitoring", "监测数据", "Monitoring data", False),
    ("emergencies", "突发环境事件", "Environmental emergencies", False),
    ("policy_documents", "政策文件", "Policy documents", False),
    ("statistics", "统计数据", "Statistics", True),
    ("proposals", "建议提案办理", "Handling of deputies' suggestions and proposals", False),
    ("other", "其他", "Other", False),
)

# Bidirectional overrides and zero-width characters can make text display otherwise than stored.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


# --- labels --------------------------------------------------------------------------------------


def state_label(state):
    """A disclosure's state in the user's language."""
    return {
        DisclosureState.DRAFT: _("Draft"),
        DisclosureState.PUBLISHED: _("Published"),
        DisclosureState.WITHDRAWN: _("Withdrawn"),
    }[state]


# --- categories ----------------------------------------------------------------------------------


def seed_categories():
    """Add the issue's categories that are missing (by code); never change one an administrator edited."""
    existing = {c.code: c for c in db.session.scalars(sa.select(DisclosureCategory))}
    position = max((c.position for c in existing.values()), default=-1)
    for code, name_zh, name_en, takes_observations in CATEGORIES:
        if code in existing:
            continue
        position += 1
        db.session.add(
            DisclosureCategory(
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                position=position,
                active=True,
                takes_observations=takes_observations,
            )
        )
    db.session.flush()


def list_categories(active_only=False):
    """Categories in their administrators' order; only those offered for new disclosures with `active_only`."""
    query = sa.select(DisclosureCategory).order_by(
        DisclosureCategory.position, DisclosureCategory.id
    )
    if active_only:
        query = query.where(DisclosureCategory.active.is_(True))
    return db.session.scalars(query).all()


def get_category(category_id):
    """The category with `category_id`, or NotFound."""
    category = db.session.get(DisclosureCategory, _as_id(category_id))
    if category is None:
        raise NotFound(
            _("There is no disclosure category %(id)s.", id=category_id), field="category"
        )
    return category


def _category_names(name_zh, name_en, category=None):
    zh = drafts.text_field(name_zh, "name_zh", _("Chinese name"), 1, 60, single_line=True)
    en = drafts.text_field(name_en, "name_en", _("English name"), 1, 80, single_line=True)
    others = [c for c in list_categories() if c is not category]
    if any(c.name_zh == zh for c in others):
        raise ValidationFailed(
            _("Another category already has the Chinese name %(name)s.", name=zh), field="name_zh"
        )
    if any(c.name_en.casefold() == en.casefold() for c in others):
        raise ValidationFailed(
            _("Another category already has the English name %(name)s.", name=en), field="name_en"
        )
    return zh, en


def create_category(code, name_zh, name_en, takes_observations=False):
    """A new category at the end of the list; `code` (a-z, 0-9, _) is its permanent address in links and feeds."""
    code = str(code or "").strip()
    if not CATEGORY_CODE.match(code):
        raise ValidationFailed(
            _("The code must be 2 to 40 lower-case letters, digits or _, starting with a letter."),
            field="code",
        )
    if (
        db.session.scalar(sa.select(DisclosureCategory.id).where(DisclosureCategory.code == code))
        is not None
    ):
        raise ValidationFailed(
            _("The code %(code)s is taken: choose another.", code=code), field="code"
        )
    zh, en = _category_names(name_zh, name_en)
    last = db.session.scalar(sa.select(sa.func.max(DisclosureCategory.position)))
    category = DisclosureCategory(
        code=code,
        name_zh=zh,
        name_en=en,
        position=(last or 0) + 1,
        active=True,
        takes_observations=bool(takes_observations),
    )
    db.session.add(category)
    db.session.flush()
    return category


def rename_category(category, name_zh, name_en):
    """Give a category new Chinese and English names (its code stays)."""
    category.name_zh, category.name_en = _category_names(name_zh, name_en, category)
    db.session.flush()
    return category


def move_category(category, offset):
    """Move a category up (offset −1) or down (+1) in the list; positions are renumbered 0, 1, 2, …"""
    ordered = list(list_categories())
    index = ordered.index(category)
    target = min(max(index + int(offset), 0), len(ordered) - 1)
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    return category


def set_category_active(category, active):
    """Retire a category (kept by its disclosures, no longer offered) or offer it again."""
    category.active = bool(active)
    db.session.flush()
    return category


# --- access --------------------------------------------------------------------------------------

# Who may see and act on a disclosure is decided by its policy (portal.services.access): callers read and
# act through `POLICY` (`get_public`, `get_for_unit`, `act`, …).
POLICY = access.DISCLOSURES


def changed_in_public(disclosure):
    """Queue `disclosure` for the search index: something the public sees has changed."""
    search.enqueue(SEARCH_KIND, disclosure.id)


def _as_id(value):
    # 0 is no row's id: db.session.get() then finds nothing, without a query that overflows.
    return numbers.identifier(value) or 0


# --- validation ----------------------------------------------------------------------------------


def markdown_text(value):
    """Markdown as written, with line endings, invisible characters and control characters normalised."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    text = text.rstrip().lstrip("\n")
    if len(text) > BODY_LENGTH:
        raise ValidationFailed(
            _(
                "The text must be %(n)s characters or fewer (it has %(length)s).",
                n=BODY_LENGTH,
                length=len(text),
            ),
            field="body",
        )
    return text


def _required_body(body):
    if not body.strip():
        raise ValidationFailed(_("Enter the text of the disclosure."), field="body")
    return body


def _category(value, current=None):
    category = (
        value
        if isinstance(value, DisclosureCategory)
        else db.session.get(DisclosureCategory, _as_id(value))
    )
    if category is None or (not category.active and category is not current):
        raise ValidationFailed(
            _("Choose one of the disclosure categories offered."), field="category"
        )
    return category


def _published_on(value):
    if value in (None, ""):
        return None
    if (
        isinstance(value, datetime)
        or not isinstance(value, date)
        or not YEARS[0] <= value.year <= YEARS[1]
    ):
        raise ValidationFailed(
            _(
                "The publication date must be a real date between the years %(low)s and %(high)s.",
                low=YEARS[0],
                high=YEARS[1],
            ),
            field="published_on",
        )
    return value


# --- drafting ------------------------------------------------------------------------------------

_EDITABLE = ("category", "title", "body", "area", "task_ids", "published_on")


def _apply(disclosure, values):
    """Validate every value of a draft together, then write them to `disclosure`."""
    category = _category(values["category"], disclosure.category)
    title = drafts.text_field(values["title"], "title", _("Title"), *TITLE_LENGTH, single_line=True)
    body = markdown_text(values["body"])
    area = drafts.area(values["area"])
    published_on = _published_on(values["published_on"])
    tasks = drafts.tasks(values["task_ids"]) if values["task_ids"] is not None else None
    if disclosure.observations and not category.takes_observations:
        raise ValidationFailed(
            _(
                "This draft has goal observations, which only a statistics disclosure category "
                "carries: remove them first, or keep the category."
            ),
            field="category",
        )
    disclosure.category, disclosure.title, disclosure.body = category, title, body
    disclosure.area, disclosure.published_on = area, published_on
    if tasks is not None:
        disclosure.tasks = tasks


def _current(disclosure):
    """The values of a draft as `_apply` takes them; the related tasks stay unless changed."""
    return {
        "category": disclosure.category,
        "title": disclosure.title,
        "body": disclosure.body,
        "area": disclosure.area,
        "task_ids": None,
        "published_on": disclosure.published_on,
    }


LIFECYCLE = drafts.Lifecycle(
    policy=POLICY,
    search_kind=SEARCH_KIND,
    draft_state=DisclosureState.DRAFT,
    apply=_apply,
    current=_current,
    editable=_EDITABLE,
    not_a_unit=lambda: _(
        "The unit must be a department or a division: collective addressees do not publish "
        "disclosures."
    ),
    not_a_draft=lambda: _(
        "Only a draft can be edited; a published disclosure is revised with a note."
    ),
)


def create_draft(
    unit, category, title, area, body="", task_ids=(), published_on=None, created_by=None
):
    """A draft disclosure of `unit`; it stays private until published.

    `category` is a DisclosureCategory or its id (an active one), `area` an Area or its number
    (0 for the 兵团 level, 1–14 for a division), `body` Markdown, `published_on` the date the unit
    gives as its publication date (today's Beijing date when left empty at publication).
    """
    return LIFECYCLE.create(
        unit,
        created_by,
        {
            "category": category,
            "title": title,
            "body": body,
            "area": area,
            "task_ids": task_ids,
            "published_on": published_on,
        },
    )


def update_draft(user, disclosure, version=None, **changes):
    """Change a draft's fields (category, title, body, area, task_ids, published_on), validated together."""
    return LIFECYCLE.update(user, disclosure, version, changes)


# --- publication, revision, withdrawal ----------------------------------------------------------


def publish(user, disclosure, now=None, tz=clocks.DEFAULT_TZ, version=None):
    """Publish a draft as version 1; its publication date defaults to today (Beijing) and cannot be later."""
    now = now or utcnow()
    LIFECYCLE.check(
        user,
        disclosure,
        version,
        (DisclosureState.DRAFT,),
        lambda _d: _("This disclosure has been published already."),
    )
    _required_body(disclosure.body)
    today = clocks.local_day(now, tz)
    published_on = disclosure.published_on or today
    if published_on > today:
        raise ValidationFailed(
            _(
                "The publication date cannot be later than today, %(today)s.",
                today=today.isoformat(),
            ),
            field="published_on",
        )
    disclosure.versions.append(
        DisclosureVersion(
            number=1,
            title=disclosure.title,
            body=disclosure.body,
            note="",
            published_at=now,
            published_by_id=user.id,
        )
    )
    disclosure.state, disclosure.published_on, disclosure.first_published_at = (
        DisclosureState.PUBLISHED,
        published_on,
        now,
    )
    disclosure.updated_at = now
    changed_in_public(disclosure)
    db.session.flush()
    return disclosure.versions[-1]


def revise(user, disclosure, title, body, note, now=None, version=None):
    """Publish a new text of a published disclosure as the next version, with a public note on what changed."""
    now = now or utcnow()
    LIFECYCLE.check(
        user,
        disclosure,
        version,
        (DisclosureState.PUBLISHED,),
        lambda _d: _("Only a published disclosure can be revised."),
    )
    title = drafts.text_field(title, "title", _("Title"), *TITLE_LENGTH, single_line=True)
    body = _required_body(markdown_text(body))
    latest = disclosure.versions[-1]
    if title == disclosure.title and body == disclosure.body:
        raise ValidationFailed(
            _(
                "Nothing changed: the title and the text are those of version %(n)s.",
                n=latest.number,
            ),
            field="body",
        )
    note = drafts.text_field(note, "note", _("What changed"), *NOTE_LENGTH)
    revision = DisclosureVersion(
        number=latest.number + 1,
        title=title,
        body=body,
        note=note,
        published_at=now,
        published_by_id=user.id,
    )
    disclosure.versions.append(revision)
    disclosure.title, disclosure.body, disclosure.updated_at = title, body, now
    changed_in_public(disclosure)
    db.session.flush()
    return revision


def withdraw(user, disclosure, reason, now=None, version=None):
    """Withdraw a published disclosure with a public reason; its page stays as a tombstone with its versions."""
    now = now or utcnow()
    LIFECYCLE.check(
        user,
        disclosure,
        version,
        (DisclosureState.PUBLISHED,),
        lambda d: (
            _("This disclosure has been withdrawn already.")
            if d.state is DisclosureState.WITHDRAWN
            else _("Only a published disclosure can be withdrawn; a draft is simply not published.")
        ),
    )
    reason = drafts.text_field(reason, "reason", _("Reason"), *WITHDRAW_REASON_LENGTH)
    disclosure.withdrawn_at = now
    LIFECYCLE.withdraw(disclosure, DisclosureState.WITHDRAWN, reason, now)
    db.session.flush()
    return disclosure


# --- goal observations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ObservationInput:
    """One row of the observations editor as typed: goal id, year, value and source."""

    goal: object = None
    year: object = None
    value: object = None
    source: object = ""

    @property
    def blank(self):
        """True when nothing was typed in the row."""
        return all(
            str(v if v is not None else "").strip() == ""
            for v in (self.goal, self.year, self.value, self.source)
        )


def _row_error(row, message):
    return ValidationFailed(
        _("Row %(row)s: %(message)s", row=row, message=message), field="observations"
    )


def _decimal(text):
    """A finite Decimal from typed text (full-width digits and a decimal comma accepted), or None."""
    text = (
        unicodedata.normalize("NFKC", str(text if text is not None else ""))
        .strip()
        .replace(",", ".")
    )
    text = text.replace(" ", "").replace("\u3000", "")
    try:
        return numbers.parse_decimal("value", text, -LARGEST_VALUE, LARGEST_VALUE, VALUE_DECIMALS)
    except ValidationFailed:
        return None


def _observation(row, item, goals):
    goal = goals.get(_as_id(item.goal))
    if goal is None:
        raise _row_error(row, _("choose one of the goal indicators as the indicator."))
    year = unicodedata.normalize("NFKC", str(item.year if item.year is not None else "")).strip()
    if not is_whole(year) or not YEARS[0] <= int(year) <= YEARS[1]:
        raise _row_error(
            row,
            _(
                "the year must be a whole number from %(low)s to %(high)s.",
                low=YEARS[0],
                high=YEARS[1],
            ),
        )
    value = _decimal(item.value)
    if value is None:
        raise _row_error(
            row,
            _(
                "the value must be a number such as 85.5, with at most %(n)s decimals.",
                n=VALUE_DECIMALS,
            ),
        )
    source = " ".join(clean_text(item.source).split())
    if not SOURCE_LENGTH[0] <= len(source) <= SOURCE_LENGTH[1]:
        raise _row_error(
            row,
            _(
                "the source must say where the value comes from, in %(n)s characters or fewer.",
                n=SOURCE_LENGTH[1],
            ),
        )
    return Observation(goal=goal, year=int(year), value=value, source=source)


def replace_observations(user, disclosure, rows, version=None):
    """Replace all goal observations of a statistics draft with `rows` (ObservationInput; blank rows ignored).

    Every row is checked; the first error names its row (counting from 1, blank rows included, as
    the editor shows them) and its field. A goal and year given twice is refused.
    """
    POLICY.act(user, disclosure, version)
    if not disclosure.category.takes_observations:
        raise Conflict(_("Only a disclosure of a statistics category carries goal observations."))
    if disclosure.state is not DisclosureState.DRAFT:
        raise Conflict(
            _(
                "Observations are set while the disclosure is a draft. To correct published figures, "
                "withdraw the disclosure with the reason and publish a corrected one."
            )
        )
    goals = {i.id: i for i in db.session.scalars(sa.select(Goal))}
    observations, seen = [], {}
    for row, item in enumerate(rows, start=1):
        if item.blank:
            continue
        observation = _observation(row, item, goals)
        key = (observation.goal.id, observation.year)
        if key in seen:
            raise _row_error(
                row,
                _(
                    "%(indicator)s %(year)s is given twice (also in row %(other)s).",
                    indicator=observation.goal.name,
                    year=observation.year,
                    other=seen[key],
                ),
            )
        seen[key] = row
        observations.append(observation)
    if disclosure.observations:
        # Old rows go first: (disclosure, goal, year) is unique and the flush inserts before it deletes.
        disclosure.observations = []
        db.session.flush()
    disclosure.observations = observations
    disclosure.updated_at = utcnow()
    db.session.flush()
    return observations


def value_text(value):
    """An observed value as people write it: 85.5, not 85.5000 or 8.55E+1."""
    return format(value.normalize(), "f")


def observation_text(observation):
    """An observation's value with the goal's unit (none for a reduction target: the value is the raw level)."""
    goal = observation.goal
    unit = "" if goal.comparison is Comparison.REDUCTION_BY else goal.unit_of_measure
    return f"{value_text(observation.value)}{unit}"


def observation_table(disclosure):
    """The disclosure's observations by goal (policy order) and year."""
    return sorted(disclosure.observations, key=lambda o: (o.goal.task_id, o.goal.position, o.year))


def observation_groups(disclosure):
    """[(goal, its observations by year)] in policy order, and the source they share ('' when they differ)."""
    groups = {}
    for observation in observation_table(disclosure):
        groups.setdefault(observation.goal, []).append(observation)
    sources = {o.source for o in disclosure.observations}
    return list(groups.items()), sources.pop() if len(sources) == 1 else ""


# --- public queries ------------------------------------------------------------------------------


def _public_condition(name, value):
    """The WHERE condition of one filter of `list_public`, or ValidationFailed naming it."""
    text = str(value).strip()
    if name == "category":
        category = category_by_code(text)
        if category is None:
            raise numbers.refused(name, value)
        return Disclosure.category_id == category.id
    if name == "unit":
        unit = db.session.get(Unit, _as_id(text)) if is_whole(text) else None
        if unit is None:
            raise numbers.refused(name, value)
        return Disclosure.unit_id == unit.id
    if name == "area":
        area = (
            db.session.scalar(sa.select(Area).where(Area.number == int(text)))
            if is_whole(text)
            else None
        )
        if area is None:
            raise numbers.refused(name, value)
        return Disclosure.area_id == area.id
    if name == "year":
        year = numbers.whole_number(name, text, *YEARS, None)
        return sa.and_(
            Disclosure.published_on >= date(year, 1, 1),
            Disclosure.published_on < date(year + 1, 1, 1),
        )
    if name == "measure":
        measure = (
            db.session.scalar(sa.select(Measure).where(Measure.number == int(text)))
            if is_whole(text)
            else None
        )
        if measure is None:
            raise numbers.refused(name, value)
        linked = (
            sa.select(disclosure_tasks.c.disclosure_id)
            .join(Task, Task.id == disclosure_tasks.c.task_id)
            .where(Task.measure_id == measure.id)
        )
        return Disclosure.id.in_(linked)
    raise ValueError(f"unknown filter {name!r}")


def list_public(filters, page=1, per_page=20):
    """A pagination.Page of public disclosures, newest publication date first.

    `filters` maps category (a code), unit (a unit's id), area (0 for 兵团, 1–14), year (of the
    publication date) and measure (1–35: linked to one of its tasks) to raw values; empty ones are
    ignored. Withdrawn disclosures are listed (as tombstones). `per_page` is at most MAX_PER_PAGE; a
    value that is not accepted raises ValidationFailed naming its parameter.
    """
    return drafts.list_public(
        POLICY,
        filters,
        PUBLIC_FILTERS,
        _public_condition,
        page,
        per_page,
        MAX_PER_PAGE,
        order=(
            Disclosure.published_on.desc(),
            Disclosure.first_published_at.desc(),
            Disclosure.id.desc(),
        ),
        options=(
            joinedload(Disclosure.unit).selectinload(Unit.aliases),
            joinedload(Disclosure.category),
            joinedload(Disclosure.area),
        ),
    )


def version_counts(disclosures):
    """{disclosure id: number of published versions} for `disclosures`, in one query."""
    ids = [d.id for d in disclosures]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(DisclosureVersion.disclosure_id, sa.func.count())
        .where(DisclosureVersion.disclosure_id.in_(ids))
        .group_by(DisclosureVersion.disclosure_id)
    ).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({disclosure_id: count for disclosure_id, count in rows})
    return counts


def public_years():
    """The years of the public disclosures' publication dates, newest first (for the year filter)."""
    days = db.session.scalars(
        sa.select(Disclosure.published_on)
        .distinct()
        .where(POLICY.public_condition(), Disclosure.published_on.is_not(None))
    )
    return sorted({day.year for day in days}, reverse=True)


# The filters of the disclosure feeds: unit (id), category (code), area (number).
FEED_FILTERS = ("unit", "category", "area")


def category_by_code(code):
    """The disclosure category with `code`, or None."""
    return db.session.scalar(sa.select(DisclosureCategory).where(DisclosureCategory.code == code))


def public_last_changed(filters, limit):
    """Public disclosures matching `filters` (unit id, category code, area number), last changed first.

    The last change the public saw is the latest version or the withdrawal, whichever is later.
    """
    conditions = [
        _public_condition(name, filters[name])
        for name in FEED_FILTERS
        if filters.get(name) not in (None, "")
    ]
    versions = (
        sa.select(
            DisclosureVersion.disclosure_id, sa.func.max(DisclosureVersion.published_at).label("at")
        )
        .group_by(DisclosureVersion.disclosure_id)
        .subquery()
    )
    changed = sa.case(
        (Disclosure.withdrawn_at > versions.c.at, Disclosure.withdrawn_at), else_=versions.c.at
    )
    return db.session.scalars(
        POLICY.public_query(
            selectinload(Disclosure.versions),
            selectinload(Disclosure.category),
            selectinload(Disclosure.unit),
            selectinload(Disclosure.area),
        )
        .join(versions, versions.c.disclosure_id == Disclosure.id)
        .where(*conditions)
        .order_by(changed.desc(), Disclosure.id.desc())
        .limit(limit)
    ).all()


def load_versions(items):
    """`items` (listed disclosures) with their versions loaded in one query, not one per disclosure."""
    ids = [d.id for d in items]
    if ids:
        db.session.scalars(
            sa.select(Disclosure)
            .where(Disclosure.id.in_(ids))
            .options(selectinload(Disclosure.versions))
        ).all()
    return items


def last_changed_at(disclosure):
    """When the public last saw a change: the latest version, or the withdrawal (None for a draft)."""
    moments = [v.published_at for v in disclosure.versions]
    if disclosure.withdrawn_at is not None:
        moments.append(disclosure.withdrawn_at)
    return max(moments, default=None)


def version(disclosure, number):
    """Version `number` of a public disclosure, or NotFound."""
    wanted = _as_id(number)
    found = next((v for v in disclosure.versions if v.number == wanted), None)
    if found is None:
        raise NotFound(_("This disclosure has no version %(n)s.", n=number))
    return found


# --- the unit's console list ----------------------------------------------------------------------


def console_list(user, state=None, page=1, per_page=20):
    """A pagination.Page of the unit's disclosures (all of them for site oversight), newest first."""
    return drafts.console_list(
        POLICY,
        user,
        state,
        page,
        per_page,
        options=(
            selectinload(Disclosure.unit).selectinload(Unit.aliases),
            selectinload(Disclosure.category),
        ),
    )


# --- differences between versions ----------------------------------------------------------------
#
# Versions are compared as they read, not as they were typed: the Markdown is rendered to plain text
# paragraph by paragraph (a heading, a paragraph, a list item, a table row), the paragraphs are lined
# up, and within a changed paragraph the words differ: a run of Latin letters or digits (79.1, PM2.5,
# GB13223) is one word, every Chinese character is a word of its own.


class Change(enum.Enum):
    """What happened to a paragraph, or to a piece of one, between two versions."""

    SAME = "same"
    CHANGED = "changed"
    REMOVED = "removed"
    ADDED = "added"


@dataclass(frozen=True)
class Piece:
    """A run of a paragraph's text: in both versions (SAME), only the older (REMOVED) or only the newer (ADDED)."""

    text: str
    change: Change


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph of the comparison: its number in each version, its text as pieces (older and newer interleaved)."""

    change: Change
    old_number: int | None
    new_number: int | None
    pieces: tuple[Piece, ...]

    @property
    def old_text(self):
        """The paragraph as the older version has it."""
        return "".join(p.text for p in self.pieces if p.change is not Change.ADDED)

    @property
    def new_text(self):
        """The paragraph as the newer version has it."""
        return "".join(p.text for p in self.pieces if p.change is not Change.REMOVED)


@dataclass(frozen=True)
class Unchanged:
    """A run of unchanged paragraphs between changes, shown folded."""

    paragraphs: tuple[ParagraphChange, ...]


@dataclass(frozen=True)
class VersionDiff:
    """The differences from version `older` to version `newer`: the title, and the text paragraph by paragraph."""

    older: DisclosureVersion
    newer: DisclosureVersion
    title: ParagraphChange
    paragraphs: tuple[ParagraphChange, ...]

    @property
    def changed(self):
        """True when the title or the text differ."""
        return self.title.change is not Change.SAME or self.counts != {}

    @property
    def counts(self):
        """{Change: how many paragraphs} for the changed, removed and added paragraphs."""
        counts = {}
        for paragraph in self.paragraphs:
            if paragraph.change is not Change.SAME:
                counts[paragraph.change] = counts.get(paragraph.change, 0) + 1
        return counts

    @property
    def outline(self):
        """The paragraphs with the long unchanged runs folded (see `fold`)."""
        return fold(self.paragraphs)


# Unchanged paragraphs kept beside each change; a run only this much longer is shown whole rather than folded.
CONTEXT_PARAGRAPHS = 1
_SHORTEST_FOLD = 2
# Paragraph pairs with more word pairs than this are shown as wholly removed and added.
_WORD_COMPARISON_LIMIT = 4_000_000
# Paragraphs of a replaced run are paired when at least this similar (as difflib.Differ does); runs of more
# pairs than the limit are shown as removed and added paragraphs without pairing.
_PAIRING_CUTOFF = 0.4
_PAIRING_LIMIT = 2_500
_WORD = re.compile(
    r"[0-9A-Za-z\u00C0-\u024F]+(?:[.,'’][0-9A-Za-z\u00C0-\u024F]+)*|\s+|.", re.DOTALL
)


def words(text):
    """`text` cut into the units a change is shown in: Latin words and numbers whole, each other character alone."""
    return _WORD.findall(text)


def _whole(text, change):
    return (Piece(text, change),) if text else ()


def _merged(pieces):
    out = []
    for piece in pieces:
        if out and out[-1].change is piece.change:
            out[-1] = Piece(out[-1].text + piece.text, piece.change)
        elif piece.text:
            out.append(piece)
    return tuple(out)


def _paragraph_pair(old, new, old_number, new_number):
    """A paragraph in both versions, compared word by word: removed words first, then the added ones."""
    if old == new:
        return ParagraphChange(Change.SAME, old_number, new_number, _whole(old, Change.SAME))
    old_words, new_words = words(old), words(new)
    if len(old_words) * len(new_words) > _WORD_COMPARISON_LIMIT:
        return ParagraphChange(
            Change.CHANGED,
            old_number,
            new_number,
            _whole(old, Change.REMOVED) + _whole(new, Change.ADDED),
        )
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old_words, new_words, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("".join(old_words[i1:i2]), Change.SAME))
        else:
            pieces.append(Piece("".join(old_words[i1:i2]), Change.REMOVED))
            pieces.append(Piece("".join(new_words[j1:j2]), Change.ADDED))
    return ParagraphChange(Change.CHANGED, old_number, new_number, _merged(pieces))


def _best_pair(old, new, i1, i2, j1, j2):
    """(ratio, i, j) of the most similar old/new paragraphs in a replaced run, or None when none is similar enough."""
    best, matcher = None, difflib.SequenceMatcher(None, autojunk=False)
    for j in range(j1, j2):
        matcher.set_seq2(new[j])
        for i in range(i1, i2):
            matcher.set_seq1(old[i])
            floor = best[0] if best else _PAIRING_CUTOFF
            if (
                matcher.real_quick_ratio() > floor
                and matcher.quick_ratio() > floor
                and matcher.ratio() > floor
            ):
                best = (matcher.ratio(), i, j)
    return best


def _replaced(old, new, i1, i2, j1, j2):
    """The paragraphs of a replaced run: similar ones paired as changed (best pair first), the rest removed or added."""
    pair = None
    if (i2 - i1) * (j2 - j1) <= _PAIRING_LIMIT:
        pair = _best_pair(old, new, i1, i2, j1, j2)
    if pair is None:
        return [
            ParagraphChange(Change.REMOVED, i + 1, None, _whole(old[i], Change.REMOVED))
            for i in range(i1, i2)
        ] + [
            ParagraphChange(Change.ADDED, None, j + 1, _whole(new[j], Change.ADDED))
            for j in range(j1, j2)
        ]
    _ratio, i, j = pair
    return (
        _replaced(old, new, i1, i, j1, j)
        + [_paragraph_pair(old[i], new[j], i + 1, j + 1)]
        + _replaced(old, new, i + 1, i2, j + 1, j2)
    )


def compare_paragraphs(old, new):
    """Every paragraph of two lists of paragraphs (plain text) as a ParagraphChange, in reading order."""
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old, new, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            out.extend(
                ParagraphChange(Change.SAME, i + 1, j + 1, _whole(old[i], Change.SAME))
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        else:
            out.extend(_replaced(old, new, i1, i2, j1, j2))
    return tuple(out)


def fold(paragraphs, context=CONTEXT_PARAGRAPHS):
    """The paragraphs with each long run of unchanged ones folded into an Unchanged, keeping `context`
    paragraphs next to each change. Without any change, everything is one Unchanged."""
    out, run = [], []

    def flush(before_change, after_change):
        keep_start = context if after_change else 0
        keep_end = context if before_change else 0
        if len(run) - keep_start - keep_end < _SHORTEST_FOLD:
            out.extend(run)
        else:
            out.extend(run[:keep_start])
            out.append(Unchanged(tuple(run[keep_start : len(run) - keep_end])))
            out.extend(run[len(run) - keep_end :])
        run.clear()

    seen_change = False
    for paragraph in paragraphs:
        if paragraph.change is Change.SAME:
            run.append(paragraph)
            continue
        if run:
            flush(before_change=True, after_change=seen_change)
        seen_change = True
        out.append(paragraph)
    if run:
        flush(before_change=False, after_change=seen_change)
    return out


def diff(disclosure, older, newer):
    """The VersionDiff of a public disclosure from version `older` to version `newer` (numbers as typed).

    A number that is not one of its versions raises ValidationFailed naming the parameter (`from`
    or `to`) and the versions there are.
    """
    return compare_versions(disclosure.versions, older, newer)


def compare_versions(versions, older, newer, title=lambda v: v.title):
    """The VersionDiff between two of `versions` (anything with `number`, `title` and Markdown `body`: disclosures'
    and task reports' versions), chosen by their numbers as typed; `title(version)` is the first line compared.

    A number that is not one of them raises ValidationFailed naming the parameter (`from` or `to`).
    """
    from portal.rendering import plain_paragraphs  # the Markdown parser is built on first use

    numbers_ = [v.number for v in versions]
    chosen = []
    for name, value in (("from", older), ("to", newer)):
        text = str(value if value is not None else "").strip()
        if not is_whole(text) or int(text) not in numbers_:
            raise numbers.not_a_version(name, min(numbers_, default=1), max(numbers_, default=1))
        chosen.append(next(v for v in versions if v.number == int(text)))
    first, second = chosen
    return VersionDiff(
        first,
        second,
        _paragraph_pair(title(first), title(second), 1, 1),
        compare_paragraphs(plain_paragraphs(first.body), plain_paragraphs(second.body)),
    )
