"""Parse the policy document into chapters, measures, tasks, units and goals.

Pure functions: no database. Everything the importer writes comes from `parse`, which either
understands the whole document or raises `PolicyFormatError` naming the line.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portal.text import chinese_number, numeral

METADATA_KEYS = {
    "索引号": "index_number",
    "主题分类": "subject",
    "发文机关": "issuer",
    "成文日期": "written_on",
    "标题": "title",
    "发文字号": "document_number",
    "发布日期": "published_on",
    "主题词": "keywords",
}
COLLECTIVES = ("各师(市)党委", "各师(市)", "兵团各有关单位", "兵团各有关部门", "兵团各师(市)党委")
ORGANISATION_ENDINGS = tuple("局委部厅办室会院所站")

CHAPTER = re.compile(r"^([一二三四五六七八九十]+)、\s*(\S.*)$")
MEASURE = re.compile(r"^\(([一二三四五六七八九十]+)\)\s*(\S.*)$")
METADATA = re.compile(r"^([^::]{1,10}?)\s*:\s*(.*)$")
TRAILER = re.compile(r"^\(此件.*\)$")
ANNOTATION_START = "(牵头单位"
PARTICIPATING = re.compile(r"[,;]\s*参加单位\s*:")
NUMBER = r"(?P<value>\d+(?:\.\d+)?)"
GOAL_PATTERNS = (
    (re.compile(rf"^(?P<name>.+?)控制在{NUMBER}(?P<unit>[^\d%]+?)以内$"), "le"),
    (re.compile(rf"^(?P<name>.+?)比(?P<base>\d{{4}})年下降{NUMBER}(?P<unit>%)$"), "reduce_by"),
    (re.compile(rf"^(?P<name>.+?)提高到{NUMBER}(?P<unit>%?)以上$"), "ge"),
    (re.compile(rf"^(?P<name>.+?)达到{NUMBER}(?P<unit>\D*)$"), "ge"),
    (re.compile(rf"^{NUMBER}(?P<unit>%)以上(?P<name>.+?)得到治理$"), "ge_share"),
)


class PolicyFormatError(ValueError):
    """The document does not follow the expected structure; `line` is 1-based."""

    def __init__(self, line, expected, found=""):
        self.line = line
        self.expected = expected
        self.found = found
        snippet = found if len(found) <= 40 else found[:40] + "…"
        super().__init__(f"第 {line} 行 / line {line}: expected {expected}; found {snippet!r}")


@dataclass(frozen=True)
class UnitRef:
    """A unit as named in one annotation: canonical name, aliases it acts under, collective flag."""

    name: str
    aliases: tuple = ()
    collective: bool = False


@dataclass
class ParsedTask:
    """One annotated task."""

    position: int
    kind: str  # "paragraph", "measure" or "goal"
    title: str
    text: str
    lead: list
    participating: list
    participating_open: bool
    line: int


@dataclass
class ParsedGoal:
    """A numeric target found in a goal bullet of measure (三)."""

    task_position: int
    position: int
    name: str
    comparison: str
    target_value: Decimal
    unit_of_measure: str
    baseline_year: int | None
    target_year: int
    source_text: str


@dataclass
class ParsedMeasure:
    """A numbered measure, its text and its tasks."""

    number: int
    title: str
    text: str
    line: int
    tasks: list = field(default_factory=list)
    goals: list = field(default_factory=list)


@dataclass
class ParsedChapter:
    """A chapter heading and its measures."""

    number: int
    title: str
    measures: list = field(default_factory=list)


@dataclass
class ParsedPolicy:
    """The whole document."""

    title: str
    issuer: str
    written_on: date | None
    published_on: date | None
    preamble: str
    sha256: str
    chapters: list

    @property
    def measures(self):
        """All measures in order."""
        return [m for c in self.chapters for m in c.measures]

    @property
    def tasks(self):
        """All tasks in order."""
        return [t for m in self.measures for t in m.tasks]

    @property
    def goals(self):
        """All goals in order."""
        return [i for m in self.measures for i in m.goals]


def normalise(line):
    """Full-width punctuation and spaces to their plain forms, so （环保局） equals (环保局)."""
    return unicodedata.normalize("NFKC", line).strip()


def parse(text):
    """Parse the whole document; raise PolicyFormatError on anything not understood."""
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    lines = [(n, raw.strip(), normalise(raw)) for n, raw in enumerate(text.splitlines(), start=1)]
    lines = [entry for entry in lines if entry[2]]
    if not lines:
        raise PolicyFormatError(1, "the policy's metadata and text", "")
    metadata, body = _split_metadata(lines)
    title = metadata.get("title")
    if not title:
        raise PolicyFormatError(lines[0][0], "a metadata line 标题: <title>", lines[0][1])
    preamble, chapters = [], []
    measure = None
    for number, raw, line in body:
        if line == normalise(title) and not chapters and not preamble:
            continue
        if TRAILER.match(line):
            break
        heading = CHAPTER.match(line)
        if heading:
            expected = len(chapters) + 1
            if chinese_number(heading.group(1)) != expected:
                raise PolicyFormatError(number, f"chapter {expected} heading", raw)
            chapters.append(ParsedChapter(expected, heading.group(2).strip()))
            measure = None
            continue
        heading = MEASURE.match(line)
        if heading:
            if not chapters:
                raise PolicyFormatError(
                    number, "a chapter heading (一、…) before the first measure", raw
                )
            expected = sum(len(c.measures) for c in chapters) + 1
            if chinese_number(heading.group(1)) != expected:
                raise PolicyFormatError(number, f"measure ({numeral(expected)}) heading", raw)
            measure = _start_measure(expected, number, raw, heading.group(2))
            chapters[-1].measures.append(measure)
            continue
        if not chapters:
            preamble.append(raw)
            continue
        if measure is None:
            raise PolicyFormatError(
                number, "a measure heading such as (一)… after the chapter heading", raw
            )
        measure.text += "\n" + raw
        task = _task(measure, number, raw, line, heading=False)
        if task:
            measure.tasks.append(task)
    if not chapters:
        raise PolicyFormatError(lines[-1][0], "at least one chapter heading (一、…)", lines[-1][1])
    for chapter in chapters:
        if not chapter.measures:
            raise PolicyFormatError(
                lines[-1][0], f"measures in chapter {chapter.number}", chapter.title
            )
    for measure in (m for c in chapters for m in c.measures):
        measure.goals = _goals(measure)
    return ParsedPolicy(
        title=title,
        issuer=metadata.get("issuer", ""),
        written_on=_date(metadata, "written_on", lines),
        published_on=_date(metadata, "published_on", lines),
        preamble="\n".join(preamble),
        sha256=sha256,
        chapters=chapters,
    )


def _split_metadata(lines):
    """Split the header's `key: value` lines from the body that follows them."""
    metadata, seen = {}, False
    for index, (number, _raw, line) in enumerate(lines):
        match = METADATA.match(line)
        key = METADATA_KEYS.get(re.sub(r"\s+", "", match.group(1))) if match else None
        if key:
            metadata[key] = match.group(2).strip()
            metadata.setdefault("_lines", {})[key] = number
            seen = True
        elif seen:
            return metadata, lines[index:]
        # Lines before the metadata (the publishing site's name) carry nothing we keep.
    return metadata, []


def _date(metadata, key, lines):
    value = metadata.get(key)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PolicyFormatError(
            metadata["_lines"][key], "a date written YYYY-MM-DD", value
        ) from None


def _start_measure(number, line_number, raw, rest):
    """Build a measure from its heading line, which may carry the whole measure and its annotation."""
    title, sep, _ = rest.partition("。")
    if not sep or not title.strip():
        raise PolicyFormatError(line_number, "a measure title ending in 。", raw)
    measure = ParsedMeasure(number, title.strip(), raw, line_number)
    task = _task(measure, line_number, raw, normalise(raw), heading=True)
    if task:
        measure.tasks.append(task)
    return measure


def _task(measure, number, raw, line, heading):
    """The task a paragraph defines, or None when the paragraph carries no annotation."""
    start = line.rfind(ANNOTATION_START)
    if start < 0:
        if "牵头单位" in line:
            raise PolicyFormatError(number, "an annotation (牵头单位:…) closing the paragraph", raw)
        return None
    annotation = line[start:]
    if not annotation.endswith(")") or _depth(annotation) != 0 or _closes_early(annotation):
        raise PolicyFormatError(number, "an annotation (牵头单位:…) closing the paragraph", raw)
    lead, participating, is_open = _annotation(annotation[1:-1], number, raw)
    body = line[:start].strip()
    if heading:
        kind, title = "measure", measure.title
        body = MEASURE.match(body).group(2)
    elif body.startswith("——"):
        kind, title = "goal", body[2:].partition("。")[0].strip()
    else:
        kind, title = "paragraph", body.partition("。")[0].strip()
        if "。" not in body:
            raise PolicyFormatError(
                number, "a paragraph title ending in 。 before the annotation", raw
            )
    if not title:
        raise PolicyFormatError(number, "a task title", raw)
    return ParsedTask(
        len(measure.tasks) + 1, kind, title, body, lead, participating, is_open, number
    )


def _depth(text):
    """The nesting depth left open at the end of `text` (0 when balanced)."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return depth
    return depth


def _closes_early(annotation):
    """True when the annotation's opening bracket closes before its end."""
    depth = 0
    for char in annotation[:-1]:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return True
    return False


def _annotation(inner, number, raw):
    """Split `牵头单位:…,参加单位:…` into ordered lead and participating units."""
    head, sep, lead_text = inner.partition(":")
    if head.strip() != "牵头单位" or not sep:
        raise PolicyFormatError(number, "牵头单位: at the start of the annotation", raw)
    parts = PARTICIPATING.split(lead_text)
    if len(parts) > 2 or "参加单位" in parts[0]:
        raise PolicyFormatError(number, "at most one 参加单位: list after the lead units", raw)
    lead, lead_open = _units(parts[0], number, raw)
    participating, is_open = _units(parts[1], number, raw) if len(parts) == 2 else ([], False)
    if not lead:
        raise PolicyFormatError(number, "at least one lead unit after 牵头单位:", raw)
    return lead, participating, is_open or lead_open


def _split_top_level(text):
    """Split on 、 and , outside brackets."""
    items, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char in "、," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return [item.strip() for item in items]


def _units(text, number, raw):
    """Parse a unit list, carrying the 兵团 prefix over; returns (units, ends with 等)."""
    units, prefixed, is_open = [], False, False
    for token in _split_top_level(text):
        if token.endswith("等有关单位") or token.endswith("等"):
            token, is_open = token.removesuffix("等有关单位").removesuffix("等"), True
        if not token or _depth(token) != 0:
            raise PolicyFormatError(number, "a unit name with balanced brackets between 、", raw)
        if token.startswith("各") or token.startswith("兵团各"):
            if token not in COLLECTIVES:
                raise PolicyFormatError(
                    number, f"a collective addressee among {', '.join(COLLECTIVES)}", raw
                )
            units.append(UnitRef(token, collective=True))
            continue
        if token.startswith("兵团"):
            prefixed = True
        elif prefixed:
            token = "兵团" + token
        else:
            raise PolicyFormatError(
                number, "a unit name starting with 兵团 (the prefix carries over)", raw
            )
        ref = _unit_ref(token)
        if not ref.name.endswith(ORGANISATION_ENDINGS) or len(ref.name) < 4:
            raise PolicyFormatError(number, "a unit name ending in 局, 委, 部 …", raw)
        if ref not in units:
            units.append(ref)
    return units, is_open


def _unit_ref(token):
    """`兵团建设局(环保局)` → 兵团建设局 acting also as 兵团环保局."""
    match = re.fullmatch(r"(.+?)\((.+)\)", token)
    if match:
        names = match.group(2).split("、")
        if all(n.endswith(ORGANISATION_ENDINGS) for n in names):
            return UnitRef(match.group(1), tuple("兵团" + n for n in names))
    return UnitRef(token)


def _goals(measure):
    """The numeric targets in the goal bullets of a measure (only measure (三) has them)."""
    bullets = [t for t in measure.tasks if t.kind == "goal"]
    if not bullets:
        return []
    year = re.search(r"到(\d{4})年", measure.text)
    if not year:
        raise PolicyFormatError(
            measure.line, "the target year (到20xx年) of the goals", measure.title
        )
    found = []
    for task in bullets:
        position = 0
        for clause in re.split(r"[,。;]", task.text):
            goal = _goal(clause.strip())
            if goal:
                position += 1
                name, comparison, value, unit, base = goal
                found.append(
                    ParsedGoal(
                        task.position,
                        position,
                        name,
                        comparison,
                        Decimal(value),
                        unit,
                        base,
                        int(year.group(1)),
                        clause.strip(),
                    )
                )
    return found


def _goal(clause):
    """(name, comparison, value, unit, baseline year) for a clause stating a numeric target."""
    for pattern, comparison in GOAL_PATTERNS:
        match = pattern.match(clause)
        if match:
            name = match.group("name").removeprefix("兵团")
            base = int(match.group("base")) if "base" in pattern.groupindex else None
            if comparison == "ge_share":
                name, comparison = f"{name}得到治理的比例", "ge"
            return name, comparison, match.group("value"), match.group("unit").strip(), base
    return None
