"""/developers: the open data the portal offers — the JSON API, its OpenAPI document, the Open311 endpoint,
the Atom feeds and the CSV exports — explained for journalists and developers, with examples that work.

The lists are read from the running application so the page cannot promise what does not exist: the
JSON routes from the OpenAPI document (tests/api/test_openapi.py keeps it equal to the routes), the
Open311 services from the database, and the feeds, exports and Open311 routes from the URL map (a test
fails when one is added without a line here). /api and /api/v1 lead here.
"""

import json
from dataclasses import dataclass
from urllib.parse import unquote, urlencode

from flask import current_app, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from portal.api import openapi
from portal.errors import DomainError
from portal.open311.format import KEY_COMMAND, SPECIFICATION
from portal.public import bp
from portal.services import (
    categories,
    consultations,
    disclosures,
    policy,
    supervision,
    task_reports,
    units,
)
from portal.urls import public_root

API_PREFIX = "/api/v1"
EXAMPLE_QUERY = "大气污染"
# What each JSON route gives, by the OpenAPI operationId (the document's own summaries are English only).
API_ROUTES = {
    "listMeasures": _l("The policy's 35 measures with their chapters."),
    "getMeasure": _l(
        "One measure: its text and its tasks with their lead and participating units."
    ),
    "listUnits": _l(
        "Every responsible unit with its aliases and kind (department, division, collective)."
    ),
    "getUnit": _l("One unit and the tasks it leads and joins."),
    "listGoals": _l("The numeric targets of measure (三) with their baseline and target years."),
    "listConsultations": _l("Published consultations, newest first, a page at a time."),
    "getConsultation": _l(
        "One consultation: its paragraphs, EIA notice items, hearings, published comments with the "
        "unit's decisions, attachments and participation statement."
    ),
    "listDisclosures": _l("Published and withdrawn disclosures, newest first, a page at a time."),
    "getDisclosure": _l(
        "One disclosure: its text (Markdown and sanitised HTML), files, observations and versions."
    ),
    "search": _l(
        "Full-text search over measures, tasks, disclosures, consultations, comments and closed reports, "
        "with facet counts."
    ),
    "getOpenAPI": _l("The OpenAPI 3.1 document of every route above."),
}
# Query strings for the example links (routes not named here are shown without one).
API_EXAMPLE_QUERIES = {
    "listConsultations": {"state": "open"},
    "listDisclosures": {"per_page": 5},
    "search": {"q": EXAMPLE_QUERY},
}
OPEN311_ROUTES = {
    "open311.discovery": _l(
        "Discovery: the specification, the endpoint's address, formats and how to get a key."
    ),
    "open311.services_index": _l(
        "Services: the report categories, each with its code, description and keywords."
    ),
    "open311.services_show": _l(
        "A service's definition: its attributes area (the list of areas, which routes the report) and "
        "submission_key."
    ),
    "open311.requests_index": _l(
        "Reports, newest first: the last 90 days unless start_date/end_date say otherwise; "
        "filters service_request_id, service_code, status (open, closed), start_date, "
        "end_date; at most 1,000."
    ),
    "open311.requests_show": _l("One report by its reference."),
    "open311.requests_create": _l("File a report (needs an API key)."),
}
FEEDS = {
    "feeds.consultations_atom": _l("Newly published consultations, newest first."),
    "feeds.disclosures_atom": _l(
        "Every public disclosure, last changed first: a new version or a withdrawal brings "
        "it back to the top. Filters unit, category, area."
    ),
    "feeds.unit_disclosures_atom": _l("The disclosures of one unit."),
    "feeds.category_disclosures_atom": _l(
        "The disclosures of one category, by its permanent code."
    ),
    "feeds.search_atom": _l(
        "A saved search: the newest matches of a query, with the search page's filters "
        "(kind, unit, category, area, year)."
    ),
    "feeds.reports_atom": _l(
        "Report outcomes as they are published: the closing result or public summary of a "
        "report, never who reported it or what they wrote."
    ),
    "feeds.task_reports_atom": _l(
        "The published implementation reports of one task, the latest version first."
    ),
    "feeds.unit_task_reports_atom": _l("The published implementation reports of one lead unit."),
    "feeds.activities_atom": _l(
        "Volunteer activities of verified social organisations, newest registered first."
    ),
}
CSV_EXPORTS = {
    "public.disclosures_csv": _l(
        "The disclosure list, all pages, with the list's filters (category, unit, area, "
        "year, measure)."
    ),
    "public.dashboard_goals_csv": _l(
        "Every published value of the goal indicators, with the disclosure it comes from."
    ),
    "public.dashboard_units_csv": _l(
        "The units' handling record, sorted like the dashboard page (sort, dir)."
    ),
    "public.dashboard_measures_csv": _l(
        "For each measure, how many disclosures, consultations and reports it has."
    ),
    "public.dashboard_areas_csv": _l(
        "For the 兵团 level and each division: reports received, accepted, closed and closed in time, "
        "median days to closure, ratings, and reports by category (1 or 2 shown as <3)."
    ),
    "public.dashboard_areas_monthly_csv": _l(
        "Every area month by month over the last 24 months, one row per area and month."
    ),
    "public.dashboard_area_monthly_csv": _l(
        "One area (0 for the 兵团 level, 1 to 14) month by month over the last 24 months."
    ),
    "public.accountability_csv": _l(
        "The accountability matrix: one row per task, lead unit and year with its standing "
        "(reported, late, missing, not yet due), with the page's filters (unit, chapter)."
    ),
}


@dataclass(frozen=True)
class Route:
    """One documented address: method, pattern, what it gives, its query parameters, and a working example."""

    method: str
    pattern: str
    description: str
    parameters: tuple = ()
    example: str = ""  # a URL that answers as described; '' when the database holds nothing to show

    @property
    def example_label(self):
        """The example as people read it (Chinese query text unescaped)."""
        return unquote(self.example)


def example_values():
    """Real ids for the example links: a unit, the latest consultation and disclosure, categories, a report."""
    consultation = next(iter(consultations.list_public({}, 1, 1).items), None)
    disclosure = next(iter(disclosures.list_public({}, 1, 1).items), None)
    unit = next((u for u in units.list_units() if u.handles_reports), None)
    category = next(iter(disclosures.list_categories()), None)
    service = next(iter(categories.list_categories()), None)
    report = next(
        iter(supervision.list_reports(supervision.SupervisionFilters(), 1, 1).items), None
    )
    return {
        "number": 14,
        "unit_id": unit and unit.id,
        "consultation_id": consultation and consultation.id,
        "disclosure_id": disclosure and disclosure.id,
        "code": category and category.code,
        "service_code": service and service.code,
        "reference": report and report.reference,
        "task_id": task_reports.example_task_id(),
    }


def _pattern(rule):
    """A URL rule as people read it: /feeds/units/{unit_id}/disclosures.atom."""
    return rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")


def _example(endpoint, rule, values, query=None, **fixed):
    """The example URL of `rule` with real values, or '' when one of them is missing."""
    needed = {name: fixed.get(name, values.get(name)) for name in rule.arguments}
    if any(value is None for value in needed.values()):
        return ""
    return url_for(endpoint, **needed) + ("?" + urlencode(query) if query else "")


def _rule(endpoint):
    """The URL rule of `endpoint` (each documented endpoint has exactly one)."""
    return next(current_app.url_map.iter_rules(endpoint))


def api_routes(values):
    """Every /api/v1 route, from the OpenAPI document, with its query parameters and an example."""
    parameters = openapi.parameters()
    routes = []
    for path, item in openapi.paths().items():
        for method, operation in item.items():
            names = [
                parameters[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                for p in operation["parameters"]
            ]
            query = tuple(p["name"] for p in names if p["in"] == "query")
            needed = {
                name: values.get(name) for name in [p["name"] for p in names if p["in"] == "path"]
            }
            example = ""
            if all(v is not None for v in needed.values()):
                example = API_PREFIX + path.format(**needed)
                extra = API_EXAMPLE_QUERIES.get(operation["operationId"])
                example += "?" + urlencode(extra) if extra else ""
            description = API_ROUTES.get(operation["operationId"], operation["summary"])
            routes.append(
                Route(method.upper(), API_PREFIX + path, str(description), query, example)
            )
    return routes


def listed_routes(descriptions, values, queries=None):
    """A Route for each endpoint in `descriptions` (feeds, exports, Open311), with an example where possible."""
    routes = []
    for endpoint, description in descriptions.items():
        rule = _rule(endpoint)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        example = (
            ""
            if "POST" in methods
            else _example(endpoint, rule, values, (queries or {}).get(endpoint), fmt="json")
        )
        routes.append(Route(" ".join(methods), _pattern(rule), str(description), (), example))
    return routes


def error_body(call):
    """The JSON error the API sends when `call` (a service call it makes) is refused, or None if it is not."""
    try:
        call()
    except DomainError as error:
        body = {"status": error.status, "code": error.code, "message": error.message}
        return {"error": {**body, "field": error.field} if error.field else body}
    return None


def example_responses(root):
    """Short example answers: a page of a list (abbreviated), and a 404 and a 400 produced by the real services."""
    page = {
        "items": [
            {
                "id": 1,
                "title": "2025年兵团生态环境状况公报",
                "state": "published",
                "category": {
                    "code": "environment_quality",
                    "name": "环境质量",
                    "name_en": "Environmental quality",
                },
                "unit": {"id": 16, "name": "兵团建设局"},
                "area": {"number": 0, "name": "兵团"},
                "published_on": "2026-10-27",
                "version_count": 2,
                "url": f"{root}/disclosures/1",
                "api_url": f"{root}{API_PREFIX}/disclosures/1",
            }
        ],
        "total": 10,
        "page": 1,
        "per_page": 1,
    }
    examples = [
        (f"{API_PREFIX}/disclosures?per_page=1", 200, page, True),
        (f"{API_PREFIX}/measures/99", 404, error_body(lambda: policy.get_measure(99)), False),
        (
            f"{API_PREFIX}/disclosures?year=abc",
            400,
            error_body(lambda: disclosures.list_public({"year": "abc"}, None, None)),
            False,
        ),
    ]
    return [example for example in examples if example[2] is not None]


def as_json(value):
    """`value` as indented JSON with Chinese unescaped, as the API writes it (there without the indentation)."""
    return json.dumps(value, ensure_ascii=False, indent=2)


@bp.get("/developers")
def developers():
    """The open data explained: API, OpenAPI, Open311 (with its live service list), feeds, exports, licence."""
    values, root = example_values(), public_root()
    return render_template(
        "public/developers/index.html",
        root=root,
        api_routes=api_routes(values),
        open311_routes=listed_routes(
            OPEN311_ROUTES,
            {**values, "code": values["service_code"]},
            {"open311.requests_index": {"status": "open"}},
        ),
        services=categories.list_categories(),
        feeds=listed_routes(FEEDS, values, {"feeds.search_atom": {"q": EXAMPLE_QUERY}}),
        exports=listed_routes(CSV_EXPORTS, values),
        responses=example_responses(root),
        as_json=as_json,
        max_per_page=openapi.MAX_PER_PAGE,
        key_command=KEY_COMMAND,
        specification=SPECIFICATION,
        hourly_limit=current_app.config["API_KEY_HOURLY_LIMIT"],
    )


@bp.get("/api")
@bp.get("/api/")
@bp.get(API_PREFIX)
def api_index():
    """/api and /api/v1 are no resources: people who open them get the page that explains the API."""
    return redirect(url_for("public.developers"))
