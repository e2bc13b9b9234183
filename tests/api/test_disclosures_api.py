"""/api/v1/disclosures: public disclosures only, filters and pages, the current text with its versions."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import DisclosureCategory, Goal, Measure, Task
from portal.services import attachments, disclosures
from portal.services.disclosures import ObservationInput
from tests.helpers import People
from tests.services.test_evidence import minimal_pdf

PEOPLE = {"jsj": ("jsj", "兵团建设局", "staff"), "shz": ("shz", "第八师石河子市", "staff")}
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
PAYLOAD = (
    "## 监测结果\n\n石河子市PM2.5年均浓度为每立方米38微克。\n\n<script>alert('x')</script>\n\n"
    "[点这里](javascript:alert(1)) <img src=x onerror=alert(2)>"
)
REVISED_BODY = "排污许可证已于2026年3月变更,许可排放量下调百分之十。"
REVISION_NOTE = "更正许可排放量数据。"
WITHDRAW_REASON = "处罚决定已被依法撤销,本信息撤回。"
DRAFT_TITLE = "尚未发布的草稿"


def category(code):
    """The seeded disclosure category with `code`."""
    return db.session.scalar(sa.select(DisclosureCategory).where(DisclosureCategory.code == code))


@pytest.fixture
def disclosure_world(app):
    """Four public disclosures (one revised, one withdrawn, one with statistics) of two units, and a draft.

    Published in this order, a day apart: quality (兵团, 2026-03-01), permit (8, 2026-03-02, revised on
    day 5), statistics (兵团, 2025-12-31), penalty (8, 2026-03-04, withdrawn on day 6).
    """
    with app.app_context():
        people = People(PEOPLE)
        jsj, shz = people["jsj"], people["shz"]
        air_task = db.session.scalar(
            sa.select(Task)
            .join(Measure)
            .where(Measure.number == 14, Task.title == "加强大气污染防治")
        )
        made = {}
        for key, staff, code, title, area, body, day, on, tasks in (
            (
                "quality",
                jsj,
                "environment_quality",
                "2025年兵团环境质量状况公报",
                0,
                PAYLOAD,
                0,
                date(2026, 3, 1),
                [air_task.id],
            ),
            (
                "permit",
                shz,
                "discharge_permits",
                "石河子市某热电厂排污许可证信息",
                8,
                "许可排放量每年120吨。",
                1,
                date(2026, 3, 2),
                [],
            ),
            (
                "statistics",
                jsj,
                "statistics",
                "2025年兵团生态环境统计数据",
                0,
                "见附表。",
                2,
                date(2025, 12, 31),
                [],
            ),
            (
                "penalty",
                shz,
                "penalties",
                "石河子市某企业行政处罚决定",
                8,
                "罚款五万元。",
                3,
                date(2026, 3, 4),
                [],
            ),
        ):
            item = disclosures.create_draft(
                staff.unit,
                category(code),
                title,
                area,
                body=body,
                task_ids=tasks,
                published_on=on,
                created_by=staff,
            )
            if key == "statistics":
                air = db.session.scalar(
                    sa.select(Goal).where(Goal.name == "主要城市空气质量优良天数比例")
                )
                disclosures.replace_observations(
                    staff, item, [ObservationInput(air.id, 2025, "82.5", "兵团统计年鉴")]
                )
            if key == "quality":
                attachments.add_attachment(
                    staff, item, "公报全文.pdf", minimal_pdf(), app.config, now=T0
                )
            disclosures.publish(staff, item, now=T0 + timedelta(days=day))
            made[key] = item
        disclosures.revise(
            shz,
            made["permit"],
            made["permit"].title,
            REVISED_BODY,
            REVISION_NOTE,
            now=T0 + timedelta(days=5),
        )
        disclosures.withdraw(shz, made["penalty"], WITHDRAW_REASON, now=T0 + timedelta(days=6))
        draft = disclosures.create_draft(
            jsj.unit, category("other"), DRAFT_TITLE, 0, body="草稿正文。", created_by=jsj
        )
        db.session.commit()
        ids = {key: item.id for key, item in made.items()}
        ids.update(draft=draft.id, jsj_unit=jsj.unit_id, shz_unit=shz.unit_id, air_task=air_task.id)
        return ids


def test_list_is_newest_first_without_drafts(client, disclosure_world):
    """Public disclosures by publication date, newest first, with counts and withdrawn ones as tombstones."""
    response = client.get("/api/v1/disclosures")
    assert response.status_code == 200 and response.content_type.startswith("application/json")
    assert "石河子市某热电厂排污许可证信息" in response.get_data(as_text=True)  # Chinese unescaped
    body = response.get_json()
    world = disclosure_world
    assert (body["total"], body["page"], body["per_page"]) == (4, 1, 20)
    assert [d["id"] for d in body["items"]] == [
        world[k] for k in ("penalty", "permit", "quality", "statistics")
    ]
    penalty, permit, quality, _statistics = body["items"]
    assert penalty["state"] == "withdrawn" and penalty["withdrawn_reason"] == WITHDRAW_REASON
    assert penalty["withdrawn_at"] == "2026-03-08T02:00:00+00:00"
    assert permit["version_count"] == 2 and permit["updated_at"] == "2026-03-07T02:00:00+00:00"
    assert permit["withdrawn_reason"] == "" and permit["withdrawn_at"] is None
    assert quality["category"] == {
        "code": "environment_quality",
        "name": "环境质量",
        "name_en": "Environmental quality",
    }
    assert quality["unit"]["name"] == "兵团建设局" and quality["area"] == {
        "number": 0,
        "name": "兵团",
    }
    assert (
        quality["published_on"] == "2026-03-01"
        and quality["first_published_at"] == "2026-03-02T02:00:00+00:00"
    )
    assert quality["url"] == f"http://localhost/disclosures/{world['quality']}"
    assert quality["api_url"] == f"http://localhost/api/v1/disclosures/{world['quality']}"
    assert DRAFT_TITLE not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("category=discharge_permits", ["permit"]),
        ("unit={shz_unit}", ["penalty", "permit"]),
        ("area=0", ["quality", "statistics"]),
        ("year=2025", ["statistics"]),
        ("measure=14", ["quality"]),
        ("area=8&category=penalties", ["penalty"]),
    ],
)
def test_filters(client, disclosure_world, query, expected):
    """Each filter narrows the list; filters combine."""
    body = client.get("/api/v1/disclosures?" + query.format(**disclosure_world)).get_json()
    assert [d["id"] for d in body["items"]] == [disclosure_world[k] for k in expected]
    assert body["total"] == len(expected)


def test_pages(client, disclosure_world):
    """per_page and page cut the list; the total counts every match."""
    body = client.get("/api/v1/disclosures?per_page=3&page=2").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (4, 2, 3)
    assert [d["id"] for d in body["items"]] == [disclosure_world["statistics"]]


@pytest.mark.parametrize(
    "query, field",
    [
        ("category=nothing", "category"),
        ("unit=abc", "unit"),
        ("area=99", "area"),
        ("year=20x5", "year"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
    ],
)
def test_bad_parameters_are_json_400_naming_the_field(client, disclosure_world, query, field):
    """A refused filter or page is a 400 in the API's error format, naming the parameter."""
    response = client.get("/api/v1/disclosures?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["field"] == field and error["message"]


def test_detail_has_text_links_files_observations_and_versions(client, disclosure_world):
    """The current text as Markdown and as sanitised HTML, tasks and measures, files, figures and versions."""
    world = disclosure_world
    quality = client.get(f"/api/v1/disclosures/{world['quality']}").get_json()
    assert quality["body"] == PAYLOAD
    assert "<h3>监测结果</h3>" in quality["body_html"]
    html = quality["body_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text, inert
    assert quality["tasks"] == [
        {"id": world["air_task"], "title": "加强大气污染防治", "measure": 14}
    ]
    assert quality["measures"] == [
        {"number": 14, "title": "全面推进污染防治", "url": "http://localhost/measures/14"}
    ]
    (attachment,) = quality["attachments"]
    assert (
        attachment["filename"].endswith(".pdf") and attachment["content_type"] == "application/pdf"
    )
    assert attachment["url"].startswith(
        f"http://localhost/disclosures/{world['quality']}/attachments/"
    )
    assert client.get(attachment["url"]).status_code == 200
    assert quality["versions"] == [
        {
            "number": 1,
            "title": "2025年兵团环境质量状况公报",
            "note": "",
            "published_at": "2026-03-02T02:00:00+00:00",
            "url": f"http://localhost/disclosures/{world['quality']}/versions/1",
        }
    ]
    assert quality["observations"] == []
    statistics = client.get(f"/api/v1/disclosures/{world['statistics']}").get_json()
    (figure,) = statistics["observations"]
    assert (
        figure["indicator"]["name"] == "主要城市空气质量优良天数比例"
        and figure["indicator"]["unit_of_measure"] == "%"
    )
    assert (figure["year"], figure["value"], figure["source"]) == (2025, 82.5, "兵团统计年鉴")


def test_a_revised_disclosure_shows_the_current_text_and_every_version(client, disclosure_world):
    """After a revision the detail carries the new text and both versions with the note."""
    permit = client.get(f"/api/v1/disclosures/{disclosure_world['permit']}").get_json()
    assert permit["body"] == REVISED_BODY and REVISED_BODY in permit["body_html"]
    assert [(v["number"], v["note"]) for v in permit["versions"]] == [(1, ""), (2, REVISION_NOTE)]
    assert permit["versions"][1]["published_at"] == "2026-03-07T02:00:00+00:00"
    assert client.get(permit["versions"][0]["url"]).status_code == 200


def test_a_withdrawn_disclosure_is_a_tombstone_with_its_reason(client, disclosure_world):
    """Withdrawn: state, reason and time, with its history."""
    penalty = client.get(f"/api/v1/disclosures/{disclosure_world['penalty']}").get_json()
    assert (penalty["state"], penalty["withdrawn_reason"]) == ("withdrawn", WITHDRAW_REASON)
    assert penalty["updated_at"] == penalty["withdrawn_at"] == "2026-03-08T02:00:00+00:00"
    assert len(penalty["versions"]) == 1


@pytest.mark.parametrize("which", ["draft", "missing"])
def test_drafts_and_unknown_ids_are_json_404(client, disclosure_world, which):
    """A draft does not exist for the API: 404 in the API's error format, like an unknown id."""
    disclosure_id = disclosure_world["draft"] if which == "draft" else 999999
    response = client.get(f"/api/v1/disclosures/{disclosure_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
    assert DRAFT_TITLE not in response.get_data(as_text=True)
