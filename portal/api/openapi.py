"""/api/v1/openapi.json: the OpenAPI 3.1 document of every /api/v1 route.

The schemas mirror portal/api/serializers.py key for key; tests/api/test_openapi.py checks the
document against the app's routes and against real responses, so a change to one shows in the other.
Enumerations come from the models' enums, and the disclosure categories from the database when
the document is asked for (administrators edit that list).
"""

from portal.api import bp
from portal.models import (
    CommentDecision,
    Comparison,
    ConsultationKind,
    EvidenceChange,
    EvidenceKind,
    ProjectStage,
    TaskKind,
    TaskStatus,
    UnitKind,
)
from portal.numbers import LARGEST, MAX_PAGE
from portal.search import FACETS, KINDS, MAX_QUERY_LENGTH
from portal.search.documents import SORTS
from portal.search.query import MAX_FILTER_LENGTH
from portal.services import consultations, disclosures, task_reports, units
from portal.urls import public_root

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
# Every paginated route (consultations, disclosures, search) allows the same largest page.
MAX_PER_PAGE = disclosures.MAX_PER_PAGE

# --- schema helpers -------------------------------------------------------------------------------

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
# What an id in a path may be: beyond a database integer nothing exists (404), and the document says so.
IDENTIFIER = {"type": "integer", "minimum": 1, "maximum": LARGEST}
FACET_VALUE = {"type": "string", "maxLength": MAX_FILTER_LENGTH}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
MOMENT = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}


def _nullable(schema):
    """`schema` or null (JSON Schema 2020-12 style, as OpenAPI 3.1 writes it)."""
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    nullable = {**schema, "type": [*types, "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items):
    return {"type": "array", "items": items}


def _enum(values):
    return {"type": "string", "enum": list(values)}


def _object(properties, optional=(), description=""):
    """An object whose properties are all present except those named in `optional`."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }
    if description:
        schema["description"] = description
    return schema


def _extend(base, properties, optional=(), description=""):
    """`base` with more properties: a detail is its summary plus more keys."""
    merged = {**base["properties"], **properties}
    kept = [name for name in base["properties"] if name not in base["required"]]
    return _object(
        merged, optional=(*kept, *optional), description=description or base.get("description", "")
    )


def _list(item):
    return _object({"items": _array(_ref(item))})


def _page(item):
    return _object(
        {"items": _array(_ref(item)), "total": INTEGER, "page": INTEGER, "per_page": INTEGER},
        description="One page of a list, newest first.",
    )


# --- schemas --------------------------------------------------------------------------------------


def _policy_schemas():
    unit_ref = _object({"id": INTEGER, "name": STRING}, description="A unit inside another object.")
    unit = _object(
        {
            "id": INTEGER,
            "name": STRING,
            "aliases": _array(STRING),
            "kind": _enum(k.value for k in UnitKind),
            "url": URL,
        },
        description="A responsible unit.",
    )
    task = _object(
        {
            "id": INTEGER,
            "title": STRING,
            "kind": _enum(k.value for k in TaskKind),
            "measure": INTEGER,
            "lead_units": _array(_ref("UnitRef")),
            "participating_units": _array(_ref("UnitRef")),
        },
        description="A responsibility assignment inside a measure, with ordered lead and participating units.",
    )
    measure = _object(
        {
            "number": INTEGER,
            "title": STRING,
            "chapter": _object({"number": INTEGER, "title": STRING}),
            "url": URL,
        },
        description="A measure of the policy, (一) to (三十五).",
    )
    return {
        "UnitRef": unit_ref,
        "Unit": unit,
        "UnitDetail": _extend(unit, {"leads": _array(_ref("Task")), "joins": _array(_ref("Task"))}),
        "Task": task,
        "Measure": measure,
        "MeasureDetail": _extend(measure, {"text": STRING, "tasks": _array(_ref("Task"))}),
        # "Indicator" and "IndicatorList": schema names clients generate code from, kept when the code said goal.
        "Indicator": _object(
            {
                "id": INTEGER,
                "name": STRING,
                "comparison": _enum(c.value for c in Comparison),
                "target_value": NUMBER,
                "unit_of_measure": STRING,
                "baseline_year": _nullable(INTEGER),
                "target_year": INTEGER,
                "measure": INTEGER,
                "task_id": INTEGER,
                "lead_units": _array(_ref("UnitRef")),
                "source_text": STRING,
            },
            description="A numeric target of measure (三).",
        ),
        "MeasureList": _list("Measure"),
        "UnitList": _list("Unit"),
        "IndicatorList": _list("Indicator"),
    }


def _consultation_schemas():
    area = _object(
        {"number": INTEGER, "name": STRING}, description="The 兵团 level (0) or a division (1–14)."
    )
    summary = _object(
        {
            "id": INTEGER,
            "title": STRING,
            "kind": _enum(k.value for k in ConsultationKind),
            "state": _enum(s.value for s in consultations.PUBLIC_STATES),
            "unit": _ref("UnitRef"),
            "area": _ref("Area"),
            "project": _nullable(_object({"id": INTEGER, "name": STRING})),
            "stage": _nullable(_enum(s.value for s in ProjectStage)),
            "summary": STRING,
            "opens_on": _nullable(DAY),
            "closes_on": _nullable(DAY),
            "original_closes_on": _nullable(DAY),
            "published_at": _nullable(MOMENT),
            "withdrawn_reason": STRING,
            "url": URL,
            "api_url": URL,
        },
        description="A published consultation.",
    )
    hearing = _object(
        {
            "id": INTEGER,
            "starts_at": MOMENT,
            "place": STRING,
            "seats": INTEGER,
            "seats_left": INTEGER,
            "waitlist_length": INTEGER,
            "eligibility": STRING,
            "registration_closes_at": MOMENT,
            "registration_open": BOOLEAN,
            "announced_at": _nullable(MOMENT),
            "minutes": STRING,
            "minutes_published_at": _nullable(MOMENT),
            "attendance_count": _nullable(INTEGER),
        },
        description="A hearing as anyone may see it: never a registrant.",
    )
    comment = _object(
        {
            "id": INTEGER,
            "body": STRING,
            "author": STRING,
            "paragraph": _nullable(INTEGER),
            "submitted_at": MOMENT,
            "decision": _nullable(
                _object(
                    {
                        "code": _enum(d.value for d in CommentDecision),
                        "label": STRING,
                        "reason": STRING,
                    }
                )
            ),
        },
        description="A published comment with the unit's decision: never a contact.",
    )
    detail = _extend(
        summary,
        {
            "eia": _object(
                {
                    "project_location": STRING,
                    "developer_name": STRING,
                    "developer_contact": STRING,
                    "eia_preparer": STRING,
                },
                description="The notice items of an EIA consultation.",
            ),
            "how_to_comment": STRING,
            "tasks": _array(_object({"id": INTEGER, "title": STRING, "measure": INTEGER})),
            "paragraphs": _array(_object({"number": INTEGER, "text": STRING})),
            "hearings": _array(_ref("Hearing")),
            "comments": _array(_ref("Comment")),
            "statement": STRING,
            "answered_at": _nullable(MOMENT),
            "attachments": _array(_ref("Attachment")),
            "statement_url": URL,
        },
        optional=("eia", "statement_url"),
    )
    return {
        "Area": area,
        "Attachment": _object(
            {"filename": STRING, "content_type": STRING, "size": INTEGER, "url": URL},
            description="A published file.",
        ),
        "Consultation": summary,
        "ConsultationDetail": detail,
        "Hearing": hearing,
        "Comment": comment,
        "ConsultationPage": _page("Consultation"),
    }


def _disclosure_schemas():
    summary = _object(
        {
            "id": INTEGER,
            "title": STRING,
            "state": _enum(s.value for s in disclosures.PUBLIC_STATES),
            "category": _ref("DisclosureCategory"),
            "unit": _ref("UnitRef"),
            "area": _ref("Area"),
            "published_on": _nullable(DAY),
            "first_published_at": _nullable(MOMENT),
            "updated_at": _nullable(MOMENT),
            "version_count": INTEGER,
            "withdrawn_at": _nullable(MOMENT),
            "withdrawn_reason": STRING,
            "url": URL,
            "api_url": URL,
        },
        description="A published (or withdrawn) disclosure; `updated_at` is when its latest version was published.",
    )
    version = _object(
        {"number": INTEGER, "title": STRING, "note": STRING, "published_at": MOMENT, "url": URL},
        description="One published text of a disclosure.",
    )
    observation = _object(
        {
            "indicator": _object({"id": INTEGER, "name": STRING, "unit_of_measure": STRING}),
            "year": INTEGER,
            "value": NUMBER,
            "source": STRING,
        },
        description="A value of a goal for one year.",
    )
    detail = _extend(
        summary,
        {
            "body": {"type": "string", "description": "The current text as written, in Markdown."},
            "body_html": {
                "type": "string",
                "description": "The current text rendered to sanitised HTML.",
            },
            "measures": _array(_object({"number": INTEGER, "title": STRING, "url": URL})),
            "tasks": _array(_object({"id": INTEGER, "title": STRING, "measure": INTEGER})),
            "attachments": _array(_ref("DisclosureAttachment")),
            "observations": _array(_ref("Observation")),
            "versions": _array(_ref("DisclosureVersion")),
        },
    )
    return {
        "DisclosureCategory": _object({"code": STRING, "name": STRING, "name_en": STRING}),
        "Disclosure": summary,
        "DisclosureDetail": detail,
        "DisclosureVersion": version,
        "DisclosureAttachment": _object(
            {
                "filename": STRING,
                "content_type": STRING,
                "size": INTEGER,
                "added_at": MOMENT,
                "url": URL,
            },
            description="A file published with a disclosure, with when it was added.",
        ),
        "Observation": observation,
        "DisclosurePage": _page("Disclosure"),
    }


def _search_schemas():
    return {
        "FacetValue": _object({"value": STRING, "label": STRING, "count": INTEGER}),
        "SearchResult": _object(
            {
                "kind": _enum(KINDS),
                "id": {
                    "type": ["integer", "string"],
                    "description": "A report's reference (kind `case`), "
                    "a measure's number, otherwise the id.",
                },
                "title": STRING,
                "url": URL,
                "snippet": {
                    "type": "string",
                    "description": "Escaped text with <mark> around the matches.",
                },
                "date": _nullable(DAY),
                "score": _nullable(NUMBER),
            },
            description="One match; measures have kind `measure` and their number as id.",
        ),
        "SearchPage": _object(
            {
                "query": STRING,
                "total": INTEGER,
                "page": INTEGER,
                "per_page": INTEGER,
                "facets": {
                    "type": "object",
                    "description": "Counts over every match, by facet: " + ", ".join(FACETS),
                    "additionalProperties": _array(_ref("FacetValue")),
                },
                "results": _array(_ref("SearchResult")),
            }
        ),
    }


def _task_report_schemas():
    statuses = _enum(s.value for s in TaskStatus)
    standing = _enum(s.value for s in task_reports.Standing)
    version = _object(
        {
            "number": INTEGER,
            "status": statuses,
            "progress": _nullable(INTEGER),
            "note": STRING,
            "published_at": MOMENT,
            "evidence": _nullable(
                _array(STRING),
            ),
            "contributions": _nullable(
                _array(_object({"unit": _ref("UnitRef"), "text": STRING})),
            ),
        }
    )
    report = _object(
        {
            "id": INTEGER,
            "task_id": INTEGER,
            "unit": _ref("UnitRef"),
            "period": {"type": "string", "pattern": "^[0-9]{4}(-H[12])?$"},
            "due_on": DAY,
            "required": {
                "type": "boolean",
                "description": "False for an optional interim report (a half-year not in the calendar).",
            },
            "status": statuses,
            "progress": _nullable(INTEGER),
            "done_text": {"type": "string", "description": "Markdown, as written."},
            "done_html": {"type": "string", "description": "The Markdown rendered and sanitised."},
            "next_steps": STRING,
            "next_steps_html": STRING,
            "first_published_at": MOMENT,
            "evidence": _array(
                _object(
                    {
                        "kind": _enum(k.value for k in EvidenceKind),
                        "id": INTEGER,
                        "label": STRING,
                        "url": URL,
                    }
                )
            ),
            "contributions": _array(_object({"unit": _ref("UnitRef"), "text": STRING})),
            "contribution_history": {
                **_array(
                    _object(
                        {
                            "unit": _ref("UnitRef"),
                            "old_text": STRING,
                            "text": {
                                "type": "string",
                                "description": "Empty: the contribution was removed.",
                            },
                            "changed_at": MOMENT,
                        }
                    )
                ),
                "description": "Each change of a contribution after publication, oldest first.",
            },
            "evidence_history": {
                **_array(
                    _object(
                        {
                            "kind": _enum(k.value for k in EvidenceKind),
                            "id": INTEGER,
                            "change": _enum(c.value for c in EvidenceChange),
                            "changed_at": MOMENT,
                            "label": _nullable(STRING),
                            "url": _nullable(URL),
                        }
                    )
                ),
                "description": "Each evidence link added or removed after publication, oldest first "
                "(label and url null once the record is no longer public).",
            },
            "versions": _array(version),
            "url": URL,
        },
        description="A published task implementation report (落实情况) of a lead unit for one period.",
    )
    cell = _object(
        {
            "standing": standing,
            "units": _array(
                _object(
                    {
                        "unit": _ref("UnitRef"),
                        "standing": standing,
                        "report_id": _nullable(INTEGER),
                    }
                )
            ),
        }
    )
    return {
        "TaskReport": report,
        "TaskReportList": _object({"task": _ref("Task"), "items": _array(_ref("TaskReport"))}),
        "Accountability": _object(
            {
                "periods": _array(
                    _object(
                        {
                            "period": STRING,
                            "kind": _enum(("annual", "half_year")),
                            "due_on": DAY,
                        }
                    )
                ),
                "last_due_period": _nullable(STRING),
                "unreported_task_ids": _array(INTEGER),
                "tasks": _array(
                    _object(
                        {
                            "task_id": INTEGER,
                            "measure": INTEGER,
                            "title": STRING,
                            "cells": {"type": "object", "additionalProperties": cell},
                        }
                    )
                ),
            },
            description="Tasks × required periods (annual, and first half-years when the calendar asks for "
            "them): reported, late, missing or not yet due.",
        ),
    }


def schemas():
    """Every response schema, by name."""
    error = _object(
        {
            "error": _object(
                {
                    "status": INTEGER,
                    "code": STRING,
                    "message": {"type": "string", "description": "In the client's language."},
                    "field": {
                        "type": "string",
                        "description": "The parameter at fault, when there is one.",
                    },
                },
                optional=("field",),
            )
        },
        description="Every error, whatever the route.",
    )
    return {
        **_policy_schemas(),
        **_consultation_schemas(),
        **_disclosure_schemas(),
        **_search_schemas(),
        **_task_report_schemas(),
        "Error": error,
        "OpenAPIDocument": {"type": "object", "description": "This document."},
    }


# --- parameters, responses and paths --------------------------------------------------------------


def _query(name, schema, description):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _facet(name, items, description):
    """A search filter: repeat the parameter for several values (any of them matches)."""
    return {
        **_query(name, _array(items), description + " Repeat the parameter for several values."),
        "style": "form",
        "explode": True,
    }


def _path(name, description, schema=None):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema or IDENTIFIER,
        "description": description,
    }


def _areas():
    numbers = [a.number for a in units.list_areas()] or [0]
    return {"type": "integer", "minimum": min(numbers), "maximum": max(numbers)}


def _units():
    ids = [u.id for u in units.list_units()]
    return {"type": "integer", "enum": ids} if ids else IDENTIFIER


def _disclosure_categories():
    codes = [c.code for c in disclosures.list_categories()]
    return {"type": "string", "enum": codes} if codes else STRING


def parameters():
    """The reusable query parameters."""
    page = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}
    per_page = {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}
    return {
        "page": _query("page", page, "The page, from 1."),
        "per_page": _query("per_page", per_page, f"Items per page, at most {MAX_PER_PAGE}."),
        "unit": _query("unit", _units(), "A unit's id (see /units)."),
        "area": _query("area", _areas(), "0 for the 兵团 level, 1–14 for a division."),
        "year": _query(
            "year",
            {"type": "integer", "minimum": disclosures.YEARS[0], "maximum": disclosures.YEARS[1]},
            "Only what was published in this year.",
        ),
    }


def _p(name):
    return {"$ref": f"#/components/parameters/{name}"}


def responses():
    """The error responses every route shares."""

    def error(description):
        return {
            "description": description,
            "content": {"application/json": {"schema": _ref("Error")}},
        }

    return {
        "BadRequest": error("A parameter has a value that is not accepted; `field` names it."),
        "NotFound": error("No such thing, or not public."),
        "Unavailable": error(
            "Search is temporarily unavailable (the index is being rebuilt or is locked)."
        ),
    }


def _get(operation_id, summary, schema, params=(), errors=(), tag=""):
    ok = {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}}
    result = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "parameters": list(params),
        "responses": {
            "200": ok,
            **{status: {"$ref": f"#/components/responses/{name}"} for status, name in errors},
        },
    }
    return {"get": result}


BAD = ("400", "BadRequest")
MISSING = ("404", "NotFound")


def paths():
    """Every /api/v1 route, by its path relative to the server URL."""
    consultation_filters = [
        _query(
            "state",
            _enum(s.value for s in consultations.PUBLIC_STATES),
            "The consultation's state.",
        ),
        _p("unit"),
        _p("area"),
        _query("kind", _enum(k.value for k in ConsultationKind), "What is consulted on."),
        _query(
            "stage", _enum(s.value for s in ProjectStage), "The stage of the construction project."
        ),
    ]
    disclosure_filters = [
        _query("category", _disclosure_categories(), "A disclosure category's code."),
        _p("unit"),
        _p("area"),
        _p("year"),
        _query(
            "measure",
            {"type": "integer", "minimum": 1, "maximum": 35},
            "Only disclosures linked to a task of this measure.",
        ),
    ]
    search_parameters = [
        {
            **_query(
                "q",
                {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH},
                'Words or "quoted phrases", all required; -word excludes. Chinese matches as written.',
            ),
            "required": True,
        },
        _facet("kind", _enum(KINDS), "Only these kinds of document."),
        _facet("unit", FACET_VALUE, "Units' ids, as the `unit` facet gives them."),
        _facet(
            "category",
            FACET_VALUE,
            "Report category codes (of closed reports), as the `category` facet gives them.",
        ),
        _facet(
            "disclosure_category",
            FACET_VALUE,
            "Disclosure category codes, as the `disclosure_category` facet gives them.",
        ),
        _facet("area", FACET_VALUE, "Areas' numbers, as the `area` facet gives them."),
        _facet(
            "year",
            {"type": "integer", "minimum": 1000, "maximum": 9999},
            "Years (four digits), as the `year` facet gives them.",
        ),
        _query(
            "sort",
            {**_enum(SORTS), "default": "relevance"},
            "By relevance (BM25F) or newest first.",
        ),
        _p("page"),
        _p("per_page"),
    ]
    return {
        "/measures": _get(
            "listMeasures", "All 35 measures with their chapters.", "MeasureList", tag="policy"
        ),
        "/measures/{number}": _get(
            "getMeasure",
            "One measure with its text and tasks.",
            "MeasureDetail",
            [
                _path(
                    "number",
                    "The measure's number.",
                    {"type": "integer", "minimum": 1, "maximum": 35},
                )
            ],
            [MISSING],
            tag="policy",
        ),
        "/units": _get(
            "listUnits", "Every unit with its aliases and kind.", "UnitList", tag="policy"
        ),
        "/units/{unit_id}": _get(
            "getUnit",
            "One unit and the tasks it leads and joins.",
            "UnitDetail",
            [_path("unit_id", "The unit's id.")],
            [MISSING],
            tag="policy",
        ),
        "/goals": _get(
            "listGoals",
            "The goals of measure (三) and their targets.",
            "IndicatorList",
            tag="policy",
        ),
        "/consultations": _get(
            "listConsultations",
            "Published consultations, newest first.",
            "ConsultationPage",
            [*consultation_filters, _p("page"), _p("per_page")],
            [BAD],
            tag="consultations",
        ),
        "/consultations/{consultation_id}": _get(
            "getConsultation",
            "A published consultation with its paragraphs, hearings and published comments.",
            "ConsultationDetail",
            [_path("consultation_id", "The consultation's id.")],
            [MISSING],
            tag="consultations",
        ),
        "/disclosures": _get(
            "listDisclosures",
            "Published and withdrawn disclosures, newest first.",
            "DisclosurePage",
            [*disclosure_filters, _p("page"), _p("per_page")],
            [BAD],
            tag="disclosures",
        ),
        "/disclosures/{disclosure_id}": _get(
            "getDisclosure",
            "A disclosure with its current text, files, observations and versions.",
            "DisclosureDetail",
            [_path("disclosure_id", "The disclosure's id.")],
            [MISSING],
            tag="disclosures",
        ),
        "/search": _get(
            "search",
            "Search measures, tasks, disclosures, consultations, comments and closed reports.",
            "SearchPage",
            search_parameters,
            [BAD, ("503", "Unavailable")],
            tag="search",
        ),
        "/tasks/{task_id}/reports": _get(
            "listTaskReports",
            "The published implementation reports on one task, newest period first.",
            "TaskReportList",
            [_path("task_id", "The task's id.")],
            [MISSING],
            tag="task_reports",
        ),
        "/accountability": _get(
            "getAccountability",
            "The accountability matrix: each task's reports by annual period.",
            "Accountability",
            [
                _p("unit"),
                _query(
                    "chapter",
                    {"type": "integer", "minimum": 1, "maximum": 9},
                    "A chapter's number.",
                ),
            ],
            [BAD],
            tag="task_reports",
        ),
        "/openapi.json": _get("getOpenAPI", "This document.", "OpenAPIDocument", tag="meta"),
    }


def document(server_url):
    """The OpenAPI 3.1 document for the API served at `server_url`."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Bingtuan Ecological Civilisation Participation Portal API",
            "version": API_VERSION,
            "summary": "Read-only open data: the policy, units, goals, consultations, disclosures and search.",
            "description": "Only public data. Lists are newest first and paginated where they say so. "
            "Errors share one shape (Error) with the HTTP status, a code and a message.",
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": name}
            for name in ("policy", "consultations", "disclosures", "task_reports", "search", "meta")
        ],
        "paths": paths(),
        "components": {"schemas": schemas(), "parameters": parameters(), "responses": responses()},
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document describing every /api/v1 route."""
    return document(public_root() + "/api/v1")
