"""Sample social organisations for `portal demo`: one verified, with activities, a supported report and a
litigation request on the closed sample report; one waiting for 兵团民政局's verification."""

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Organisation, OrganisationStatus
from portal.models.types import utcnow
from portal.services import organisations, reports

VERIFIED = organisations.Details(
    name="示例·石河子绿洲环保志愿者协会",
    registration_authority="第八师民政局",
    area=8,
    description="示例数据。组织志愿者开展玛纳斯河河道清理、水质监测和校园环保宣传。",
    contact_name="李华",
    contact_phone="0993-1234567",
    contact_email="lvzhou@example.org",
    publish_name=True,
    publish_phone=True,
)
PENDING = organisations.Details(
    name="示例·五家渠湿地保护志愿服务中心",
    registration_authority="第六师民政局",
    area=6,
    description="示例数据。青格达湖湿地鸟类观测与保护宣传。",
    contact_name="王敏",
    contact_phone="0994-7654321",
    contact_email="shidi@example.org",
)
ACTIVITIES = (
    ("cleanup", "示例·玛纳斯河河岸垃圾清理", 12, "玛纳斯河大桥东侧停车场"),
    ("monitoring", "示例·河道水质志愿监测", 26, "石河子市北泉镇取水口"),
    ("education", "示例·世界环境日校园宣讲", 45, "石河子第一中学"),
)


def code(first17):
    """A well-formed sample credit code."""
    return first17 + organisations.check_digit(first17)


def _exists(name):
    return db.session.scalar(sa.select(Organisation.id).where(Organisation.name == name))


def load(config, now=None):
    """Add the sample organisations that are missing; lines describing what was added."""
    now, lines = now or utcnow(), []
    if not _exists(PENDING.name):
        organisations.apply(PENDING, code("52660000MJ6000002"), config, now=now)
        lines.append(f"sample organisation {PENDING.name} (pending verification)")
    if _exists(VERIFIED.name):
        return lines
    organisation = organisations.apply(VERIFIED, code("52660000MJ8000001"), config, now=now)
    organisation.status, organisation.decided_at = OrganisationStatus.VERIFIED, now
    token = organisations.link_token(config["SECRET_KEY"], organisation)
    organisation.token = organisations.hash_token(token)
    tz = config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    for kind, title, days, place in ACTIVITIES:
        day = (now + timedelta(days=days)).date().isoformat()
        data = organisations.ActivityInput(
            kind, title, day, "10:00", 8, place, "示例数据。请自带手套和水杯。", "0993-1234567"
        )
        organisations.add_activity(organisation, data, tz, now=now)
    closed = reports.find_submission("demo-closed")
    if closed is not None:
        organisations.support_report(organisation, closed.reference, now=now)
        organisations.request_litigation(
            organisation,
            closed.reference,
            "示例数据。拟就该排污行为提起环境公益诉讼。",
            config,
            now,
        )
    lines.append(
        f"sample organisation {VERIFIED.name} (verified), managed at "
        f"{(config.get('PUBLIC_URL') or '').rstrip('/')}{organisations.manage_path(token)}"
    )
    return lines
