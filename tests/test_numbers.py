"""Whole numbers from URLs and forms: digits other than ASCII, and ids a database cannot hold, are refused."""

import re

import pytest

from portal.numbers import is_whole


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", True),
        ("2147483647", True),
        ("2147483648", False),
        ("²", False),
        ("٣", False),
        ("-1", False),
        ("", False),
        (" 1", False),
    ],
)
def test_is_whole(text, expected):
    """Only ASCII digits up to the largest database integer count as a whole number."""
    assert is_whole(text) is expected


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures?area=²",
        "/disclosures?year=²",
        "/disclosures?unit=99999999999",
        "/api/v1/disclosures?area=²",
        "/api/v1/disclosures?unit=99999999999",
        "/consultations?area=²",
        "/disclosures.csv?area=²",
    ],
)
def test_lists_refuse_odd_numbers_with_a_message(client, path):
    """A superscript digit or a huge id in a list filter is a 400 with a message, not a 500."""
    response = client.get(path)
    assert response.status_code == 400, (path, response.status_code)


def error_message(response):
    """The sentence of an error page (the paragraph under its heading), or a feed's plain-text answer."""
    page = response.get_data(as_text=True)
    if response.mimetype == "text/plain":
        return page.strip()
    return re.search(r"<h1>[^<]*</h1>\s*<p>([^<]*)</p>", page).group(1)


@pytest.mark.parametrize(
    "path, english, chinese",
    [
        (
            "/disclosures?category=nonsense",
            "The category “nonsense” is not one of the values offered.",
            "类别“nonsense”",
        ),
        ("/disclosures?area=99", "The area “99” is not one of the values offered.", "管辖区域“99”"),
        (
            "/disclosures?year=²",
            "The year must be a whole number from 2000 to 2100.",
            "年份应为 2000 至 2100 之间的整数",
        ),
        (
            "/disclosures?page=0",
            "The page number must be a whole number from 1 to 1000000.",
            "页码应为",
        ),
        (
            "/consultations?state=draft",
            "The state “draft” is not one of the values offered.",
            "状态“draft”",
        ),
        ("/consultations?kind=x", "The kind “x” is not one of the values offered.", "类型“x”"),
        (
            "/feeds/disclosures.atom?unit=x",
            "The unit “x” is not one of the values offered.",
            "单位“x”",
        ),
        (
            "/disclosures.csv?measure=99",
            "The policy measure “99” is not one of the values offered.",
            "实施意见措施“99”",
        ),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh_Hans_CN"])
def test_a_refused_filter_names_its_parameter_as_a_person_would(
    client, path, english, chinese, language
):
    """A 400 about a query parameter names it in words ("the area", "管辖区域"), never by its raw name first."""
    client.get(f"/language/{language}")
    response = client.get(path)
    assert response.status_code == 400, (path, response.status_code)
    message = error_message(response)
    assert message == english if language == "en" else chinese in message, message
    raw = path.split("?")[1].split("=")[0]
    assert not re.match(rf"{raw}\s*[:：]", message), message


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "The version to compare with must be a version number from 1 to 2."),
        ("zh_Hans_CN", "要比较的版本应为 1 至 2 之间的版本号。"),
    ],
)
def test_a_version_out_of_range_in_a_diff_is_named_in_words(app, client, language, expected):
    """GET …/diff?to=99 said "to：请选择 1 至 2 之间的版本号"; it names the version to compare with instead."""
    from tests.public.test_disclosure_pages import BODY, build

    disclosure_id = build(app, "公报", revise=("公报", BODY + "\n\n补。", "补充。"))
    client.get(f"/language/{language}")
    response = client.get(f"/disclosures/{disclosure_id}/diff?from=1&to=99")
    assert response.status_code == 400
    assert error_message(response) == expected


def test_the_api_keeps_the_raw_parameter_name_in_its_field(client):
    """JSON clients still learn which parameter was refused, by the name they sent."""
    body = client.get("/api/v1/disclosures?area=99").get_json()
    assert body["error"]["field"] == "area" and "“99”" in body["error"]["message"]
