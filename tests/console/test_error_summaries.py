"""A failed console form answers like the public ones (GOV.UK error summary): the page comes back with the summary
listing every error at once, each linking to a field that is on the page and shows the same message. On a page with
several forms the summary sits in the section of the form that failed, which is open; the others stay untouched."""

import re
from datetime import timedelta

import pytest

from portal.models import CommentState, ConsultationKind, ReportStatus
from tests.console.test_comments_console import comment_row, comments_path, submit
from tests.console.test_consultations_console import (
    UNIT,
    form_post,
    make_consultation,
    show_path,
    today,
)
from tests.console.test_disclosures_console import goal_ids, make_disclosure
from tests.console.test_hearings_console import consultation_id, hearing_id, hearing_started  # noqa: F401 (fixtures)
from tests.helpers import act, field_error, get_report, staff_client, submit_report, summary_of

WJQ = "wjq"


def summary_problems(page, expected):
    """What is wrong with the page's error summary, given the field ids it must link to, in order (None: an error
    of the whole form, without a link)."""
    listed = summary_of(page)
    if listed is None:
        return ["no error summary on the page"]
    problems = []
    if [target for target, _message in listed] != expected:
        problems.append(
            f"the summary links to {[target for target, _message in listed]}, expected {expected}"
        )
    count = page.count('class="error-summary"')
    if count != 1:
        problems.append(f"{count} error summaries on the page")
    for target, message in listed:
        if not message:
            problems.append(f"an empty message for {target}")
        if target is None:
            continue
        elements = page.count(f'id="{target}"')
        if elements != 1:
            problems.append(f"the link #{target} leads to {elements} elements")
        shown = field_error(page, target.removesuffix("-0"))
        if shown != message:
            problems.append(f"the field {target} shows {shown!r}, the summary says {message!r}")
    return problems


def section_of_summary(page):
    """The id of the last heading before the error summary (the section it was put in)."""
    headings = re.findall(r'<h[12] id="([\w-]+)"', page[: page.index('class="error-summary"')])
    return headings[-1] if headings else None


def open_details(page):
    """The <summary> texts of the open <details> on the page."""
    folds = re.findall(r"<details[^>]*\sopen[^>]*>\s*<summary[^>]*>(.*?)</summary>", page, re.S)
    return [re.sub(r"\s+", " ", text).strip() for text in folds]


# --- the report page -------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(app):
    """A report of 第八师石河子市, accepted by its staff; (reference, staff client)."""
    reference, _code = submit_report(app.test_client())
    shz = staff_client(app, "shz")
    act(shz, reference, "accept")
    return reference, shz


def test_an_empty_close_shows_the_summary_on_the_close_form(app, submitted):
    """Closing without a result: the report page again, 400, the close form open with the summary listing the result's
    message and linking to its box, which shows it; the report is still being handled."""
    reference, shz = submitted
    response = act(shz, reference, "close", result="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in page
    assert not summary_problems(page, ["close-result"]), summary_problems(page, ["close-result"])
    assert "result of the handling" in summary_of(page)[0][1].lower()
    assert open_details(page) == ["Close (办结)"]
    assert page.index('class="error-summary"') > page.index('id="actions-title"')
    assert get_report(app, reference)["status"] is ReportStatus.ACCEPTED


def test_every_error_of_an_action_is_listed_at_once(app):
    """Not accepting with neither a legal reason nor an explanation names both, each on its field."""
    reference, _code = submit_report(app.test_client())
    shz = staff_client(app, "shz")
    response = act(shz, reference, "not-accept", explanation="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = ["not-accept-reason", "not-accept-explanation"]
    assert not summary_problems(page, expected), summary_problems(page, expected)
    assert get_report(app, reference)["status"] is ReportStatus.RECEIVED


def test_a_number_out_of_range_is_shown_on_its_field(app, submitted):
    """More extra days than allowed: the message goes on the days field, and the reason typed is kept."""
    reference, shz = submitted
    response = act(shz, reference, "extension", days="45", reason="需要第三方检测机构出具报告")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert not summary_problems(page, ["extension-days"]), summary_problems(
        page, ["extension-days"]
    )
    assert "需要第三方检测机构出具报告" in page  # what the user typed is kept


def test_a_refused_action_is_still_one_flashed_sentence(app, submitted):
    """Staff deciding on an extension: the refusal is a message at the top of the reloaded page, not a summary."""
    reference, shz = submitted
    response = act(shz, reference, "extension-decision", approve="Approve extension")
    assert response.status_code == 302
    page = shz.get(response.headers["Location"]).get_data(as_text=True)
    assert summary_of(page) is None and "unit administrator" in page


# --- drafting forms ------------------------------------------------------------------------------------------


@pytest.fixture
def wjq(app):
    """Logged-in staff of 第六师五家渠市 (English)."""
    return staff_client(app, WJQ, UNIT)


def test_a_consultation_edit_lists_every_error_after_the_heading(app, wjq):
    """Editing a draft with an unknown kind and no title or text: the summary comes right after the <h1>, links to
    the first kind option, the title and the text, and each field shows its message."""
    consultation_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)  # noqa: F811 - a consultation of this test's own, not the fixture
    path = f"{show_path(consultation_id)}/edit"
    response = form_post(
        wjq, path, path, kind="unknown", title="", body_text="", area="6", project="", stage=""
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = ["kind-0", "title", "body_text"]
    assert not summary_problems(page, expected), summary_problems(page, expected)
    assert re.search(r"</h1>\s*<div class=\"error-summary\"", page)


def test_a_disclosure_edit_lists_its_errors_after_the_heading(app):
    """The disclosure draft form likewise."""
    jsj = staff_client(app, "jsj", "兵团建设局")
    disclosure_id = make_disclosure(app)
    path = f"/console/disclosures/{disclosure_id}/edit"
    response = form_post(jsj, path, path, title="", area="0", category="", body="", published_on="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert not summary_problems(page, ["category", "title"]), summary_problems(
        page, ["category", "title"]
    )
    assert re.search(r"</h1>\s*<div class=\"error-summary\"", page)


def test_a_stale_page_is_said_once_in_the_summary(app, wjq):
    """A tampered version: the summary says the page is out of date, without a link, and nothing else."""
    consultation_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)  # noqa: F811 - a consultation of this test's own, not the fixture
    response = form_post(
        wjq,
        show_path(consultation_id),
        f"{show_path(consultation_id)}/publish",
        version="abc",
        opens_on=today().isoformat(),
        closes_on=(today() + timedelta(days=20)).isoformat(),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert not summary_problems(page, [None]), summary_problems(page, [None])
    assert "out of date" in summary_of(page)[0][1]


# --- the consultation's page, its comments and hearings ------------------------------------------------------


def test_the_hearing_form_shows_its_summary_in_the_hearings_section(app, wjq):
    """Scheduling a hearing with nothing filled in: the summary in the hearings section lists the four required
    fields; the other forms of the page show no error."""
    consultation_id = make_consultation(app, publish=True)  # noqa: F811 - a consultation of this test's own, not the fixture
    response = form_post(
        wjq,
        show_path(consultation_id),
        f"{show_path(consultation_id)}/hearings",
        starts_at="",
        place="",
        seats="",
        registration_closes_at="",
        eligibility="",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = [
        "hearing-starts_at",
        "hearing-place",
        "hearing-seats",
        "hearing-registration_closes_at",
    ]
    assert not summary_problems(page, expected), summary_problems(page, expected)
    assert section_of_summary(page) == "hearings-title"
    assert open_details(page) == ["Schedule a hearing"]


def test_hiding_a_comment_without_a_reason_keeps_its_card_open(app, wjq):
    """On the comments tab and in the moderation queue, the card of the comment shows the summary on its hide form."""
    consultation_id = make_consultation(app, publish=True)  # noqa: F811 - a consultation of this test's own, not the fixture
    first = submit(app, consultation_id, "请公开监测数据。")
    submit(app, consultation_id, "另一条意见。")
    for page_path, back in (
        (comments_path(consultation_id), "consultation"),
        ("/console/comments", "queue"),
    ):
        response = form_post(
            wjq, page_path, f"/console/comments/{first}/hide", back=back, reason=""
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400, page_path
        expected = [f"c{first}-hide-reason"]
        assert not summary_problems(page, expected), (page_path, summary_problems(page, expected))
        assert open_details(page) == ["Hide"], page_path
        card = page[page.index(f'<article class="comment" id="comment-{first}"') :]
        assert card.index('class="error-summary"') < card.index("</article>"), page_path
    assert comment_row(app, first)["state"] is CommentState.PENDING


def test_not_adopted_without_a_reason_is_shown_on_the_decision_form(app, wjq):
    """The service's rule (不采纳 needs a reason) goes on the reason field of that comment's decision form."""
    consultation_id = make_consultation(app, publish=True)  # noqa: F811 - a consultation of this test's own, not the fixture
    comment_id = submit(app, consultation_id, "建议增加在线监测。", state=CommentState.PUBLISHED)
    path = comments_path(consultation_id)
    response = form_post(
        wjq,
        path,
        f"/console/comments/{comment_id}/decide",
        back="consultation",
        decision="not_adopted",
        reason="",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = [f"c{comment_id}-decide-reason"]
    assert not summary_problems(page, expected), summary_problems(page, expected)


def test_revealing_a_contact_without_a_purpose_asks_for_it(app, wjq):
    """No purpose: the contact form of that comment comes back open with the summary; no contact is shown."""
    consultation_id = make_consultation(app, publish=True)  # noqa: F811 - a consultation of this test's own, not the fixture
    comment_id = submit(app, consultation_id, "请联系我。", phone="13912345678", email="")
    path = comments_path(consultation_id)
    response = form_post(wjq, path, f"/console/comments/{comment_id}/contact", purpose="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "13912345678" not in page
    expected = [f"c{comment_id}-contact-purpose"]
    assert not summary_problems(page, expected), summary_problems(page, expected)
    assert response.headers["Cache-Control"] == "no-store"


def test_empty_minutes_show_the_summary_on_the_minutes_form(app, wjq, hearing_id):  # noqa: F811
    """Publishing empty minutes after the hearing: the minutes section shows the summary and the box its message."""
    hearing_started(app, hearing_id)
    path = f"/console/hearings/{hearing_id}"
    response = form_post(wjq, path, f"{path}/minutes", minutes="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert not summary_problems(page, ["minutes-minutes"]), summary_problems(
        page, ["minutes-minutes"]
    )
    assert section_of_summary(page) == "minutes-title"


# --- disclosures ---------------------------------------------------------------------------------------------


def test_a_bad_observation_row_is_listed_and_leads_to_the_table(app):
    """The service names the row at fault; the summary links to the editor's table, which shows the message too."""
    jsj = staff_client(app, "jsj", "兵团建设局")
    disclosure_id = make_disclosure(app, code="statistics", title="兵团生态环境统计数据")
    [air] = goal_ids(app, "主要城市空气质量优良天数比例")
    path = f"/console/disclosures/{disclosure_id}"
    response = form_post(
        jsj,
        path,
        f"{path}/observations",
        **{
            "observations-0-goal": air,
            "observations-0-year": "1999",
            "observations-0-value": "76.8",
            "observations-0-source": "兵团统计年鉴",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    [(target, message)] = summary_of(page)
    assert message.startswith("Row 1:") and page.count(f'id="{target}"') == 1
    assert re.search(rf'<div class="table-scroll"[^>]*\sid="{target}"', page), target
    assert field_error(page, target) == message
    assert section_of_summary(page) == "observations-title"


# --- valid HTML ----------------------------------------------------------------------------------------------


def test_pages_with_an_error_summary_are_valid_html_without_duplicate_ids(
    app,
    wjq,
    hearing_id,  # noqa: F811 (fixture)
    tmp_path,
):
    """The Nu Html Checker finds no error on the pages sent back with errors, and no id is used twice."""
    from tests.public.test_html_validity import assert_valid_html

    reference, _code = submit_report(app.test_client())
    shz = staff_client(app, "shz")
    consultation_id = make_consultation(app, publish=True)  # noqa: F811 - a consultation of this test's own, not the fixture
    comment_id = submit(app, consultation_id, "请联系我。", phone="13912345678", email="")
    draft_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    edit = f"{show_path(draft_id)}/edit"
    jsj = staff_client(app, "jsj", "兵团建设局")
    statistics_id = make_disclosure(app, code="statistics", title="兵团生态环境统计数据")
    statistics = f"/console/disclosures/{statistics_id}"
    hearing_started(app, hearing_id)
    hearing = f"/console/hearings/{hearing_id}"
    pages = {
        "case": act(shz, reference, "not-accept", explanation=""),
        "consultation-edit": form_post(
            wjq, edit, edit, kind="unknown", title="", body_text="", area="6", project="", stage=""
        ),
        "hearing-form": form_post(
            wjq,
            show_path(consultation_id),
            f"{show_path(consultation_id)}/hearings",
            starts_at="",
            place="",
            seats="",
            registration_closes_at="",
            eligibility="",
        ),
        "comments-tab": form_post(
            wjq,
            comments_path(consultation_id),
            f"/console/comments/{comment_id}/hide",
            back="consultation",
            reason="",
        ),
        "queue": form_post(
            wjq,
            "/console/comments",
            f"/console/comments/{comment_id}/hide",
            back="queue",
            reason="",
        ),
        "contact": form_post(
            wjq,
            comments_path(consultation_id),
            f"/console/comments/{comment_id}/contact",
            purpose="",
        ),
        "minutes": form_post(wjq, hearing, f"{hearing}/minutes", minutes=""),
        "observations": form_post(
            jsj,
            statistics,
            f"{statistics}/observations",
            **{
                "observations-0-goal": "",
                "observations-0-year": "2020",
                "observations-0-value": "1",
                "observations-0-source": "统计",
            },
        ),
        "disclosure-edit": form_post(
            jsj,
            f"{statistics}/edit",
            f"{statistics}/edit",
            title="",
            area="0",
            category="",
            body="",
            published_on="",
        ),
    }
    for slug, response in pages.items():
        assert response.status_code == 400 and summary_of(response.get_data(as_text=True)), slug
    assert_valid_html(
        {slug: response.get_data(as_text=True) for slug, response in pages.items()}, tmp_path
    )
