"""/api/v1/consultations: only published consultations, filters, pages, and never a contact detail."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Comment, CommentDecision, Hearing, Registration, RegistrationStatus
from portal.services import comments, consultations
from portal.services.units import find_unit
from tests.helpers import People
from tests.services.test_consultations import (
    NOW,
    PEOPLE,
    PLANTED_EMAIL,
    PLANTED_PHONE,
    comment,
    eia_draft,
    policy_draft,
    publish,
)

REGISTRANT = ("赵登记人", "13700001111", "registrant-planted@example.org")
HIDDEN_NAME = "李四不公开"
WITHDRAW_REASON = "草案需要重新起草，本次征求意见终止。"


@pytest.fixture
def world(app):
    """An open EIA with comments and a hearing, a withdrawn policy draft, another division's plan, a draft."""
    with app.app_context():
        people = People(PEOPLE)
        staff = people["staff"]
        eia = eia_draft()
        publish(app, staff, eia)
        first = comment(eia, "建议增加夜间噪声监测点位。", phone=PLANTED_PHONE, paragraph=2)
        second = comment(
            eia,
            "厂址距离居民区太近，反对扩建。",
            email=PLANTED_EMAIL,
            name=HIDDEN_NAME,
            publish_name=False,
        )
        waiting = comment(eia, "这条意见还在等待审核。", phone="13600002222", name="王五")
        for each in (first, second):
            comments.publish_comment(staff, each)
        comments.decide(staff, first, CommentDecision.ADOPTED, "已增加两个夜间监测点位。")
        hearing = Hearing(
            starts_at=NOW + timedelta(days=20),
            place="五家渠市政务服务中心三楼会议室",
            seats=50,
            registration_closes_at=NOW + timedelta(days=18),
            eligibility="五家渠市居民",
            announced_at=NOW,
        )
        eia.hearings.append(hearing)
        db.session.flush()
        db.session.add(
            Registration(
                hearing_id=hearing.id,
                code_hash="c0de" * 16,
                name=REGISTRANT[0],
                phone=REGISTRANT[1],
                email=REGISTRANT[2],
                viewpoint="我想发言",
                status=RegistrationStatus.CONFIRMED,
            )
        )
        withdrawn = policy_draft(summary="关于生态环境保护的条例草案。")
        publish(app, staff, withdrawn, now=NOW + timedelta(hours=1))
        consultations.withdraw(staff, withdrawn, WITHDRAW_REASON)
        plan = consultations.create_consultation(
            find_unit("第八师石河子市"),
            kind="plan",
            title="石河子市生态保护规划",
            body_text="第一段。",
            area=8,
        )
        publish(app, people["stranger"], plan, now=NOW + timedelta(hours=2))
        draft = policy_draft(title="尚未发布的草稿")
        db.session.commit()
        keys = db.session.scalars(sa.select(Comment.author_key)).all()
        return {
            "eia": eia.id,
            "withdrawn": withdrawn.id,
            "plan": plan.id,
            "draft": draft.id,
            "waiting": waiting.id,
            "keys": keys,
            "first": first.id,
            "hearing": hearing.id,
        }


def test_list_is_newest_first_and_leaves_out_drafts(client, world):
    """Published consultations (withdrawn ones with their reason), newest first; drafts never."""
    response = client.get("/api/v1/consultations")
    assert response.status_code == 200 and response.content_type.startswith("application/json")
    assert "石河子市生态保护规划" in response.get_data(as_text=True)  # Chinese unescaped
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)
    assert [c["id"] for c in body["items"]] == [world["plan"], world["withdrawn"], world["eia"]]
    withdrawn = body["items"][1]
    assert withdrawn["state"] == "withdrawn" and withdrawn["withdrawn_reason"] == WITHDRAW_REASON
    eia = body["items"][2]
    assert eia["state"] == "open" and eia["kind"] == "eia" and eia["stage"] == "approval"
    assert eia["unit"]["name"] == "第六师五家渠市" and eia["area"]["number"] == 6
    assert eia["opens_on"] == "2026-09-28" and eia["closes_on"] == "2026-10-15"
    assert eia["withdrawn_reason"] == ""
    assert eia["url"].endswith(f"/consultations/{world['eia']}")
    assert eia["api_url"].endswith(f"/api/v1/consultations/{world['eia']}")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=open", ["plan", "eia"]),
        ("state=withdrawn", ["withdrawn"]),
        ("state=answered", []),
        ("kind=eia", ["eia"]),
        ("kind=policy_draft", ["withdrawn"]),
        ("stage=approval", ["eia"]),
        ("area=8", ["plan"]),
        ("area=6&kind=policy_draft", ["withdrawn"]),
        ("area=0", []),
        ("state=", ["plan", "withdrawn", "eia"]),
    ],
)
def test_filters(client, world, query, expected):
    """Each filter narrows the list; filters combine; an empty one is ignored."""
    body = client.get(f"/api/v1/consultations?{query}").get_json()
    assert [c["id"] for c in body["items"]] == [world[name] for name in expected]
    assert body["total"] == len(expected)


def test_unit_filter(client, world):
    """unit is a unit's id."""
    unit_id = client.get("/api/v1/consultations").get_json()["items"][0]["unit"]["id"]
    body = client.get(f"/api/v1/consultations?unit={unit_id}").get_json()
    assert [c["id"] for c in body["items"]] == [world["plan"]]


def test_pages(client, world):
    """per_page cuts the list; total counts all matches."""
    first = client.get("/api/v1/consultations?per_page=2").get_json()
    second = client.get("/api/v1/consultations?per_page=2&page=2").get_json()
    assert [len(first["items"]), len(second["items"])] == [2, 1]
    assert (
        first["total"] == second["total"] == 3 and second["page"] == 2 and second["per_page"] == 2
    )
    assert client.get("/api/v1/consultations?page=5").get_json()["items"] == []
    assert client.get("/api/v1/consultations?per_page=100").get_json()["per_page"] == 100


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=draft", "state"),
        ("state=bogus", "state"),
        ("kind=law", "kind"),
        ("stage=later", "stage"),
        ("area=15", "area"),
        ("area=abc", "area"),
        ("unit=abc", "unit"),
        ("unit=999999", "unit"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
    ],
)
def test_invalid_filters_are_json_400_naming_the_parameter(client, world, query, field):
    """A value not accepted is refused with 400 and the parameter's name."""
    response = client.get(f"/api/v1/consultations?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["field"] == field and error["message"]


def test_detail_has_paragraphs_hearings_and_published_comments(client, world):
    """The document, public hearing facts, and published comments with their decisions."""
    response = client.get(f"/api/v1/consultations/{world['eia']}")
    assert response.status_code == 200
    body = response.get_json()
    assert [p["number"] for p in body["paragraphs"]] == [1, 2, 3]
    assert body["paragraphs"][0]["text"] == "第一段：项目概况。"
    assert body["eia"]["eia_preparer"] == "新疆某环境科技有限公司"
    [hearing] = body["hearings"]
    assert (
        hearing["id"] == world["hearing"] and hearing["place"] == "五家渠市政务服务中心三楼会议室"
    )
    assert (hearing["seats"], hearing["seats_left"], hearing["waitlist_length"]) == (50, 49, 0)
    assert hearing["minutes"] == "" and hearing["attendance_count"] is None
    assert [c["body"] for c in body["comments"]] == [
        "建议增加夜间噪声监测点位。",
        "厂址距离居民区太近，反对扩建。",
    ]
    first, second = body["comments"]
    assert first["author"] == "张三" and first["paragraph"] == 2
    assert (
        first["decision"]["code"] == "adopted"
        and first["decision"]["reason"] == "已增加两个夜间监测点位。"
    )
    assert second["decision"] is None and second["author"] != HIDDEN_NAME
    assert world["waiting"] not in [c["id"] for c in body["comments"]]


def test_withdrawn_detail_keeps_its_reason(client, world):
    """A withdrawn consultation stays readable, with its public reason."""
    body = client.get(f"/api/v1/consultations/{world['withdrawn']}").get_json()
    assert body["state"] == "withdrawn" and body["withdrawn_reason"] == WITHDRAW_REASON
    assert "eia" not in body and body["comments"] == [] and body["hearings"] == []


@pytest.mark.parametrize("which", ["draft", "unknown", "text"])
def test_draft_and_unknown_ids_are_json_404(client, world, which):
    """A draft does not exist for the public."""
    consultation_id = {"draft": world["draft"], "unknown": 999999, "text": "abc"}[which]
    response = client.get(f"/api/v1/consultations/{consultation_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
    assert "尚未发布的草稿" not in response.get_data(as_text=True)


def test_no_contact_detail_key_or_registrant_anywhere(client, world):
    """Planted phones, emails, hidden names, author keys and registrants appear in no answer or feed."""
    pages = [
        client.get("/api/v1/consultations").get_data(as_text=True),
        client.get("/feeds/consultations.atom").get_data(as_text=True),
    ]
    for name in ("eia", "withdrawn", "plan"):
        pages.append(client.get(f"/api/v1/consultations/{world[name]}").get_data(as_text=True))
    secrets = [
        PLANTED_PHONE,
        PLANTED_EMAIL,
        HIDDEN_NAME,
        *REGISTRANT,
        "我想发言",
        "c0de" * 16,
        "13600002222",
        "王五",
        "尚未发布的草稿",
        "author_key",
        "code_hash",
        *world["keys"],
    ]
    for page in pages:
        for secret in secrets:
            assert secret not in page
