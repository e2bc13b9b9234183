"""Hypothesis over the public report form and Open311's POST: whatever a field holds (any text, control
characters, other scripts' digits, NaN, huge numbers, extreme dates), the answer is never a 5xx; a refusal
(4xx) names the field at fault; an acceptance stores exactly one report."""

import itertools
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import Report
from tests.helpers import summary_of
from tests.open311.test_open311 import new_key

HUGE = "99999999999999999999999"
ODD = [
    "",
    " ",
    "\x00",
    "\x00\x01\x1f\x7f",
    "0",
    "-0",
    "NaN",
    "-nan",
    "inf",
    "1e999",
    "1e1",
    HUGE,
    "-1",
    "٣٥",
    "４４",
    "44²",
    "0x10",
    "x" * 5000,
    "排" * 4001,
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30T25:61",
    "<script>alert(1)</script>",
    "\u202e\u200b\ufeff",
    "a@b",
    "+86 138 0013 8000",
]
# Any text (control characters and every script included), the odd values above, numbers of every size.
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(ODD),
    st.integers().map(str),
    st.floats().map(repr),
)
# A field that takes a number gets mostly things that look like one: NaN and infinities come up often.
NUMBERS = st.one_of(
    st.floats().map(str),
    st.decimals().map(str),
    st.integers().map(str),
    st.sampled_from(ODD),
    st.text(alphabet="0123456789.-+eE٣４²_ ", max_size=12),
)
NUMERIC = {"latitude", "longitude", "lat", "long", "area", "attribute[area]"}
# Bounded and repeatable: a few seconds for each form.
BOUNDED = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
FORM = {
    "category": "water",
    "area": "8",
    "place": "石河子市北泉镇排污口",
    "latitude": "44.305",
    "longitude": "86.045",
    "observed_at": "2026-01-05T08:30",
    "description": "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
    "name": "王小明",
    "phone": "13800138000",
    "email": "resident@example.com",
    "visibility": "administrators",
    "submission_key": "",
}
OPEN311 = {
    "service_code": "water",
    "attribute[area]": "8",
    "lat": "44.305",
    "long": "86.045",
    "address_string": "北泉镇幸福路",
    "description": "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
    "first_name": "小明",
    "last_name": "王",
    "phone": "13800138000",
    "email": "resident@example.com",
    "attribute[submission_key]": "",
}
# How a refusal may name a field in words rather than by the field's own name (English messages).
WORDS = {
    "latitude": ("coordinates", "latitude"),
    "longitude": ("coordinates", "longitude"),
    "lat": ("coordinates", "latitude", "lat and long"),
    "long": ("coordinates", "longitude", "lat and long"),
    "address_string": ("Location required", "address_string"),
    "submission_key": ("out of date",),
    "observed_at": ("observed",),
    "first_name": ("name",),
    "last_name": ("name",),
}
KEYS = itertools.count()


def changed(base, fields=None):
    """`base` with one to three of its `fields` (default: any) replaced by generated values."""
    return st.sets(st.sampled_from(sorted(fields or base)), min_size=1, max_size=3).flatmap(
        lambda names: st.fixed_dictionaries(
            {name: NUMBERS if name in NUMERIC else VALUES for name in names}
        ).map(lambda new: {**base, **new})
    )


def count(app):
    """How many reports there are."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


@pytest.fixture
def intake(make_app):
    """An app without CSRF tokens or hourly key and address limits in the way, its client (in English) and an API key."""
    app = make_app(WTF_CSRF_ENABLED=False, API_KEY_HOURLY_LIMIT=1_000_000, REPORT_LIMIT=1_000_000)
    client = app.test_client()
    client.get("/language/en")
    return app, client, new_key(app)


def test_the_report_form_never_fails_and_says_which_field(intake):
    """The public form: 200 with a receipt and one more report (none for a key already used), or 400 naming
    each field at fault."""
    app, client, _key = intake
    used = set()

    @BOUNDED
    @given(data=st.one_of(changed(FORM), changed(FORM, NUMERIC & set(FORM))))
    def post(data):
        data = {**data, "submission_key": data["submission_key"] or f"hypothesis-{next(KEYS)}"}
        before = count(app)
        response = client.post("/reports/new", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 400, 429), (response.status_code, data)
        if response.status_code == 200:
            assert 'id="receipt-code"' in page, data
            # Generated keys repeat ("0", "a"): the same submission again is answered with its receipt, not stored twice.
            assert count(app) == before + (data["submission_key"] not in used), data
            used.add(data["submission_key"])
            return
        assert count(app) == before
        if response.status_code == 400:
            # The form with its error summary, or (for a NUL character) the error page naming the field.
            summary = summary_of(page) or [
                (None, re.search(r"<h1>[^<]*</h1>\s*<p>([^<]*)</p>", page).group(1))
            ]
            sent_wrong = [name for name in data if data[name] != FORM.get(name)]
            for target, message in summary:
                assert target or any(
                    word in message for name in sent_wrong for word in (name, *WORDS.get(name, ()))
                ), (message, data)

    post()


def test_open311_never_fails_and_says_which_field(intake):
    """Open311's POST: 201 and one more report, or a 4xx in the spec's error format that names the field."""
    app, client, key = intake

    @BOUNDED
    @given(data=st.one_of(changed(OPEN311), changed(OPEN311, NUMERIC & set(OPEN311))))
    def post(data):
        data = {**data, "api_key": key}
        data["attribute[submission_key]"] = (
            data["attribute[submission_key]"] or f"hypothesis-{next(KEYS)}"
        )
        before = count(app)
        response = client.post(
            "/open311/v2/requests.json", data=data, headers={"Accept-Language": "en"}
        )
        assert response.status_code in (200, 201, 400, 404), (response.status_code, data)
        if response.status_code in (200, 201):
            assert count(app) == before + (1 if response.status_code == 201 else 0)
            return
        assert count(app) == before
        [error] = response.get_json()
        sent_wrong = [name for name in data if data[name] != OPEN311.get(name, key)]
        names = [word for name in sent_wrong for word in (name, *WORDS.get(name, ()))]
        assert any(word.lower() in error["description"].lower() for word in names), (error, data)

    post()
