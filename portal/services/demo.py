"""Sample data for trying the portal; every item is marked 示例 (sample)."""
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import IdentityVisibility, User
from portal.models.types import utcnow
from portal.services import handling, reports
from portal.services.accounts import create_user

SAMPLE_MARK = "示例"
DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = (
    ("demo-admin", "兵团建设局", "site_admin", "示例 · 站点管理员 (sample site admin)"),
    ("demo-jsj", "兵团建设局", "unit_admin", "示例 · 兵团建设局管理员 (sample unit admin)"),
    ("demo-jsj-staff", "兵团建设局", "staff", "示例 · 兵团建设局工作人员 (sample staff)"),
    ("demo-shihezi", "第八师石河子市", "staff", "示例 · 第八师石河子市工作人员 (sample staff)"),
    ("demo-shihezi-admin", "第八师石河子市", "unit_admin", "示例 · 第八师石河子市管理员 (sample unit admin)"),
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
