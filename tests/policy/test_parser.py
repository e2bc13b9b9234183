"""The parser on the real policy and on documents it must refuse."""

from datetime import date
from decimal import Decimal

import pytest

from portal.policy import bundled_text
from portal.policy.parser import PolicyFormatError, parse
from portal.text import chinese_number, numeral


@pytest.fixture(scope="module")
def policy():
    return parse(bundled_text())


def names(units):
    return [u.name for u in units]


def test_counts_of_the_real_document(policy):
    """9 chapters, 35 measures numbered 1–35, 59 tasks (one per annotation)."""
    assert len(policy.chapters) == 9
    assert [m.number for m in policy.measures] == list(range(1, 36))
    assert len(policy.tasks) == 59 == bundled_text().count("牵头单位")


def test_metadata(policy):
    """Issuer, dates and title come from the header."""
    assert policy.issuer == "兵团办公厅"
    assert policy.written_on == date(2017, 1, 1)
    assert policy.published_on == date(2017, 1, 3)
    assert policy.title == "兵团党委 兵团关于加强生态文明建设工作的实施意见"
    assert policy.preamble.startswith("为加快推进兵团生态文明建设")


def test_measure_fourteen_air_pollution_task(policy):
    """(十四)'s 加强大气污染防治 is led by 兵团建设局 with four participating units in order."""
    measure = policy.measures[13]
    assert measure.title == "全面推进污染防治"
    task = measure.tasks[0]
    assert task.title == "加强大气污染防治"
    assert task.kind == "paragraph"
    assert names(task.lead) == ["兵团建设局"]
    assert task.lead[0].aliases == ("兵团环保局",)
    assert names(task.participating) == ["兵团发展改革委", "兵团工信委", "兵团科技局", "兵团财务局"]
    assert [t.title for t in measure.tasks] == [
        "加强大气污染防治",
        "推进水污染治理",
        "加大土壤污染防治力度",
    ]


def test_measure_thirty_is_one_task_titled_like_the_measure(policy):
    """(三十) has a single annotation covering it whole, led by 兵团建设局 and 兵团民政局."""
    measure = policy.measures[29]
    assert len(measure.tasks) == 1
    task = measure.tasks[0]
    assert (task.kind, task.title) == ("measure", "鼓励公众积极参与")
    assert names(task.lead) == ["兵团建设局", "兵团民政局"]
    assert names(task.participating) == [
        "兵团党委宣传部",
        "兵团发展改革委",
        "兵团水利局",
        "兵团农业局",
    ]


def test_goal_bullets_of_measure_three_are_tasks(policy):
    """The five —— bullets of (三) are goal tasks; measures (一) and (二) assign nothing."""
    goals = policy.measures[2].tasks
    assert [t.kind for t in goals] == ["goal"] * 5
    assert goals[0].title == "国土空间开发格局基本形成"
    assert names(goals[0].lead) == ["兵团国土资源局", "兵团建设局", "兵团农业局"]
    assert policy.measures[0].tasks == [] and policy.measures[1].tasks == []


def test_prefix_carries_over_and_aliases_merge(policy):
    """`兵团发展改革委、水利局` gives 兵团水利局; 农业局(畜牧兽医局、林业局) is one unit with two aliases."""
    goal = policy.measures[2].tasks[1]
    assert names(goal.lead) == ["兵团发展改革委", "兵团水利局", "兵团工信委", "兵团统计局"]
    agriculture = [
        u for t in policy.tasks for u in t.lead + t.participating if u.name == "兵团农业局"
    ]
    assert {u.aliases for u in agriculture} == {
        (),
        ("兵团林业局",),
        ("兵团畜牧兽医局",),
        ("兵团畜牧兽医局", "兵团林业局"),
    }
    publicity = policy.measures[28].tasks[0].lead[0]
    assert publicity.name == "兵团党委宣传部"
    assert publicity.aliases == ("兵团文化广播电视局", "兵团新闻出版局")


def test_collective_addressees_are_flagged(policy):
    """各师(市)党委, 各师(市), 兵团各有关单位, 兵团各有关部门, 兵团各师(市)党委 are collective."""
    collective = {u.name for t in policy.tasks for u in t.lead + t.participating if u.collective}
    assert collective == {
        "各师(市)党委",
        "各师(市)",
        "兵团各有关单位",
        "兵团各有关部门",
        "兵团各师(市)党委",
    }
    last = policy.measures[34].tasks[0]
    assert names(last.lead) == ["兵团各师(市)党委", "各师(市)", "兵团各有关部门"]


def test_every_unit_name_is_whole(policy):
    """No unit name is empty, truncated, or has an unbalanced bracket."""
    for task in policy.tasks:
        for unit in task.lead + task.participating:
            for name in (unit.name,) + unit.aliases:
                assert name and name.count("(") == name.count(")")
                assert name.endswith(("局", "委", "部", "位", "门", "(市)")), name


def test_open_lists_are_marked(policy):
    """A list ending in 等 (and others) keeps its units and says it is open."""
    task = policy.measures[27].tasks[0]
    assert task.participating_open
    assert names(task.participating)[-1] == "兵团质监局"
    assert not policy.measures[13].tasks[0].participating_open


def test_goals_of_measure_three(policy):
    """The ten numeric targets of (三), with comparison, value, unit and year."""
    found = {
        (i.name, i.comparison, i.target_value, i.unit_of_measure, i.baseline_year)
        for i in policy.goals
    }
    assert found == {
        ("用水总量", "le", Decimal("120"), "亿立方米", None),
        ("单位生产总值用水量", "reduce_by", Decimal("25"), "%", 2015),
        ("农田灌溉水有效利用系数", "ge", Decimal("0.58"), "", None),
        ("主要城市空气质量优良天数比例", "ge", Decimal("80"), "%", None),
        ("城镇建成区绿化覆盖率", "ge", Decimal("40"), "%", None),
        ("城镇污水处理率", "ge", Decimal("85"), "%", None),
        ("城镇生活垃圾无害化处理率", "ge", Decimal("70"), "%", None),
        ("森林覆盖率", "ge", Decimal("20"), "%", None),
        ("森林蓄积", "ge", Decimal("3500"), "万立方米", None),
        ("可治理沙化土地得到治理的比例", "ge", Decimal("40"), "%", None),
    }
    assert {i.target_year for i in policy.goals} == {2020}


def test_full_width_punctuation_parses_the_same(policy):
    """A copy written with full-width brackets and colons yields the same units."""
    text = bundled_text().replace("(", "（").replace(")", "）").replace(":", "：")
    wide = parse(text)
    assert [names(t.lead) for t in wide.tasks] == [names(t.lead) for t in policy.tasks]


def test_chinese_numerals():
    """Numerals round-trip for 1–35."""
    assert [chinese_number(numeral(n)) for n in range(1, 36)] == list(range(1, 36))
    assert numeral(14) == "十四" and numeral(30) == "三十" and numeral(10) == "十"


def broken(old, new, count=1):
    text = bundled_text()
    assert old in text
    return text.replace(old, new, count)


def line_of(text, fragment):
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(
    "old, new, fragment, expected",
    [
        (
            "(十四)全面推进污染防治。",
            "(十六)全面推进污染防治。",
            "(十六)全面推进污染防治。",
            "measure (十四)",
        ),
        ("\n五、", "\n七、", "七、", "chapter 5"),
        (
            "(牵头单位:兵团建设局(环保局),参加单位:兵团发展改革委、工信委、科技局、财务局)",
            "(牵头单位:兵团建设局(环保局,参加单位:兵团发展改革委、工信委、科技局、财务局)",
            "加强大气污染防治",
            "annotation",
        ),
        (
            "(牵头单位:兵团建设局(环保局),参加单位:兵团发展改革委、工信委、科技局、财务局)",
            "(牵头单位:兵团建设局(环保局),参加单位:兵团发展改革委、、科技局、财务局)",
            "加强大气污染防治",
            "unit name",
        ),
        (
            "(牵头单位:兵团科技局,参加单位:兵团国资委",
            "(牵头单位:科技局,参加单位:兵团国资委",
            "提升科技创新能力",
            "starting with 兵团",
        ),
        (
            "(牵头单位:兵团建设局(环保局),参加单位:兵团发展改革委、工信委、科技局、财务局)",
            "(牵头单位:,参加单位:兵团发展改革委)",
            "加强大气污染防治",
            "unit",
        ),
        ("成文日期: 2017-01-01", "成文日期: 2017-13-01", "成文日期", "YYYY-MM-DD"),
    ],
)
def test_broken_documents_are_refused_naming_the_line(old, new, fragment, expected):
    """A document the parser cannot understand is refused with the line and what was expected."""
    text = broken(old, new)
    with pytest.raises(PolicyFormatError) as caught:
        parse(text)
    assert caught.value.line == line_of(text, fragment)
    assert expected in str(caught.value)
    assert f"line {caught.value.line}" in str(caught.value)


def test_empty_and_headerless_documents_are_refused():
    """No metadata, no title: refused."""
    with pytest.raises(PolicyFormatError):
        parse("")
    with pytest.raises(PolicyFormatError, match="标题"):
        parse("一、 总体要求\n(一)指导思想。正文。\n")
