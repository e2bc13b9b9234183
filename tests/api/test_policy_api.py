"""The read-only JSON API."""

import pytest


def test_measures_list(client):
    """35 measures with number, title, chapter and url."""
    body = client.get("/api/v1/measures").get_json()
    assert len(body["items"]) == 35
    first = body["items"][13]
    assert first["number"] == 14 and first["title"] == "全面推进污染防治"
    assert first["chapter"] == {
        "number": 5,
        "title": "加大自然生态系统和环境保护力度,切实改善生态环境质量",
    }
    assert first["url"].endswith("/measures/14")


def test_measure_detail_has_text_and_ordered_units(client):
    """A measure carries its text and tasks with ordered lead and participating units."""
    response = client.get("/api/v1/measures/14")
    assert response.content_type.startswith("application/json")
    raw = response.get_data(as_text=True)
    assert "兵团建设局" in raw  # Chinese unescaped
    body = response.get_json()
    assert "实施大气污染防治行动计划" in body["text"]
    task = body["tasks"][0]
    assert task["title"] == "加强大气污染防治"
    assert [u["name"] for u in task["lead_units"]] == ["兵团建设局"]
    assert [u["name"] for u in task["participating_units"]] == [
        "兵团发展改革委",
        "兵团工信委",
        "兵团科技局",
        "兵团财务局",
    ]
    assert set(task) >= {"id", "title", "lead_units", "participating_units"}


def test_units_list_and_detail(client):
    """Units have aliases and a kind; a unit's detail lists what it leads and joins."""
    items = client.get("/api/v1/units").get_json()["items"]
    by_name = {u["name"]: u for u in items}
    assert by_name["兵团建设局"]["aliases"] == ["兵团环保局"]
    assert by_name["兵团建设局"]["kind"] == "department"
    assert by_name["第八师石河子市"]["kind"] == "division"
    assert by_name["各师(市)"]["kind"] == "collective"
    detail = client.get(f"/api/v1/units/{by_name['兵团民政局']['id']}").get_json()
    assert [t["title"] for t in detail["leads"]] == ["鼓励公众积极参与"]
    assert len(detail["joins"]) == 1


def test_goals(client):
    """Ten goals with targets and lead units."""
    items = client.get("/api/v1/goals").get_json()["items"]
    assert len(items) == 10
    water = next(i for i in items if i["name"] == "用水总量")
    assert (
        water["comparison"],
        water["target_value"],
        water["unit_of_measure"],
        water["target_year"],
    ) == ("le", 120.0, "亿立方米", 2020)
    assert [u["name"] for u in water["lead_units"]] == [
        "兵团发展改革委",
        "兵团水利局",
        "兵团工信委",
        "兵团统计局",
    ]


@pytest.mark.parametrize("path", ["/api/v1/measures/36", "/api/v1/units/99999", "/api/v1/nothing"])
def test_unknown_ids_are_json_404(client, path):
    """Unknown ids give 404 with a JSON error body."""
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
