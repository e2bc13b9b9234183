"""SQL statements per public page: each family stays under a stated limit, and list pages do not
run more statements when they show more rows (a query per row, N+1, is what makes pages slow)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from portal import create_app
from portal.extensions import db
from portal.models import Consultation, ConsultationKind, Disclosure, User
from portal.services import comments, consultations, demo, disclosures, reports, search
from portal.services.units import find_unit
from tests.conftest import settings
from tests.services.test_dashboard import submit

BJ = ZoneInfo("Asia/Shanghai")

# Statements one anonymous GET runs on the demo data (after a first GET of the same page): the count once
# the N+1 queries were removed, plus one. SQLite and PostgreSQL run the same statements.
LIMITS = {
    "/": 1 + 1,
    "/measures": 3 + 1,
    "/measures/14": 11 + 1,
    "/disclosures": 7 + 1,
    "/disclosures/{revised}": 6 + 1,
    "/reports": 7 + 1,
    "/reports/{closed}": 7 + 1,  # 7: with the count of residents who added their voice
    "/consultations": 6 + 1,
    "/consultations/{eia}": 8 + 1,
    "/search?q=污染": 4 + 1,
    "/dashboard": 0 + 1,
    # The units' record (counts, medians, consultations, comments), the channels, the units' months.
    "/dashboard/units": 6 + 1,
    "/dashboard/areas": 4 + 1,
    "/dashboard/areas/8": 4 + 1,
    "/dashboard/goals": 7 + 1,
    "/dashboard/measures": 5 + 1,
    "/goals": 6 + 1,
    "/units": 3 + 1,
    "/units/{division}": 4 + 1,
    "/feeds/disclosures.atom": 5 + 1,
    "/feeds/consultations.atom": 3 + 1,
    "/feeds/reports.atom": 7 + 1,
    "/api/v1/measures": 2 + 1,
    "/api/v1/disclosures": 5 + 1,
    "/api/v1/consultations": 4 + 1,
    "/api/v1/units": 3 + 1,
    "/api/v1/goals": 6 + 1,
    "/api/v1/search?q=污染": 4 + 1,
    "/accountability": 7 + 1,
    "/accountability?unit=2&chapter=1": 7 + 1,
    "/api/v1/accountability": 3 + 1,
}
# With the search documents in the database, a search runs its own three: its settings, the one statement
# that counts, facets and pages the matches, and its settings put back.
IN_DATABASE_SEARCH = 3


class Statements:
    """Counts the statements the app's engine runs, a GET at a time."""

    def __init__(self, app):
        self.app, self.seen = app, []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, connection, cursor, statement, *args):
        self.seen.append(statement)

    def of_get(self, path):
        """(status, statements) of a GET of `path`, after one GET that warms what a worker keeps."""
        client = self.app.test_client()
        client.get(path)
        self.seen.clear()
        response = client.get(path)
        return response.status_code, list(self.seen)


@pytest.fixture(scope="module")
def demo_site(databases, tmp_path_factory):
    """One app with the sample data (`portal demo`) for the module: (Statements, {name: value for paths})."""
    server, templates = databases
    data_dir = tmp_path_factory.mktemp("demo-site")
    with server.database(templates["demo"], data_dir) as url:
        # The page cache off: a page served from it runs no statement at all, and the limits are about rendering.
        app = create_app(settings(data_dir, url, PAGE_CACHE_MB=0))
        with app.app_context():
            search.reindex(app.config)
            db.session.commit()
            values = {
                "revised": db.session.scalar(
                    sa.select(Disclosure.id).where(Disclosure.title.contains("生态环境状况公报"))
                ),
                "closed": reports.find_submission("demo-closed").reference,
                "eia": db.session.scalar(
                    sa.select(Consultation.id).where(Consultation.title == demo.EIA_TITLE)
                ),
                "division": find_unit("第八师石河子市").id,
            }
        yield Statements(app), values
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("path", list(LIMITS))
def test_a_page_runs_at_most_its_statements(demo_site, path):
    """Each public page family answers with no more statements than its limit."""
    statements, values = demo_site
    status, seen = statements.of_get(path.format(**values))
    assert status == 200
    limit = LIMITS[path] + (
        IN_DATABASE_SEARCH if "search" in path and search.in_database(statements.app.config) else 0
    )
    assert len(seen) <= limit, "\n".join(seen)


# --- more rows, same statements -------------------------------------------------------------------

# Sample staff of three units (`portal demo` made them) publish the extra rows.
STAFF = ("demo-jsj-staff", "demo-shihezi", "demo-wujiaqu")
GROWING = [
    "/reports",
    "/disclosures",
    "/consultations",
    "/feeds/reports.atom",
    "/feeds/disclosures.atom",
    "/feeds/consultations.atom",
    "/api/v1/disclosures",
    "/api/v1/consultations",
    "/measures/14",
    "/units/{division}",
]


def grow(app, people, start, count):
    """`count` more reports (one per division in turn), published disclosures and consultations (each
    with a published comment), spread over the units of `people`, the areas and the categories; commits."""
    config = app.config
    categories = [c for c in disclosures.list_categories() if not c.takes_observations]
    fourteen = demo._task_ids((14, None))
    moment = datetime(2026, 3, 2, 10, 0, tzinfo=BJ)
    for n in range(start, start + count):
        submit(f"count-{n}", n % 14 + 1, moment)
        staff = people[n % len(people)]
        unit = staff.unit
        item = disclosures.create_draft(
            unit,
            categories[n % len(categories)],
            f"第{n}期公开信息",
            n % 15,
            body="详见正文。",
            task_ids=fourteen,
            published_on=date(2026, 3, 2),
        )
        disclosures.publish(staff, item, now=moment)
        consultation = consultations.create_consultation(
            unit,
            ConsultationKind.POLICY_DRAFT,
            f"第{n}号办法(征求意见稿)",
            "第一段。\n\n第二段。",
            n % 15,
            task_ids=fourteen,
        )
        consultations.publish(
            staff, consultation, date(2026, 3, 3), date(2026, 3, 31), config, now=moment
        )
        comment = comments.submit_comment(
            consultation,
            "建议加强监管。",
            "居民",
            "",
            "a@example.org",
            False,
            now=moment + timedelta(days=1),
            secret=current_app.config["SECRET_KEY"],
        )
        comments.publish_comment(staff, comment)
    db.session.commit()


def test_list_pages_run_the_same_statements_for_more_rows(demo_site):
    """With 3 or 15 more reports, disclosures and consultations (of three units), the list pages, feeds and
    records run as many statements: none is run per row."""
    statements, values = demo_site
    paths = [path.format(**values) for path in GROWING]
    app = statements.app
    with app.app_context():
        grow(
            app,
            [db.session.scalar(sa.select(User).where(User.username == name)) for name in STAFF],
            0,
            3,
        )
    before = {path: statements.of_get(path) for path in paths}
    with app.app_context():
        grow(
            app,
            [db.session.scalar(sa.select(User).where(User.username == name)) for name in STAFF],
            3,
            12,
        )
    after = {path: statements.of_get(path) for path in paths}
    assert {p: status for p, (status, _seen) in after.items()} == {p: 200 for p in paths}
    grew = {
        path: (len(before[path][1]), len(after[path][1]))
        for path in paths
        if len(after[path][1]) != len(before[path][1])
    }
    assert grew == {}, "\n\n".join(f"{p} {grew[p]}:\n" + "\n".join(after[p][1]) for p in grew)
