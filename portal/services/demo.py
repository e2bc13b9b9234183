"""Sample data for trying the portal; every item is marked 示例 (sample)."""
import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from portal.services.accounts import create_user

SAMPLE_MARK = "示例"
DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = (
    ("demo-admin", "兵团建设局", "site_admin", "示例 · 站点管理员 (sample site admin)"),
    ("demo-jsj", "兵团建设局", "unit_admin", "示例 · 兵团建设局管理员 (sample unit admin)"),
    ("demo-jsj-staff", "兵团建设局", "staff", "示例 · 兵团建设局工作人员 (sample staff)"),
    ("demo-shihezi", "第八师石河子市", "staff", "示例 · 第八师石河子市工作人员 (sample staff)"),
)


def load_demo():
    """Add the sample accounts that are missing; returns lines describing what was added."""
    created = []
    for username, unit, role, display_name in DEMO_USERS:
        if db.session.scalar(sa.select(User).where(User.username == username)):
            continue
        create_user(username, unit, role, DEMO_PASSWORD, display_name)
        created.append(f"sample account {username} ({role}, {unit}), password {DEMO_PASSWORD}")
    return created or ["sample data already present"]
