"""Sample data for trying the portal; every item is marked 示例 (sample)."""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    CommentDecision,
    Consultation,
    ConsultationKind,
    Disclosure,
    DisclosureVersion,
    Goal,
    IdentityVisibility,
    Measure,
    ProjectStage,
    Task,
    User,
)
from portal.models.types import utcnow
from portal.services import (
    clocks,
    comments,
    consultations,
    demo_organisations,
    demo_task_reports,
    disclosures,
    handling,
    hearings,
    reports,
)
from portal.services.accounts import create_user
from portal.services.units import find_unit

SAMPLE_MARK = "示例"
# Sample accounts of `portal demo`, printed to its user.
DEMO_PASSWORD = "demo-password-2026"  # nosec B105
# Display names in one language: 示例 marks them as samples, the unit says where they work.
DEMO_USERS = (
    ("demo-admin", "兵团建设局", "site_admin", "示例站点管理员（兵团建设局）"),
    ("demo-jsj", "兵团建设局", "unit_admin", "示例单位管理员（兵团建设局）"),
    ("demo-jsj-staff", "兵团建设局", "staff", "示例工作人员（兵团建设局）"),
    ("demo-shihezi", "第八师石河子市", "staff", "示例工作人员（第八师石河子市）"),
    ("demo-shihezi-admin", "第八师石河子市", "unit_admin", "示例单位管理员（第八师石河子市）"),
    ("demo-wujiaqu", "第六师五家渠市", "staff", "示例工作人员（第六师五家渠市）"),
    ("demo-tjj", "兵团统计局", "staff", "示例工作人员（兵团统计局）"),
    # One sample staff member for each other division, who handles its sample reports (see HISTORY).
    *(
        (f"demo-division-{number}", unit, "staff", f"示例工作人员（{unit}）")
        for number, unit in (
            (1, "第一师阿拉尔市"),
            (2, "第二师铁门关市"),
            (3, "第三师图木舒克市"),
            (4, "第四师可克达拉市"),
            (5, "第五师双河市"),
            (7, "第七师胡杨河市"),
            (9, "第九师白杨市"),
            (10, "第十师北屯市"),
            (11, "第十一师"),
            (12, "第十二师"),
            (13, "第十三师新星市"),
            (14, "第十四师昆玉市"),
        )
    ),
    ("demo-slj", "兵团水利局", "staff", "示例工作人员（兵团水利局）"),
)
# key, category, area, days ago, place, description, what happens next
DEMO_REPORTS = (
    ("new", "water", 8, 1, "石河子市北泉镇东侧排渠", "排渠内持续流入灰黑色污水,有明显臭味。", []),
    (
        "accepted",
        "air",
        0,
        6,
        "五家渠市工业园区北侧",
        "一家企业烟囱夜间冒黑烟,附近居民闻到刺鼻气味。",
        ["accept"],
    ),
    (
        "transferred",
        "noise",
        0,
        4,
        "石河子市东环路施工工地",
        "工地每晚十一点后仍在打桩,噪声扰民。",
        ["transfer"],
    ),
    (
        "overdue",
        "soil_waste",
        8,
        20,
        "石河子市郊区废弃砖厂",
        "有车辆在废弃砖厂倾倒不明工业废渣。",
        [],
    ),
    (
        "closed",
        "livestock",
        8,
        30,
        "石河子市某养殖场",
        "养殖场粪水直接排入农田灌渠。",
        ["accept", "reply", "close", "summary"],
    ),
    (
        "reopened",
        "ecology",
        0,
        40,
        "北屯市额尔齐斯河沿岸",
        "河岸防护林被砍伐一片。",
        ["accept", "close", "appeal"],
    ),
)


# Where the sample reports were made (WGS-84, near their places): accepted ones show on the map of reports at
# their public location, rounded to about 500 m.
DEMO_POINTS = {
    "new": ("44.364120", "86.112310"),
    "accepted": ("44.190830", "87.541270"),
    "transferred": ("44.305470", "86.090610"),
    "overdue": ("44.261380", "86.021940"),
    "closed": ("44.330260", "85.981730"),
    "reopened": ("47.360910", "87.832480"),
}


def load_demo(config):
    """Add the sample accounts and reports that are missing; returns lines describing what was added.

    The lines end with the receipt codes of the sample reports (see `receipt_lines`), on every run.
    """
    created = []
    for username, unit, role, display_name in DEMO_USERS:
        if db.session.scalar(sa.select(User).where(User.username == username)) is None:
            create_user(username, unit, role, DEMO_PASSWORD, display_name)
            created.append(f"sample account {username} ({role}, {unit}), password {DEMO_PASSWORD}")
    db.session.flush()
    # The history first: the six samples staff are meant to find come last, so the queue, which lists
    # closed reports newest first after the open ones, shows them on its first page.
    if reports.find_submission(_history_key(0)) is None:
        count = _demo_history(config)
        created.append(
            f"{count} sample reports over the last {HISTORY_MONTHS} months, for the statistics"
        )
    for key, category, area, days_ago, place, description, steps in DEMO_REPORTS:
        if reports.find_submission(f"demo-{key}") is not None:
            continue
        report = _demo_report(config, key, category, area, days_ago, place, description, steps)
        created.append(f"sample report {report.reference} ({key}) handled by {report.unit.name}")
    for title, build in ((EIA_TITLE, _demo_eia), (ANSWERED_TITLE, _demo_answered)):
        if db.session.scalar(sa.select(Consultation.id).where(Consultation.title == title)) is None:
            consultation = build(config)
            db.session.flush()
            created.append(
                f"sample consultation {consultation.id} ({consultation.state.value}) "
                f"run by {consultation.unit.name}"
            )
    for sample in DEMO_DISCLOSURES:
        if _sample_disclosure(sample.title) is None:
            disclosure = _demo_disclosure(config, sample)
            created.append(
                f"sample disclosure {disclosure.id} ({disclosure.state.value}, "
                f"{len(disclosure.versions)} version(s)) published by {disclosure.unit.name}"
            )
    # After the disclosures, which the sample task reports may link as evidence.
    created += demo_task_reports.load(config)
    created += demo_organisations.load(config)
    return (created or ["sample data already present"]) + receipt_lines(config)


def receipt_lines(config):
    """How to follow each sample report: its reference number and receipt code, one line each.

    Receipt codes are derived from the submission and the secret key (only a hash is stored), so they can
    be printed again on every run, as long as the secret key is the one the samples were made with.
    """
    lines = [
        f"follow a sample report at {(config.get('PUBLIC_URL') or '').rstrip('/')}/reports/track "
        "with its reference number and receipt code:"
    ]
    for key, *_rest in DEMO_REPORTS:
        report = reports.find_submission(f"demo-{key}")
        if report is None:
            continue
        code = reports.receipt_code(config["SECRET_KEY"], report.submission_key)
        if report.receipt_hash != reports.hash_code(code):
            code = "(unknown: the secret key changed since the samples were made)"
        lines.append(f"  {report.reference}  {code}  {key} sample, handled by {report.unit.name}")
    return lines if len(lines) > 1 else []


def _demo_report(config, key, category, area, days_ago, place, description, steps):
    """Submit one sample report in the past and walk it through `steps`."""
    when = utcnow() - timedelta(days=days_ago)
    data = reports.ReportInput(
        submission_key=f"demo-{key}",
        category=category,
        area=area,
        place=f"【{SAMPLE_MARK}】{place}",
        description=f"【{SAMPLE_MARK}】{description}",
        name=f"{SAMPLE_MARK}举报人",
        email="",
        visibility=IdentityVisibility.HANDLING_UNIT,
        latitude=DEMO_POINTS[key][0],
        longitude=DEMO_POINTS[key][1],
    )
    report = reports.submit(data, config, now=when).report
    for number, step in enumerate(steps, start=1):
        staff = _staff_of(report.unit_id)
        at = when + timedelta(days=number)
        if step == "accept":
            handling.accept(staff, report, None, config, now=at)
        elif step == "transfer":
            target = db.session.scalar(sa.select(User).where(User.username == "demo-shihezi")).unit
            handling.transfer(
                staff,
                report,
                None,
                target.id,
                f"【{SAMPLE_MARK}】施工工地在第八师辖区,转属地办理。",
                config,
                now=at,
            )
        elif step == "reply":
            handling.reply(
                staff, report, None, f"【{SAMPLE_MARK}】已派员现场检查,责令养殖场停止直排。", now=at
            )
        elif step == "close":
            handling.close(
                staff,
                report,
                None,
                f"【{SAMPLE_MARK}】经查属实,已责令整改并处罚款。",
                config,
                now=at,
            )
        elif step == "summary":
            handling.publish_summary(
                staff, report, None, f"【{SAMPLE_MARK}】养殖场粪污直排问题已查处整改。", now=at
            )
        elif step == "appeal":
            reports.appeal(report, f"【{SAMPLE_MARK}】砍伐仍在继续,请再次核查。", config, now=at)
        db.session.flush()
    return report


def _staff_of(unit_id):
    """A sample staff member of the unit (for acting on sample reports)."""
    return db.session.scalar(
        sa.select(User)
        .where(User.unit_id == unit_id, User.username.like("demo-%"))
        .order_by(User.role.desc())
    )


# --- reports over two years, for the statistics -----------------------------------------------------
# /dashboard/areas and the units' trends need months of reports to show anything: these are spread over the
# last HISTORY_MONTHS months, more in some areas than others, rising in some and falling in others, with
# the summer busier; each is accepted, closed (most in time, some late) and often rated, by the sample staff
# of its unit, at the times it says. A seeded generator makes every run build the same reports.

HISTORY_MONTHS = 24
HISTORY_SEED = 12369
# Area number → (reports a month at the start, at the end): the trend the statistics should show.
HISTORY_RATES = {
    0: (1.5, 2.0),
    1: (0.8, 2.2),
    2: (0.3, 0.4),
    3: (0.4, 0.2),
    4: (0.6, 1.2),
    5: (0.4, 0.4),
    6: (2.4, 0.8),
    7: (0.3, 0.8),
    8: (2.5, 5.5),
    9: (0.2, 0.2),
    10: (0.6, 1.0),
    11: (0.2, 0.3),
    12: (0.8, 0.4),
    13: (0.2, 0.4),
    14: (0.1, 0.2),
}
HISTORY_CATEGORIES = ("water", "air", "soil_waste", "noise", "livestock", "agriculture", "ecology")
HISTORY_PLACES = ("城区", "工业园区", "团场连队", "河道沿岸", "村镇周边")
HISTORY_DESCRIPTIONS = {
    "water": "排水沟内有污水流入，颜色发黑并有异味。",
    "air": "企业烟囱排放浓烟，周边能闻到刺鼻气味。",
    "soil_waste": "空地上堆放大量建筑垃圾和不明废料。",
    "noise": "夜间施工机械噪声很大，影响居民休息。",
    "livestock": "养殖场粪污未经处理直接外排。",
    "agriculture": "农田残膜和农药包装物随意丢弃。",
    "ecology": "防护林带内有树木被砍伐。",
}


def _history_key(number):
    return f"demo-history-{number:04d}"


def _demo_history(config):
    """Submit and handle the sample reports of the last HISTORY_MONTHS months; returns how many."""
    # Seeded, so every demo draws the same sample history; nothing secret comes from it.
    chance = random.Random(HISTORY_SEED)  # nosec B311
    now = utcnow()
    # The first day of the month HISTORY_MONTHS - 1 months ago, so that the months line up with the dashboard's.
    back = now - timedelta(days=(HISTORY_MONTHS - 1) * 365 / 12)
    start = back - timedelta(days=clocks.local_day(back, _tz(config)).day - 1)
    count = 0
    for month in range(HISTORY_MONTHS):
        share = month / (HISTORY_MONTHS - 1)
        when = start + timedelta(days=month * 365 / 12)
        summer = 1.5 if clocks.local_day(when, _tz(config)).month in (5, 6, 7, 8) else 1.0
        for area, (first, last) in HISTORY_RATES.items():
            expected = (first + (last - first) * share) * summer
            for _n in range(int(expected) + (chance.random() < expected % 1)):
                at = when + timedelta(days=chance.uniform(0, 29), hours=chance.uniform(0, 12))
                if at >= now - timedelta(hours=1):
                    continue
                _history_report(config, chance, _history_key(count), area, at, now)
                count += 1
    return count


def _history_report(config, chance, key, area, at, now):
    """One sample report of `area` submitted at `at`, walked through what would have happened by `now`."""
    category = chance.choice(HISTORY_CATEGORIES)
    report = reports.submit(
        reports.ReportInput(
            submission_key=key,
            category=category,
            area=area,
            place=f"【{SAMPLE_MARK}】{chance.choice(HISTORY_PLACES)}",
            description=f"【{SAMPLE_MARK}】{HISTORY_DESCRIPTIONS[category]}",
        ),
        config,
        now=at,
    ).report
    staff = _staff_of(report.unit_id)
    accepted = at + timedelta(days=chance.uniform(0.5, 4))
    if staff is None or accepted >= now:
        return
    if chance.random() < 0.06:
        handling.not_accept(
            staff, report, None, "repeated", f"【{SAMPLE_MARK}】该问题已在办理中。", now=accepted
        )
        return
    handling.accept(staff, report, None, config, now=accepted)
    # Most are closed within weeks; a few take months and miss their deadline.
    days = chance.uniform(5, 45) if chance.random() < 0.85 else chance.uniform(70, 150)
    closed = accepted + timedelta(days=days)
    if closed >= now:
        return
    handling.close(
        staff, report, None, f"【{SAMPLE_MARK}】经现场核查已责令整改。", config, now=closed
    )
    if chance.random() < 0.6:
        stars = min(5, max(1, round(chance.gauss(4.3 if area % 3 else 3.4, 0.9))))
        reports.rate(report, stars, "", now=closed + timedelta(days=1))
    db.session.flush()


# --- consultations --------------------------------------------------------------------------------
# Both samples are built through the services with explicit `now=` values, as if their steps had
# happened on the days they say, so every clock rule (notice periods, comment periods, hearing
# notice) holds for them as for real ones. Contacts are made-up phone numbers without email, so
# no mail is queued for sample residents.

EIA_TITLE = f"【{SAMPLE_MARK}】五家渠市城北污水处理厂提标扩建工程环境影响报告书(征求意见稿)"
ANSWERED_TITLE = f"【{SAMPLE_MARK}】兵团建设项目环境影响评价公众参与实施细则(征求意见稿)"
EIA_DOCUMENT = """一、项目概况。五家渠市城北污水处理厂位于五家渠经济技术开发区北侧,现有处理规模为每日4万立方米。\
本项目拟扩建至每日8万立方米,出水标准由一级B提高到一级A,总投资约3.2亿元,建设期18个月。

二、建设地点与周边环境。项目在现有厂区西侧预留用地内建设,不新增用地。厂界外500米范围内有青湖路\
社区、五家渠市第三中学和猛进水库引水渠,项目评价范围内无自然保护区和饮用水水源保护区。

三、主要环境影响及预测结果。施工期主要影响为扬尘、施工噪声和施工废水;运营期主要影响为恶臭气体、\
设备噪声和污泥处置。预测表明,厂界恶臭浓度和噪声均可满足相应标准,扩建后化学需氧量年排放量削减约\
420吨,氨氮削减约60吨,对下游水体的水质改善有正面作用。

四、拟采取的环境保护措施。对进水泵房、格栅间和污泥脱水间实施全封闭并配套生物除臭装置;高噪声设备\
选用低噪声型号并设置隔声罩;污泥经脱水后送五家渠市生活垃圾焚烧发电厂协同处置,严禁随意堆放。

五、环境风险与应急措施。主要风险为进水水质异常冲击和除臭系统故障。项目设置事故调节池和在线监测\
系统,制定突发环境事件应急预案,并与五家渠市生态环境主管部门建立联动机制。

六、环境影响评价结论。在落实报告书提出的各项污染防治和风险防范措施后,项目建设从环境保护角度可行。\
欢迎公众就本项目的环境影响和拟采取的措施逐段提出意见。

七、公众意见的处理。建设单位将对收到的意见逐条研究,在报批环境影响报告书时附具公众参与说明,说明\
意见的采纳情况和理由,并在本平台公开。"""
ANSWERED_DOCUMENT = """第一条 为规范兵团建设项目环境影响评价中的公众参与,保障公众的知情权、参与权和监督权,依据\
《环境影响评价公众参与办法》,结合兵团实际,制定本细则。

第二条 建设单位应当在确定环境影响报告书编制单位后7个工作日内,在本平台公开项目名称、选址、建设内容\
和建设单位联系方式等信息。

第三条 征求意见稿形成后,建设单位应当通过本平台公开征求意见,征求意见的期限不得少于10个工作日。

第四条 对环境影响方面公众质疑性意见多的建设项目,建设单位应当组织召开听证会,听证会公告应当至少提前\
10个工作日发布。

第五条 建设单位应当对收到的公众意见逐条作出采纳或者不采纳的决定,不采纳的应当说明理由,并编制公众参与\
说明在本平台公开。"""


def _tz(config):
    return config.get("BABEL_DEFAULT_TIMEZONE") or clocks.DEFAULT_TZ


def _at(day, hour, minute, config):
    """A moment of Beijing `day` at hour:minute."""
    return datetime.combine(day, time(hour, minute), ZoneInfo(_tz(config)))


def _task_ids(*wanted):
    """Ids of policy tasks given as (measure number, title prefix or None for the measure's first task)."""
    ids = []
    for number, prefix in wanted:
        query = (
            sa.select(Task.id)
            .join(Measure, Task.measure_id == Measure.id)
            .where(Measure.number == number)
        )
        if prefix:
            query = query.where(Task.title.startswith(prefix))
        task_id = db.session.scalar(query.order_by(Task.position).limit(1))
        if task_id is not None:
            ids.append(task_id)
    return ids


def _hearing_day(announced_at, config):
    """The first weekday on or after the earliest day the hearing notice rule allows."""
    day, _uncovered = hearings.earliest_hearing_day(announced_at, config)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _demo_eia(config):
    """An open EIA consultation in 第六师五家渠市 with a hearing taking registrations."""
    unit = find_unit("第六师五家渠市")
    staff = _staff_of(unit.id)
    today = clocks.local_day(utcnow(), _tz(config))
    opened = _at(today - timedelta(days=3), 9, 0, config)
    project = consultations.create_project(
        unit,
        f"【{SAMPLE_MARK}】五家渠市城北污水处理厂提标扩建工程",
        6,
        location="五家渠经济技术开发区北侧,青湖路以北",
        developer="五家渠市城北水务有限公司(示例)",
        created_by=staff,
    )
    consultation = consultations.create_consultation(
        unit,
        ConsultationKind.EIA,
        EIA_TITLE,
        EIA_DOCUMENT,
        6,
        project=project,
        stage=ProjectStage.APPROVAL,
        summary="污水处理厂由每日4万立方米扩建至8万立方米并提标至一级A,征求公众对环境影响和防治措施的意见。",
        task_ids=_task_ids((10, "有效控制主要污染物排放总量"), (18, None), (30, None)),
        project_location="五家渠经济技术开发区北侧,青湖路以北(现有厂区西侧预留用地)",
        developer_name="五家渠市城北水务有限公司(示例)",
        developer_contact="示例联系人 王工,电话 0994-0000000",
        eia_preparer="新疆某环境科技有限公司(示例)",
        how_to_comment="在本平台对全文或逐段提交意见;也可在征求意见期内书面寄送至五家渠市城北水务有限公司(示例)。",
        created_by=staff,
    )
    count = consultations.count_period(
        opened.date(), opened.date() + timedelta(days=60), consultations.eia_minimum(config)
    )
    closes_on = count.earliest_close + timedelta(days=7)
    consultations.publish(staff, consultation, opened.date(), closes_on, config, now=opened)
    day = _hearing_day(opened, config)
    hearing = hearings.schedule(
        staff,
        consultation,
        _at(day, 9, 30, config),
        "五家渠市政务服务中心三楼听证室(示例)",
        40,
        _at(day - timedelta(days=1), 18, 0, config),
        "受项目影响的五家渠市居民、单位和社会组织",
        config,
        now=opened + timedelta(hours=1),
    )
    hearings.register(
        hearing,
        f"{SAMPLE_MARK}居民 李女士",
        "13800000601",
        "",
        True,
        "希望了解除臭设施的运行监测数据是否向周边社区公开。",
        config["SECRET_KEY"],
        now=opened + timedelta(days=1),
        tz=_tz(config),
    )
    samples = (
        (
            1,
            3,
            "青湖路社区居民(示例)",
            "13800000602",
            True,
            "第三段提到恶臭预测达标,但夏季主导风向下社区离厂界较近,建议增加对社区点位的恶臭监测并公开数据。",
        ),
        (
            2,
            None,
            "五家渠市第三中学教师(示例)",
            "13800000603",
            False,
            "施工期噪声请避开学校考试时段和午休时间,并提前在社区公告施工计划。",
        ),
        (
            2,
            4,
            "示例居民 张先生",
            "13800000604",
            True,
            "污泥运输路线请避开青湖路早晚高峰,运输车辆应密闭。",
        ),
    )
    for number, (days, paragraph, name, phone, publish_name, body) in enumerate(samples, start=1):
        at = opened + timedelta(days=days, hours=number)
        comment = comments.submit_comment(
            consultation,
            f"【{SAMPLE_MARK}】{body}",
            name,
            phone,
            "",
            publish_name,
            paragraph,
            now=at,
            secret=config["SECRET_KEY"],
        )
        if number < len(samples):
            comments.publish_comment(staff, comment)  # the last one stays in the moderation queue
    return consultation


def _demo_answered(config):
    """A policy draft of 兵团建设局 from weeks ago: comments decided, hearing held, statement published."""
    unit = find_unit("兵团建设局")
    staff = _staff_of(unit.id)
    today = clocks.local_day(utcnow(), _tz(config))
    opened = _at(today - timedelta(days=60), 9, 0, config)
    consultation = consultations.create_consultation(
        unit,
        ConsultationKind.POLICY_DRAFT,
        ANSWERED_TITLE,
        ANSWERED_DOCUMENT,
        0,
        summary="规范兵团建设项目环评公众参与的信息公开、征求意见期限、听证和意见处理。",
        task_ids=_task_ids((18, None), (30, None)),
        created_by=staff,
    )
    closes_on = opened.date() + timedelta(days=21)
    consultations.publish(staff, consultation, opened.date(), closes_on, config, now=opened)
    day = _hearing_day(opened, config)
    starts = _at(day, 10, 0, config)
    hearing = hearings.schedule(
        staff,
        consultation,
        starts,
        "兵团政务服务中心二楼会议室(示例)",
        30,
        _at(day - timedelta(days=1), 18, 0, config),
        "兵团各师(市)居民、企业和社会组织",
        config,
        now=opened + timedelta(hours=2),
    )
    registrants = (
        ("赵先生", "13800000701", True, "建议征求意见期限在节假日期间相应顺延,保证实际可用时间。"),
        ("钱女士", "13800000702", False, ""),
        ("孙先生", "13800000703", False, ""),
    )
    attended = []
    for number, (name, phone, speak, viewpoint) in enumerate(registrants, start=1):
        registration, _code = hearings.register(
            hearing,
            f"{SAMPLE_MARK}{name}",
            phone,
            "",
            speak,
            viewpoint,
            config["SECRET_KEY"],
            now=opened + timedelta(days=1, hours=number),
            tz=_tz(config),
        )
        if number < 3:
            attended.append(registration.id)
    # People are told apart by their contact: the first person comments twice.
    samples = (
        (
            "示例居民 周先生",
            "13800000801",
            True,
            3,
            CommentDecision.ADOPTED,
            "十个工作日是下限,建议明确“不得少于”,并允许建设单位延长。",
            "已采纳:第三条写明“不得少于10个工作日”,并增加延长的规定。",
        ),
        (
            "示例居民 周先生",
            "13800000801",
            True,
            4,
            CommentDecision.PARTLY_ADOPTED,
            "听证会应当录音录像并公开全部记录。",
            "部分采纳:听证会记录和出席人数将在本平台公开;录音录像因涉及个人信息,仅供备查,不予公开。",
        ),
        (
            "某环保志愿者协会(示例)",
            "13800000802",
            True,
            2,
            CommentDecision.NOT_ADOPTED,
            "建议把信息公开期限从7个工作日缩短为3个工作日。",
            "不采纳:7个工作日是《环境影响评价公众参与办法》规定的期限,细则不宜另行缩短。",
        ),
        (
            "示例居民",
            "13800000803",
            False,
            None,
            CommentDecision.OUT_OF_SCOPE,
            "小区旁边的烧烤店油烟很大,希望有关部门管一管。",
            "该问题不属于本次征求意见范围,已告知可通过本平台“举报”栏目反映,由属地单位依法处理。",
        ),
    )
    decided = []
    for number, (name, phone, publish_name, paragraph, decision, body, reason) in enumerate(
        samples, start=1
    ):
        comment = comments.submit_comment(
            consultation,
            f"【{SAMPLE_MARK}】{body}",
            name,
            phone,
            "",
            publish_name,
            paragraph,
            now=opened + timedelta(days=number, hours=3),
            secret=config["SECRET_KEY"],
        )
        comments.publish_comment(staff, comment)
        decided.append((comment, decision, reason))
    hearings.mark_attendance(
        staff, hearing, attended, now=starts + timedelta(hours=3), tz=_tz(config)
    )
    minutes_at = starts + timedelta(days=1)
    hearings.publish_minutes(
        staff,
        hearing,
        f"【{SAMPLE_MARK}】听证会按时召开,2名报名人出席,1人发言。"
        "发言人建议征求意见期限遇节假日顺延;主持人说明将在公众参与说明中逐条答复。",
        now=minutes_at,
    )
    closed_at = _at(closes_on + timedelta(days=1), 8, 0, config)
    consultations.close_due(closed_at, config)
    answered_at = max(closed_at, minutes_at) + timedelta(days=2)
    for comment, decision, reason in decided:
        comments.decide(staff, comment, decision, f"【{SAMPLE_MARK}】{reason}", now=answered_at)
    consultations.publish_statement(
        staff,
        consultation,
        f"【{SAMPLE_MARK}】征求意见期内共收到公众意见4条,来自3人(单位),并召开听证会一场。"
        "兵团建设局对每条意见逐条研究并作出答复,采纳情况见下表。细则将按采纳的意见修改后印发。",
        now=answered_at + timedelta(hours=2),
    )
    return consultation


# --- disclosures ------------------------------------------------------------------------------------
# One sample per category, published through the services on past days by the unit the policy makes
# responsible: the 2025 bulletin has a second version, a permit notice is withdrawn with its reason,
# and the statistics carry goal observations for 2016–2025 (some targets met, some not) so that the
# dashboard has data. The air-quality samples link to measure (十四)'s task 加强大气污染防治.


@dataclass(frozen=True)
class SampleDisclosure:
    """A sample disclosure: who publishes what, when, linked to which tasks, and what happens next."""

    title: str
    category: str
    unit: str
    area: int
    days_ago: int
    body: str
    tasks: tuple = ()
    revision: tuple | None = None  # (days later, new body, note)
    withdrawal: tuple | None = None  # (days later, reason)
    observations: tuple = ()  # (goal name, ((year, value), …))


SAMPLE_SOURCE = f"兵团统计局《兵团统计年鉴》及生态环境监测数据(【{SAMPLE_MARK}】演示用虚构数据)"
BULLETIN_BODY = f"""> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。

## 一、环境空气质量

2025年,兵团主要城市环境空气质量优良天数比例平均为79.1%,细颗粒物(PM2.5)年均浓度为每立方米38微克。\
冬季采暖期大气污染仍较突出,重污染天数主要出现在1月和12月。

## 二、水环境质量

- 地表水国控断面水质优良(达到或优于Ⅲ类)比例为92.3%;
- 城镇集中式饮用水水源地水质达标率为100%。

## 三、下一步工作

继续实施大气污染防治行动,推进燃煤锅炉淘汰和散煤治理,加强工业园区挥发性有机物治理。"""
AIR_REPORT_BODY = f"""> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。

2026年4月,石河子市环境空气质量优良天数为26天,优良天数比例为86.7%;首要污染物为可吸入颗粒物(PM10),\
主要受沙尘天气影响。

| 项目 | 本月 | 上年同期 |
|------|-----:|--------:|
| 优良天数比例 | 86.7% | 83.3% |
| PM2.5 月均浓度(微克/立方米) | 29 | 33 |
| PM10 月均浓度(微克/立方米) | 71 | 78 |
| 重污染天数 | 0 | 1 |

大气污染防治重点:施工工地扬尘管控、道路机械化清扫、燃煤锅炉综合整治。"""
DEMO_DISCLOSURES = (
    SampleDisclosure(
        f"【{SAMPLE_MARK}】2025年兵团生态环境状况公报",
        "environment_quality",
        "兵团建设局",
        0,
        40,
        BULLETIN_BODY,
        tasks=((14, "加强大气污染防治"), (14, "推进水污染治理")),
        revision=(
            5,
            BULLETIN_BODY.replace("79.1%", "79.4%").replace("每立方米38微克", "每立方米37微克"),
            f"【{SAMPLE_MARK}】根据监测站复核结果,更正优良天数比例(79.1%→79.4%)和PM2.5年均浓度(38→37微克/立方米)。",
        ),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】第八师石河子市2026年第一季度排污许可证核发情况公示",
        "discharge_permits",
        "第八师石河子市",
        8,
        30,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n2026年第一季度,第八师石河子市共核发排污许可证12件,"
        "变更8件,延续5件,注销2件。名单见下:\n\n1. 石河子某热电有限公司(延续)\n2. 石河子某纺织有限公司(变更)\n"
        "3. 石河子某食品有限公司(新核发)",
        tasks=((10, "有效控制主要污染物排放总量"),),
        withdrawal=(
            3,
            f"【{SAMPLE_MARK}】公示名单中两家企业的许可类型填写有误,本公示撤回,更正后将重新发布。",
        ),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】关于五家渠市城北污水处理厂提标扩建工程环境影响报告书的批复",
        "eia_approvals",
        "第六师五家渠市",
        6,
        12,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n经审查,在全面落实报告书提出的各项污染防治措施后,"
        "项目建设对环境的不利影响能够得到缓解和控制。同意项目按照报告书所列性质、规模、地点和环境保护措施进行建设。\n\n"
        "## 主要要求\n\n- 进水泵房、污泥脱水间全封闭并配套除臭设施;\n- 污泥送生活垃圾焚烧发电厂协同处置;\n"
        "- 安装出水在线监测设备并与主管部门联网。",
        tasks=((18, None),),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】第八师石河子市生态环境行政处罚决定书(石环罚〔2026〕3号)",
        "penalties",
        "第八师石河子市",
        8,
        20,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n**当事人**:石河子某建材有限公司(示例)\n\n"
        "**违法事实**:2026年3月,该公司在未配套除尘设施的情况下进行石料破碎作业,颗粒物无组织排放,造成大气污染。\n\n"
        "**处罚决定**:责令改正违法行为,处罚款人民币五万元。",
        tasks=((26, None), (14, "加强大气污染防治")),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】石河子市2026年4月环境空气质量月报",
        "monitoring",
        "第八师石河子市",
        8,
        15,
        AIR_REPORT_BODY,
        tasks=((14, "加强大气污染防治"),),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】关于第六师某化工企业储罐泄漏突发环境事件处置情况的通报",
        "emergencies",
        "第六师五家渠市",
        6,
        9,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n2026年5月某日,五家渠经济技术开发区某化工企业一座储罐阀门"
        "发生泄漏。企业立即启动突发环境事件应急预案,泄漏物料全部收集至事故应急池,未进入外环境。\n\n"
        "应急监测结果显示,厂界及周边敏感点大气、地表水各项指标均未超标。",
        tasks=((19, "严守环境质量底线"),),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】兵团大气污染防治行动实施方案(2026—2027年)",
        "policy_documents",
        "兵团建设局",
        0,
        25,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n## 目标\n\n到2027年,兵团主要城市空气质量优良天数比例"
        "达到80%以上,重污染天数比2025年减少20%。\n\n## 重点任务\n\n1. 推进燃煤锅炉淘汰和清洁能源替代;\n"
        "2. 强化工业园区大气污染综合治理;\n3. 加强施工扬尘和道路扬尘管控;\n4. 完善重污染天气应急响应。",
        tasks=((14, "加强大气污染防治"),),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】兵团生态文明建设主要指标统计(2016—2025年)",
        "statistics",
        "兵团统计局",
        0,
        50,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n本表公布实施意见第(三)项确定的主要目标指标"
        "2016—2025年的统计值,供公众对照目标监督。单位生产总值用水量以立方米/万元计,另列2015年基期值,"
        "降幅按基期计算。",
        tasks=((3, "资源利用效率大幅提升"), (3, "生态环境质量总体改善"), (25, None)),
        observations=(
            (
                "用水总量",
                tuple(
                    zip(
                        range(2016, 2026),
                        (
                            "127.6",
                            "126.1",
                            "124.8",
                            "122.9",
                            "119.7",
                            "118.8",
                            "118.2",
                            "117.5",
                            "116.9",
                            "116.1",
                        ),
                        strict=True,
                    )
                ),
            ),
            (
                "单位生产总值用水量",
                tuple(
                    zip(
                        range(2015, 2026),
                        (
                            "1200",
                            "1152",
                            "1101",
                            "1060",
                            "1013",
                            "962",
                            "921",
                            "884",
                            "861",
                            "842",
                            "820",
                        ),
                        strict=True,
                    )
                ),
            ),
            (
                "农田灌溉水有效利用系数",
                tuple(
                    zip(
                        range(2016, 2026),
                        (
                            "0.552",
                            "0.557",
                            "0.563",
                            "0.569",
                            "0.575",
                            "0.581",
                            "0.586",
                            "0.590",
                            "0.594",
                            "0.597",
                        ),
                        strict=True,
                    )
                ),
            ),
            (
                "主要城市空气质量优良天数比例",
                tuple(
                    zip(
                        range(2016, 2026),
                        (
                            "72.4",
                            "73.1",
                            "74.6",
                            "75.2",
                            "76.8",
                            "77.5",
                            "76.9",
                            "78.2",
                            "78.8",
                            "79.4",
                        ),
                        strict=True,
                    )
                ),
            ),
            (
                "城镇污水处理率",
                tuple(
                    zip(
                        range(2016, 2026),
                        (
                            "79.5",
                            "81.2",
                            "83.0",
                            "84.6",
                            "86.1",
                            "88.3",
                            "90.2",
                            "92.0",
                            "93.4",
                            "94.8",
                        ),
                        strict=True,
                    )
                ),
            ),
            (
                "森林覆盖率",
                tuple(
                    zip(
                        range(2016, 2026),
                        (
                            "18.1",
                            "18.3",
                            "18.4",
                            "18.6",
                            "18.8",
                            "19.0",
                            "19.1",
                            "19.3",
                            "19.4",
                            "19.6",
                        ),
                        strict=True,
                    )
                ),
            ),
        ),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】关于兵团政协第0123号提案(加强连队生活垃圾治理)办理情况的答复",
        "proposals",
        "兵团建设局",
        0,
        18,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n您提出的关于加强连队生活垃圾治理的提案收悉。经研究,答复如下:\n\n"
        "1. 2026年起在各师(市)推行连队生活垃圾“户分类、连收集、团转运、师处理”模式;\n"
        "2. 安排专项资金支持连队垃圾收集设施建设;\n3. 将连队人居环境整治纳入美丽连队建设考核。",
        tasks=((6, None),),
    ),
    SampleDisclosure(
        f"【{SAMPLE_MARK}】2026年六五环境日兵团主题宣传活动安排",
        "other",
        "兵团建设局",
        0,
        7,
        f"> 【{SAMPLE_MARK}】本文为演示数据,不是真实信息。\n\n6月5日环境日期间,兵团将开展生态环境科普进连队、"
        "环境监测设施向公众开放、“美丽兵团我是行动者”志愿服务等活动,欢迎公众参与。",
        tasks=((27, None), (30, None)),
    ),
)


def _sample_disclosure(title):
    """The sample disclosure first published as `title`, if any."""
    return db.session.scalar(
        sa.select(Disclosure)
        .join(DisclosureVersion)
        .where(DisclosureVersion.number == 1, DisclosureVersion.title == title)
    )


def _demo_disclosure(config, sample):
    """Draft, fill, publish (and revise or withdraw) one sample disclosure on the days it says."""
    unit = find_unit(sample.unit)
    staff = _staff_of(unit.id)
    category = next(c for c in disclosures.list_categories() if c.code == sample.category)
    today = clocks.local_day(utcnow(), _tz(config))
    published_at = _at(today - timedelta(days=sample.days_ago), 10, 0, config)
    disclosure = disclosures.create_draft(
        unit,
        category,
        sample.title,
        sample.area,
        body=sample.body,
        task_ids=_task_ids(*sample.tasks),
        created_by=staff,
    )
    if sample.observations:
        goals = {i.name: i.id for i in db.session.scalars(sa.select(Goal))}
        rows = [
            disclosures.ObservationInput(goals[name], year, value, SAMPLE_SOURCE)
            for name, values in sample.observations
            if name in goals
            for year, value in values
        ]
        disclosures.replace_observations(staff, disclosure, rows)
    disclosures.publish(staff, disclosure, now=published_at, tz=_tz(config))
    if sample.revision:
        days, body, note = sample.revision
        disclosures.revise(
            staff,
            disclosure,
            disclosure.title,
            body,
            note,
            now=published_at + timedelta(days=days, hours=2),
        )
    if sample.withdrawal:
        days, reason = sample.withdrawal
        disclosures.withdraw(
            staff, disclosure, reason, now=published_at + timedelta(days=days, hours=4)
        )
    db.session.flush()
    return disclosure
