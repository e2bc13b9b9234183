"""Project pages: a construction project's public consultations grouped by stage (立项 / 实施 / 后评价)."""

import pytest

from portal.extensions import db
from portal.models import ConsultationKind, ProjectStage
from tests.public.test_consultation_pages import draft, english, opened, page_of, project, staff


@pytest.fixture
def projects(app):
    """A project with a published approval EIA, a published post-evaluation plan and an implementation draft;
    a project with only a draft."""
    with app.app_context():
        who = staff()
        site = project()
        opened(
            who,
            draft(
                ConsultationKind.EIA,
                "扩建项目环境影响报告书征求意见稿",
                project=site,
                stage=ProjectStage.APPROVAL,
            ),
        )
        opened(
            who,
            draft(
                ConsultationKind.PLAN,
                "扩建项目环境影响后评价",
                project=site,
                stage=ProjectStage.POST_EVALUATION,
            ),
        )
        draft(
            ConsultationKind.EIA,
            "施工期环境监理方案(草稿)",
            project=site,
            stage=ProjectStage.IMPLEMENTATION,
        )
        hidden = project(name="尚未公示的项目")
        draft(ConsultationKind.EIA, "尚未公示的环评", project=hidden, stage=ProjectStage.APPROVAL)
        db.session.commit()
        return {"site": site.id, "hidden": hidden.id}


def test_project_page_groups_consultations_by_stage(client, projects):
    """Name, location, developer, area and unit; stages in order, each with its published consultations."""
    page = page_of(english(client), f"/projects/{projects['site']}")
    for text in (
        "五家渠市某化工园区污水处理厂扩建项目",
        "五家渠市经济技术开发区",
        "五家渠某水务有限公司",
        "第六师五家渠市",
    ):
        assert text in page
    approval, implementation, post = (
        page.index(f'id="stage-{s.value}-title"') for s in ProjectStage
    )
    assert approval < page.index("扩建项目环境影响报告书征求意见稿") < implementation < post
    assert page.index("扩建项目环境影响后评价") > post
    assert "No consultation at this stage yet." in page[implementation:post]
    assert "施工期环境监理方案(草稿)" not in page


def test_project_without_public_consultations_is_404(client, projects):
    """A project whose consultations are all drafts, or no project at all, is not found."""
    page_of(client, f"/projects/{projects['hidden']}", 404)
    page_of(client, "/projects/99999", 404)
