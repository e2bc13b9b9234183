"""GET /api/v1/search: the exact JSON shape, filters, pages and errors in the API's format."""

import pytest

from portal.extensions import db
from portal.services import search
from tests.services.test_search import REPORTER_EMAIL, REPORTER_NAME, plant


@pytest.fixture
def api(make_app):
    """A client of an app with the planted content and its index; returns (client, planted)."""
    app = make_app()
    with app.app_context():
        planted = plant(app.config)
        search.reindex(app.config)
        db.session.commit()
    return app.test_client(), planted


def test_the_answer_has_exactly_the_documented_shape(api):
    """Top-level keys, facet entries and result entries are exactly those of the contract."""
    client, _planted = api
    response = client.get("/api/v1/search?q=污染")
    assert response.status_code == 200 and response.content_type == "application/json"
    body = response.get_json()
    assert list(body) == ["query", "total", "page", "per_page", "facets", "results"]
    assert (body["query"], body["page"], body["per_page"]) == ("污染", 1, 20)
    assert set(body["facets"]) == {
        "kind",
        "unit",
        "category",
        "disclosure_category",
        "area",
        "year",
    }
    for values in body["facets"].values():
        for value in values:
            assert list(value) == ["value", "label", "count"]
            assert isinstance(value["value"], str) and isinstance(value["count"], int)
    assert body["total"] > 20 and len(body["results"]) == 20
    for result in body["results"]:
        assert list(result) == ["kind", "id", "title", "url", "snippet", "date", "score"]
        assert result["url"].startswith("http://localhost/") and "<mark>" in result["snippet"]
    kinds = {f["value"]: f["count"] for f in body["facets"]["kind"]}
    assert sum(kinds.values()) == body["total"]


def test_measures_have_their_number_as_id_and_tasks_their_kind(api):
    """kind=measure gives (十四) with id 14 (a number); tasks are "task" with their anchor."""
    client, _planted = api
    measures = client.get("/api/v1/search?q=全面推进污染防治&kind=measure").get_json()
    (measure,) = measures["results"]
    assert (
        measure["kind"] == "measure"
        and measure["id"] == 14
        and measure["title"] == "(十四) 全面推进污染防治"
    )
    assert measure["url"] == "http://localhost/measures/14" and measure["date"] == "2017-01-03"
    assert isinstance(measure["score"], float)
    tasks = client.get("/api/v1/search?q=加强大气污染防治&kind=task").get_json()["results"]
    assert tasks and all(t["kind"] == "task" and isinstance(t["id"], int) for t in tasks)
    assert tasks[0]["url"].endswith(f"/measures/14#task-{tasks[0]['id']}")


def test_filters_repeat_and_pages_partition(api):
    """Repeated kind values mean any of them; per_page and page walk through every match once."""
    client, planted = api
    both = client.get("/api/v1/search?q=大气污染&kind=comment&kind=case").get_json()
    assert {(r["kind"], r["id"]) for r in both["results"]} == {
        ("comment", planted.named_comment),
        ("comment", planted.private_comment),
        ("case", planted.closed_report),
    }
    assert (
        client.get("/api/v1/search?q=SO2&area=8&year=2021").get_json()["results"][0]["id"]
        == planted.permit
    )
    total = client.get("/api/v1/search?q=生态&per_page=1").get_json()["total"]
    seen = []
    for page in range(1, -(-total // 9) + 1):
        body = client.get(f"/api/v1/search?q=生态&per_page=9&page={page}").get_json()
        assert body["page"] == page and body["per_page"] == 9
        seen += [(r["kind"], r["id"]) for r in body["results"]]
    assert len(seen) == len(set(seen)) == total
    dated = client.get("/api/v1/search?q=大气污染&sort=date&per_page=100").get_json()["results"]
    assert [r["date"] for r in dated] == sorted((r["date"] for r in dated), reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=", "q"),
        ("q=" + "污" * 201, "q"),
        ("q=污染&kind=report", "kind"),
        ("q=污染&per_page=101", "per_page"),
        ("q=污染&page=0", "page"),
        ("q=污染&sort=title", "sort"),
        ("q=污染&year=twenty", "year"),
    ],
)
def test_bad_requests_get_the_api_error_format(api, query, field):
    """Unusable queries and options: 400 with {"error": {status, code, message, field}}."""
    client, _planted = api
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["field"] == field and error["message"]


@pytest.mark.whoosh
def test_a_missing_index_is_a_503_in_the_api_format(make_app):
    """Without an index the API answers 503 search_unavailable as JSON."""
    response = make_app().test_client().get("/api/v1/search?q=大气污染")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "search_unavailable"


def test_private_content_is_not_found(api):
    """A closed report's reporter identity finds nothing."""
    client, _planted = api
    for secret in (REPORTER_NAME, REPORTER_EMAIL):
        assert client.get(f"/api/v1/search?q={secret}").get_json()["total"] == 0
