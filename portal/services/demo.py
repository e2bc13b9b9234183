"""Sample data for trying the portal; every item is marked 示例 (sample)."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    CommentDecision,
    Consultation,
    ConsultationKind,
    IdentityVisibility,
    Measure,
    ProjectStage,
    Task,
    User,
)
from portal.models.types import utcnow
from portal.services import clocks, comments, consultations, handling, hearings, reports
from portal.services.accounts import create_user
from portal.services.units import find_unit

SAMPLE_MARK = "示例"
DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = (
    ("demo-admin", "兵团建设局", "site_admin", "示例 · 站点管理员 (sample site admin)"),
    ("demo-jsj", "兵团建设局", "unit_admin", "示例 · 兵团建设局管理员 (sample unit admin)"),
    ("demo-jsj-staff", "兵团建设局", "staff", "示例 · 兵团建设局工作人员 (sample staff)"),
    ("demo-shihezi", "第八师石河子市", "staff", "示例 · 第八师石河子市工作人员 (sample staff)"),
    ("demo-shihezi-admin", "第八师石河子市", "unit_admin", "示例 · 第八师石河子市管理员 (sample unit admin)"),
    ("demo-wujiaqu", "第六师五家渠市", "staff", "示例 · 第六师五家渠市工作人员 (sample staff)"),
)
# key, category, area, days ago, place, description, what happens next
DEMO_REPORTS = (
    ("new", "water", 8, 1, "石河子市北泉镇东侧排渠", "排渠内持续流入灰黑色污水,有明显臭味。", []),
    ("accepted", "air", 0, 6, "五家渠市工业园区北侧", "一家企业烟囱夜间冒黑烟,附近居民闻到刺鼻气味。", ["accept"]),
    ("transferred", "noise", 0, 4, "石河子市东环路施工工地", "工地每晚十一点后仍在打桩,噪声扰民。", ["transfer"]),
    ("overdue", "soil_waste", 8, 20, "石河子市郊区废弃砖厂", "有车辆在废弃砖厂倾倒不明工业废渣。", []),
    ("closed", "livestock", 8, 30, "石河子市某养殖场", "养殖场粪水直接排入农田灌渠。", ["accept", "reply", "close", "summary"]),
    ("reopened", "ecology", 0, 40, "北屯市额尔齐斯河沿岸", "河岸防护林被砍伐一片。", ["accept", "close", "appeal"]),
)


def load_demo(config):
    """Add the sample accounts and reports that are missing; returns lines describing what was added."""
    created = []
    for username, unit, role, display_name in DEMO_USERS:
        if db.session.scalar(sa.select(User).where(User.username == username)) is None:
            create_user(username, unit, role, DEMO_PASSWORD, display_name)
            created.append(f"sample account {username} ({role}, {unit}), password {DEMO_PASSWORD}")
    db.session.flush()
    for key, category, area, days_ago, place, description, steps in DEMO_REPORTS:
        if reports.find_submission(f"demo-{key}") is not None:
            continue
        report = _demo_report(config, key, category, area, days_ago, place, description, steps)
        created.append(f"sample report {report.reference} ({key}) handled by {report.unit.name}")
    for title, build in ((EIA_TITLE, _demo_eia), (ANSWERED_TITLE, _demo_answered)):
        if db.session.scalar(sa.select(Consultation.id).where(Consultation.title == title)) is None:
            consultation = build(config)
            db.session.flush()
            created.append(f"sample consultation {consultation.id} ({consultation.state.value}) "
                           f"run by {consultation.unit.name}")
    return created or ["sample data already present"]


def _demo_report(config, key, category, area, days_ago, place, description, steps):
    """Submit one sample report in the past and walk it through `steps`."""
    when = utcnow() - timedelta(days=days_ago)
    data = reports.ReportInput(
        submission_key=f"demo-{key}", category=category, area=area, place=f"【{SAMPLE_MARK}】{place}",
        description=f"【{SAMPLE_MARK}】{description}", name=f"{SAMPLE_MARK}举报人", email="",
        visibility=IdentityVisibility.HANDLING_UNIT,
    )
    report = reports.submit(data, config, now=when).report
    for number, step in enumerate(steps, start=1):
        staff = _staff_of(report.unit_id)
        at = when + timedelta(days=number)
        if step == "accept":
            handling.accept(staff, report, None, config, now=at)
        elif step == "transfer":
            target = db.session.scalar(sa.select(User).where(User.username == "demo-shihezi")).unit
            handling.transfer(staff, report, None, target.id, f"【{SAMPLE_MARK}】施工工地在第八师辖区,转属地办理。", config, now=at)
        elif step == "reply":
            handling.reply(staff, report, None, f"【{SAMPLE_MARK}】已派员现场检查,责令养殖场停止直排。", now=at)
        elif step == "close":
            handling.close(staff, report, None, f"【{SAMPLE_MARK}】经查属实,已责令整改并处罚款。", config, now=at)
        elif step == "summary":
            handling.publish_summary(staff, report, None, f"【{SAMPLE_MARK}】养殖场粪污直排问题已查处整改。", now=at)
        elif step == "appeal":
            reports.appeal(report, f"【{SAMPLE_MARK}】砍伐仍在继续,请再次核查。", config, now=at)
        db.session.flush()
    return report


def _staff_of(unit_id):
    """A sample staff member of the unit (for acting on sample reports)."""
    return db.session.scalar(
        sa.select(User).where(User.unit_id == unit_id, User.username.like("demo-%")).order_by(User.role.desc())
    )


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
        query = sa.select(Task.id).join(Measure, Task.measure_id == Measure.id).where(Measure.number == number)
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
        unit, f"【{SAMPLE_MARK}】五家渠市城北污水处理厂提标扩建工程", 6, location="五家渠经济技术开发区北侧,青湖路以北",
        developer="五家渠市城北水务有限公司(示例)", created_by=staff)
    consultation = consultations.create_consultation(
        unit, ConsultationKind.EIA, EIA_TITLE, EIA_DOCUMENT, 6, project=project, stage=ProjectStage.APPROVAL,
        summary="污水处理厂由每日4万立方米扩建至8万立方米并提标至一级A,征求公众对环境影响和防治措施的意见。",
        task_ids=_task_ids((10, "有效控制主要污染物排放总量"), (18, None), (30, None)),
        project_location="五家渠经济技术开发区北侧,青湖路以北(现有厂区西侧预留用地)",
        developer_name="五家渠市城北水务有限公司(示例)", developer_contact="示例联系人 王工,电话 0994-0000000",
        eia_preparer="新疆某环境科技有限公司(示例)",
        how_to_comment="在本平台对全文或逐段提交意见;也可在征求意见期内书面寄送至五家渠市城北水务有限公司(示例)。",
        created_by=staff)
    count = consultations.count_period(opened.date(), opened.date() + timedelta(days=60),
                                       consultations.eia_minimum(config))
    closes_on = count.earliest_close + timedelta(days=7)
    consultations.publish(staff, consultation, opened.date(), closes_on, config, now=opened)
    day = _hearing_day(opened, config)
    hearing = hearings.schedule(
        staff, consultation, _at(day, 9, 30, config), "五家渠市政务服务中心三楼听证室(示例)", 40,
        _at(day - timedelta(days=1), 18, 0, config), "受项目影响的五家渠市居民、单位和社会组织", config,
        now=opened + timedelta(hours=1))
    hearings.register(hearing, f"{SAMPLE_MARK}居民 李女士", "13800000601", "", True,
                      "希望了解除臭设施的运行监测数据是否向周边社区公开。", config["SECRET_KEY"],
                      now=opened + timedelta(days=1))
    samples = (
        (1, 3, "青湖路社区居民(示例)", "13800000602", True,
         "第三段提到恶臭预测达标,但夏季主导风向下社区离厂界较近,建议增加对社区点位的恶臭监测并公开数据。"),
        (2, None, "五家渠市第三中学教师(示例)", "13800000603", False,
         "施工期噪声请避开学校考试时段和午休时间,并提前在社区公告施工计划。"),
        (2, 4, "示例居民 张先生", "13800000604", True, "污泥运输路线请避开青湖路早晚高峰,运输车辆应密闭。"),
    )
    for number, (days, paragraph, name, phone, publish_name, body) in enumerate(samples, start=1):
        at = opened + timedelta(days=days, hours=number)
        comment = comments.submit_comment(consultation, f"【{SAMPLE_MARK}】{body}", name, phone, "", publish_name,
                                          paragraph, now=at)
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
        unit, ConsultationKind.POLICY_DRAFT, ANSWERED_TITLE, ANSWERED_DOCUMENT, 0,
        summary="规范兵团建设项目环评公众参与的信息公开、征求意见期限、听证和意见处理。",
        task_ids=_task_ids((18, None), (30, None)), created_by=staff)
    closes_on = opened.date() + timedelta(days=21)
    consultations.publish(staff, consultation, opened.date(), closes_on, config, now=opened)
    day = _hearing_day(opened, config)
    starts = _at(day, 10, 0, config)
    hearing = hearings.schedule(staff, consultation, starts, "兵团政务服务中心二楼会议室(示例)", 30,
                                _at(day - timedelta(days=1), 18, 0, config), "兵团各师(市)居民、企业和社会组织",
                                config, now=opened + timedelta(hours=2))
    registrants = (("赵先生", "13800000701", True, "建议征求意见期限在节假日期间相应顺延,保证实际可用时间。"),
                   ("钱女士", "13800000702", False, ""), ("孙先生", "13800000703", False, ""))
    attended = []
    for number, (name, phone, speak, viewpoint) in enumerate(registrants, start=1):
        registration, _code = hearings.register(hearing, f"{SAMPLE_MARK}{name}", phone, "", speak, viewpoint,
                                                config["SECRET_KEY"], now=opened + timedelta(days=1, hours=number))
        if number < 3:
            attended.append(registration.id)
    # People are told apart by their contact: the first person comments twice.
    samples = (
        ("示例居民 周先生", "13800000801", True, 3, CommentDecision.ADOPTED,
         "十个工作日是下限,建议明确“不得少于”,并允许建设单位延长。", "已采纳:第三条写明“不得少于10个工作日”,并增加延长的规定。"),
        ("示例居民 周先生", "13800000801", True, 4, CommentDecision.PARTLY_ADOPTED,
         "听证会应当录音录像并公开全部记录。",
         "部分采纳:听证会记录和出席人数将在本平台公开;录音录像因涉及个人信息,仅供备查,不予公开。"),
        ("某环保志愿者协会(示例)", "13800000802", True, 2, CommentDecision.NOT_ADOPTED,
         "建议把信息公开期限从7个工作日缩短为3个工作日。",
         "不采纳:7个工作日是《环境影响评价公众参与办法》规定的期限,细则不宜另行缩短。"),
        ("示例居民", "13800000803", False, None, CommentDecision.OUT_OF_SCOPE,
         "小区旁边的烧烤店油烟很大,希望有关部门管一管。",
         "该问题不属于本次征求意见范围,已告知可通过本平台“举报”栏目反映,由属地单位依法处理。"),
    )
    decided = []
    for number, (name, phone, publish_name, paragraph, decision, body, reason) in enumerate(samples, start=1):
        comment = comments.submit_comment(consultation, f"【{SAMPLE_MARK}】{body}", name, phone, "", publish_name,
                                          paragraph, now=opened + timedelta(days=number, hours=3))
        comments.publish_comment(staff, comment)
        decided.append((comment, decision, reason))
    hearings.mark_attendance(staff, hearing, attended, now=starts + timedelta(hours=3))
    minutes_at = starts + timedelta(days=1)
    hearings.publish_minutes(staff, hearing, f"【{SAMPLE_MARK}】听证会按时召开,2名报名人出席,1人发言。"
                             "发言人建议征求意见期限遇节假日顺延;主持人说明将在公众参与说明中逐条答复。", now=minutes_at)
    closed_at = _at(closes_on + timedelta(days=1), 8, 0, config)
    consultations.close_due(closed_at, config)
    answered_at = max(closed_at, minutes_at) + timedelta(days=2)
    for comment, decision, reason in decided:
        comments.decide(staff, comment, decision, f"【{SAMPLE_MARK}】{reason}", now=answered_at)
    consultations.publish_statement(
        staff, consultation, f"【{SAMPLE_MARK}】征求意见期内共收到公众意见4条,来自3人(单位),并召开听证会一场。"
        "兵团建设局对每条意见逐条研究并作出答复,采纳情况见下表。细则将按采纳的意见修改后印发。",
        now=answered_at + timedelta(hours=2))
    return consultation
