"""The page cache: a change is on the very next request (in every worker), languages and visitors are never
mixed up, private and form pages are never stored, cached answers carry the same headers, and 304s."""

import re

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.caching import DOMAINS, read_versions
from portal.extensions import db
from portal.models import Comment, Measure, Report, Unit, User
from portal.services import comments, handling
from tests.conftest import settings
from tests.feeds.test_reports_feed import new_report
from tests.helpers import People, add_user, login
from tests.public.test_consultation_pages import comment, draft, opened, staff
from tests.public.test_disclosure_pages import build

PEOPLE = {"staff": ("shz", "第八师石河子市", "staff")}
PUBLIC = [
    "/",
    "/measures",
    "/measures/14",
    "/units",
    "/disclosures",
    "/reports",
    "/consultations",
    "/dashboard",
    "/feeds/disclosures.atom",
    "/feeds/reports.atom",
    "/api/v1/disclosures",
    "/api/v1/measures/14",
]


def cache_of(app):
    """The process's page cache."""
    return app.extensions["portal_page_cache"]


def text(client, path, **kwargs):
    """GET `path` (a 200) and return its text."""
    response = client.get(path, **kwargs)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_a_published_disclosure_is_in_the_list_the_feed_and_the_api_at_once(app, client):
    """Staff publish a disclosure: the list, its Atom feed and the API show it on the very next request."""
    paths = ["/disclosures", "/feeds/disclosures.atom", "/api/v1/disclosures"]
    for path in paths:
        assert "缓存测试公报" not in text(client, path)
        assert client.get(path).headers["ETag"]  # stored: the second answer comes from the cache
    assert len(cache_of(app).entries) == len(paths)
    disclosure = build(app, "缓存测试公报")
    for path in paths:
        assert "缓存测试公报" in text(client, path)
    assert "缓存测试公报" in text(client, f"/disclosures/{disclosure}")


def test_a_report_accepted_and_closed_shows_in_the_reports_and_their_feed_at_once(app, client):
    """A report's public outcome is on /reports, its page and /feeds/reports.atom on the very next request."""
    with app.app_context():
        People(PEOPLE)["staff"]
        report = new_report(app, "cached")
        db.session.commit()
        reference = report.reference
    assert "缓存测试" not in text(client, "/reports") + text(client, "/feeds/reports.atom")
    assert reference in text(client, "/reports")  # received, shown as such
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        shz = db.session.scalar(sa.select(User).where(User.username == "shz"))
        handling.accept(shz, report, None, app.config)
        handling.close(shz, report, None, "缓存测试:已责令停止排放。", app.config)
        db.session.commit()
    assert "缓存测试:已责令停止排放。" in text(client, "/reports")
    assert "缓存测试:已责令停止排放。" in text(client, "/feeds/reports.atom")
    assert "缓存测试:已责令停止排放。" in text(client, f"/reports/{reference}")


def test_a_published_comment_shows_on_its_consultation_page_at_once(app, client):
    """A comment waiting for moderation is not shown; once published it is, on the very next request."""
    with app.app_context():
        consultation = opened(staff(), draft())
        waiting = comment(consultation, "缓存测试意见:建议延长征求意见期。", publish=False)
        db.session.commit()
        consultation_id, comment_id = consultation.id, waiting.id
    path, api = f"/consultations/{consultation_id}", f"/api/v1/consultations/{consultation_id}"
    for _twice in range(2):
        assert "缓存测试意见" not in text(client, path) and "缓存测试意见" not in text(client, api)
    with app.app_context():
        comments.publish_comment(staff(), db.session.get(Comment, comment_id))
        db.session.commit()
    assert "缓存测试意见" in text(client, path)
    assert "缓存测试意见" in text(client, api)


def test_a_measure_or_unit_changed_in_any_way_shows_at_once(app, client):
    """An ORM change (a measure's title) and a bulk UPDATE (a unit's name) both show at once."""
    assert "Cache test measure" not in text(client, "/api/v1/measures/14")
    assert "兵团统计局(改名)" not in text(client, "/api/v1/units")
    with app.app_context():
        db.session.scalar(
            sa.select(Measure).where(Measure.number == 14)
        ).title = "Cache test measure"
        db.session.commit()
        db.session.execute(
            sa.update(Unit).where(Unit.name == "兵团统计局").values(name="兵团统计局(改名)")
        )
        db.session.commit()
    assert "Cache test measure" in text(client, "/api/v1/measures/14")
    assert "Cache test measure" in text(client, "/measures/14")
    assert "兵团统计局(改名)" in text(client, "/api/v1/units") and "兵团统计局(改名)" in text(
        client, "/units"
    )


def test_two_workers_on_one_database_see_each_others_changes(app, client):
    """A second process (its own cache) on the same database shows a change committed by the first at once."""
    other = create_app(settings(app.config["DATA_DIR"], app.config["DATABASE_URL"]))
    try:
        for worker in (client, other.test_client()):
            assert "另一进程的公报" not in text(worker, "/disclosures")
        build(app, "另一进程的公报")
        assert "另一进程的公报" in text(other.test_client(), "/disclosures")
        with other.app_context():
            build(other, "第二个进程发布的公报")
        assert "第二个进程发布的公报" in text(client, "/disclosures")
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_chinese_and_english_pages_are_never_mixed_up(app):
    """Readers of each language, in turns, always get their own language from the cache."""
    chinese, english = app.test_client(), app.test_client()
    english.get("/language/en")
    for _round in range(2):
        for path in ("/", "/disclosures", "/measures/14", "/feeds/disclosures.atom"):
            zh, en = chinese.get(path), english.get(path)
            assert zh.get_data() != en.get_data(), path
            assert "Cookie" in zh.headers["Vary"] and "Cookie" in en.headers["Vary"]
        assert '<html lang="zh-Hans"' in text(chinese, "/") and '<html lang="en"' in text(
            english, "/"
        )


def test_staff_are_never_served_a_cached_page_and_never_fill_the_cache(app, client):
    """A signed-in member of staff gets their own fresh page (no-store); what they saw is never shown to others."""
    add_user(app)
    console = 'href="/console/"'
    assert console not in text(client, "/disclosures")  # cached for anonymous readers
    member = app.test_client()
    login(member, next_path="/console/")
    for path in ("/disclosures", "/measures"):
        response = member.get(path)
        assert console in response.get_data(as_text=True), path
        assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
    keys = [key[0] for key in cache_of(app).entries]
    assert keys == ["/disclosures"]
    assert console not in text(client, "/measures") and console not in text(client, "/disclosures")


def test_private_pages_are_never_stored_or_validated(app, client):
    """The tracking page and the report and subscription forms are never stored, nor given an ETag."""
    for path in ("/reports/track", "/reports/new", "/subscriptions/new"):
        response = client.get(path)
        assert response.status_code == 200 and "ETag" not in response.headers, path
        assert response.headers["Cache-Control"] == "no-store"
    assert not cache_of(app).entries


def test_a_page_with_a_form_gives_each_visitor_their_own_token_and_their_comment_is_accepted(app):
    """A consultation page (comment form) served from the cache carries each visitor's own CSRF token,
    never another's, and a comment sent with it is received."""
    with app.app_context():
        consultation_id = opened(staff(), draft()).id
        db.session.commit()
    path = f"/consultations/{consultation_id}"
    token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    first, second, third = app.test_client(), app.test_client(), app.test_client()
    mine = [token.search(text(first, path)).group(1) for _ in range(2)]
    assert [key[0] for key in cache_of(app).entries] == [path]  # stored, once, for everyone
    for visitor in (second, third):
        page = text(visitor, path)
        theirs = token.findall(page)
        assert theirs and not set(theirs) & set(mine) and cache_of(app).slot.decode() not in page
        response = visitor.post(
            f"{path}/comments",
            data={
                "csrf_token": theirs[0],
                "paragraph": "",
                "author_name": "赵六",
                "phone": "13800001111",
                "email": "",
                "body": "从缓存的页面提交的意见。",
            },
        )
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/comments/received"
        )


def test_a_cached_answer_carries_the_same_headers_as_a_fresh_one(app, client):
    """Security headers, CSP, the licence link and the validators are the same, once each, from the cache."""
    for path in ("/disclosures", "/api/v1/disclosures", "/feeds/disclosures.atom"):
        fresh, cached = client.get(path), client.get(path)
        assert sorted(fresh.headers.items()) == sorted(cached.headers.items()), path
        assert fresh.get_data() == cached.get_data()
        assert cached.headers["X-Frame-Options"] == "DENY"
        assert "Content-Security-Policy" in cached.headers and "Last-Modified" in cached.headers
    assert len(client.get("/api/v1/disclosures").headers.getlist("Link")) == 1
    assert "script-src 'self'" in client.get("/disclosures").headers["Content-Security-Policy"]
    head = client.head("/disclosures")
    assert (
        head.status_code == 200
        and head.headers["ETag"] == client.get("/disclosures").headers["ETag"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures",
        "/feeds/disclosures.atom",
        "/api/v1/disclosures",
        "/feeds/reports.atom",
        "/api/v1/measures/14",
    ],
)
def test_a_page_a_feed_and_the_api_answer_304_when_unchanged(client, path):
    """If-None-Match and If-Modified-Since get a 304 with no body; a stale ETag gets the page."""
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for conditional in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = client.get(path, headers=conditional)
        assert again.status_code == 304 and again.get_data() == b"", conditional
        assert (
            again.headers["ETag"] == etag and again.headers["X-Content-Type-Options"] == "nosniff"
        )
    stale = client.get(path, headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()


def test_a_changed_page_answers_200_to_its_old_etag(app, client):
    """After a change, the ETag the browser holds no longer matches: the new page comes back."""
    old = client.get("/disclosures").headers["ETag"]
    build(app, "新的公报")
    response = client.get("/disclosures", headers={"If-None-Match": old})
    assert response.status_code == 200 and "新的公报" in response.get_data(as_text=True)


def test_the_cache_stays_within_its_memory_bound(make_app):
    """Many answers through a small cache: it never holds more bytes than its limit, and answers stay right."""
    app = make_app(PAGE_CACHE_MB=0.04)
    client, cache = app.test_client(), cache_of(app)
    seen = {}
    for _round in range(2):
        for number in range(1, 16):
            answer = text(client, f"/api/v1/measures/{number}")
            assert seen.setdefault(number, answer) == answer
            assert cache.size <= cache.limit == int(0.04 * 1024 * 1024)
    assert 0 < len(cache.entries) < 15


def test_without_the_cache_pages_still_get_etags_and_304s(make_app):
    """PORTAL_PAGE_CACHE_MB=0 turns the cache off; answers are rendered each time and still validate."""
    app = make_app(PAGE_CACHE_MB=0)
    client = app.test_client()
    assert "portal_page_cache" not in app.extensions
    etag = client.get("/disclosures").headers["ETag"]
    assert client.get("/disclosures", headers={"If-None-Match": etag}).status_code == 304


def test_only_tables_the_public_sees_bump_versions(app, client):
    """Logins, counters and the audit log leave every version alone; a disclosure bumps only its domain."""
    with app.app_context():
        before = read_versions()
    add_user(app)
    login(app.test_client())
    client.get("/reports/track?reference=JB-2026-000001&code=WRONG")
    with app.app_context():
        assert read_versions() == before
    build(app, "只改公开披露")
    with app.app_context():
        after = read_versions()
    changed = {domain for domain in DOMAINS if after[domain] != before[domain]}
    assert changed == {"disclosures"}


def test_expired_entries_are_rendered_anew(make_app):
    """With PAGE_CACHE_SECONDS at 0 a change made behind the portal's back shows at once."""
    app = make_app(PAGE_CACHE_SECONDS=0)
    client = app.test_client()
    assert "背后改的" not in text(client, "/api/v1/measures/14")
    with app.app_context(), db.engine.begin() as connection:  # no session: no version is bumped
        connection.execute(
            sa.update(Measure.__table__).where(Measure.number == 14).values(title="背后改的")
        )
    assert "背后改的" in text(client, "/api/v1/measures/14")


def test_a_host_name_the_portal_does_not_serve_gets_400_even_for_a_cached_page(make_app):
    """A stored page is never sent for a Host outside the trusted names: that is a plain 400, as without a cache."""
    app = make_app(TRUSTED_HOSTS=["portal.example.cn"])
    client = app.test_client()
    for _twice in range(2):
        assert client.get("/disclosures", headers={"Host": "portal.example.cn"}).status_code == 200
    refused = client.get("/disclosures", headers={"Host": "evil.example.com"})
    assert refused.status_code == 400 and "ETag" not in refused.headers


def test_a_server_starting_a_thread_per_request_keeps_no_connection_per_request(app):
    """Werkzeug's threaded server (and `flask run`) serves each request in a new thread: the version
    reader's connection of a thread that ended is closed, so connections do not pile up."""
    import urllib.request

    from tests.conftest import serving

    reader = app.extensions["portal_version_reader"]
    with serving(app) as url:
        for _ in range(12):
            with urllib.request.urlopen(f"{url}/measures") as answer:
                assert answer.status == 200
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            with app.app_context():
                held = db.session.scalar(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    )
                )
            assert held <= 4
    assert len(reader.opened) <= 1
