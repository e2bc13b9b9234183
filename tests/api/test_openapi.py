"""/api/v1/openapi.json: a valid OpenAPI 3.1 document that describes exactly the API's routes and answers."""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.extensions import db
from portal.services import disclosures, search
from tests.api.test_disclosures_api import disclosure_world  # noqa: F401 (fixture)

PREFIX = "/api/v1"
BASE = "urn:portal:openapi"


@pytest.fixture
def app(demo_app):
    """The tests' app has the sample data (`portal demo`)."""
    return demo_app


@pytest.fixture
def api(app, disclosure_world):  # noqa: F811
    """A client of an app with the demo's samples, the disclosure world, and the search index."""
    with app.app_context():
        search.reindex(app.config)
        db.session.commit()
    return app.test_client()


def document(client):
    """The served document."""
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.content_type.startswith("application/json")
    return response.get_json()


def first_id(client, path, key="id"):
    """The id of the first item the list at `path` gives."""
    return client.get(PREFIX + path).get_json()["items"][0][key]


# One real request for each documented path; a new route fails the test until it gets one here.
EXAMPLES = {
    "/measures": lambda c: "/measures",
    "/measures/{number}": lambda c: "/measures/14",
    "/units": lambda c: "/units",
    "/units/{unit_id}": lambda c: f"/units/{first_id(c, '/units')}",
    "/goals": lambda c: "/goals",
    "/consultations": lambda c: "/consultations?per_page=5",
    "/consultations/{consultation_id}": lambda c: f"/consultations/{first_id(c, '/consultations')}",
    "/disclosures": lambda c: "/disclosures?area=0",
    "/disclosures/{disclosure_id}": lambda c: f"/disclosures/{first_id(c, '/disclosures')}",
    "/search": lambda c: "/search?q=污染&kind=measure&kind=disclosure",
    "/tasks/{task_id}/reports": lambda c: "/tasks/1/reports",
    "/accountability": lambda c: "/accountability?chapter=1",
    "/openapi.json": lambda c: "/openapi.json",
}
# Every documented error, produced for real.
ERRORS = [
    ("/measures/36", 404),
    ("/units/999999", 404),
    ("/consultations/999999", 404),
    ("/disclosures/999999", 404),
    ("/consultations?state=draft", 400),
    ("/disclosures?per_page=101", 400),
    ("/disclosures?category=nothing", 400),
    ("/search?q=", 400),
    ("/tasks/999999/reports", 404),
    ("/accountability?chapter=99", 400),
    ("/search?q=污染&kind=nothing", 400),
]


def schema_validator(doc, name):
    """A JSON Schema 2020-12 validator for the component schema `name`, resolving $refs within `doc`."""
    registry = Registry().with_resource(BASE, Resource(contents=doc, specification=DRAFT202012))
    return Draft202012Validator(
        {"$ref": f"{BASE}#/components/schemas/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def response_schema(doc, operation, status="200"):
    """The component name of an operation's JSON response schema for `status`."""
    response = operation["responses"][status]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


def resolved(doc, parameter):
    """A parameter, following its $ref."""
    if "$ref" in parameter:
        return doc["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter


def test_document_is_valid_openapi_3_1(client):
    """openapi-spec-validator accepts it as OpenAPI 3.1, with a server under /api/v1."""
    doc = document(client)
    assert doc["openapi"].startswith("3.1.")
    validate(doc, cls=OpenAPIV31SpecValidator)
    assert doc["servers"] == [{"url": "http://localhost/api/v1"}]
    assert {"Error", "Disclosure", "DisclosureDetail", "SearchPage", "ConsultationDetail"} <= set(
        doc["components"]["schemas"]
    )


def test_paths_are_exactly_the_app_routes(app, client):
    """The documented paths and methods equal the app's /api/v1 URL rules, and path parameters match."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
            routes[path] = sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    doc = document(client)
    assert {path: sorted(item) for path, item in doc["paths"].items()} == routes
    for path, item in doc["paths"].items():
        for operation in item.values():
            in_path = {
                p["name"]
                for p in map(lambda p: resolved(doc, p), operation["parameters"])
                if p["in"] == "path"
            }
            assert in_path == set(re.findall(r"{(\w+)}", path)), path
            assert operation["summary"] and operation["operationId"]


def test_every_route_answers_as_documented(api):
    """A real request to each path answers 200 with JSON valid against its schema; the top-level keys are
    the schema's required properties plus, at most, its optional ones."""
    doc = document(api)
    assert set(EXAMPLES) == set(doc["paths"])
    for path, item in doc["paths"].items():
        url = EXAMPLES[path](api)
        response = api.get(PREFIX + url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        name = response_schema(doc, item["get"])
        body = response.get_json()
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in schema_validator(doc, name).iter_errors(body)
        ]
        assert errors == [], (url, errors[:5])
        schema = doc["components"]["schemas"][name]
        if "required" in schema:
            assert set(schema["required"]) <= set(body) <= set(schema["properties"]), url


def test_optional_keys_are_those_documented(api):
    """The EIA notice and the statement link appear only on the consultations that have them."""
    doc = document(api)
    detail = doc["components"]["schemas"]["ConsultationDetail"]
    optional = set(detail["properties"]) - set(detail["required"])
    assert optional == {"eia", "statement_url"}
    seen = set()
    for item in api.get(f"{PREFIX}/consultations").get_json()["items"]:
        body = api.get(item["api_url"]).get_json()
        assert schema_validator(doc, "ConsultationDetail").is_valid(body), item["api_url"]
        seen |= set(body) & optional
    assert seen == optional  # the demo has an EIA and an answered consultation


def test_documented_errors_answer_in_the_error_schema(api):
    """Each error a route documents comes in the one error shape, with the documented status."""
    doc = document(api)
    templates = {
        re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$"): path
        for path in doc["paths"]
    }
    for url, status in ERRORS:
        path = next(path for pattern, path in templates.items() if pattern.match(url.split("?")[0]))
        operation = doc["paths"][path]["get"]
        assert response_schema(doc, operation, str(status)) == "Error", (path, status)
        response = api.get(PREFIX + url)
        assert response.status_code == status, url
        assert schema_validator(doc, "Error").is_valid(response.get_json()), (
            url,
            response.get_json(),
        )


def test_enumerated_parameters_are_accepted(api):
    """Every value a query parameter's enum lists is one the route accepts (no 400)."""
    doc = document(api)
    for path, item in doc["paths"].items():
        if "{" in path:
            continue
        for parameter in map(lambda p: resolved(doc, p), item["get"]["parameters"]):
            schema = parameter["schema"]
            values = schema.get("enum") or schema.get("items", {}).get("enum") or []
            for value in values:
                query = (
                    f"q=污染&{parameter['name']}={value}"
                    if path == "/search"
                    else f"{parameter['name']}={value}"
                )
                response = api.get(f"{PREFIX}{path}?{query}")
                assert response.status_code == 200, (
                    path,
                    parameter["name"],
                    value,
                    response.get_json(),
                )


def test_categories_enum_follows_the_administrators_list(app, client):
    """The disclosure category enum is read when the document is asked for: a new category appears."""
    with app.app_context():
        disclosures.create_category("water_sources", "饮用水水源", "Drinking water sources")
        db.session.commit()
        codes = [c.code for c in disclosures.list_categories()]
    parameters = document(client)["paths"]["/disclosures"]["get"]["parameters"]
    parameter = next(p for p in parameters if p.get("name") == "category")
    assert parameter["schema"]["enum"] == codes and "water_sources" in codes
