"""The /search page, the header's search box, and the outbox drained once responses are sent (kept while the index
is locked)."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Comment, CommentState, Report, SearchOutbox
from portal.search import open_or_create
from portal.services import reports, search
from tests.helpers import csrf_token, hidden_value, post_report, resident_act, staff_client
from tests.public.test_html_validity import assert_valid_html
from tests.services.test_search import DESCRIPTION, REPORTER_NAME, REPORTER_PHONE, plant


@pytest.fixture
def site(make_app):
    """An app (short writer timeout) with the planted content, its index built; returns (app, planted)."""
    app = make_app(SEARCH_WRITE_TIMEOUT=0.2)
    with app.app_context():
        planted = plant(app.config)
        search.reindex(app.config)
        db.session.commit()
    return app, planted


@pytest.fixture
def english(site):
    """A client reading the site in English."""
    client = site[0].test_client()
    client.get("/language/en")
    return client


def text(response):
    """The page's HTML."""
    return response.get_data(as_text=True)


def result_links(page):
    """The result titles' addresses, in order."""
    return re.findall(r'<h3><a href="([^"]+)" lang="zh-Hans">', page)


def links_named(page, label):
    """Addresses of the links whose text is `label`."""
    return [
        unescape(href)
        for href, inner in re.findall(r'<a [^>]*?href="([^"]+)"[^>]*>([^<]*)</a>', page)
        if inner.strip() == label
    ]


def test_an_empty_query_shows_examples_and_how_to_search(english):
    """Without a query: no error, example searches to click, and the syntax explained."""
    response = english.get("/search")
    page = text(response)
    assert response.status_code == 200
    for example in ("大气污染", "PM2.5", "兵团建设局"):
        assert f">{example}</a>" in page
    assert "Quotation marks keep words" in page and "A minus sign" in page
    assert 'for="search-q"' in page and 'id="search-q"' in page


def test_results_are_highlighted_and_planted_markup_is_inert(english, site):
    """Snippets mark the matches; a disclosure's <script> shows as text, never as markup."""
    _app, planted = site
    page = text(english.get("/search?q=大气污染"))
    assert "<mark>大气污染</mark>" in page
    assert f"/disclosures/{planted.quality}" in page or "/measures/14" in page
    disclosure = text(english.get("/search?q=年均浓度&kind=disclosure"))
    assert result_links(disclosure) == [f"/disclosures/{planted.quality}"]
    assert "&lt;script&gt;" in disclosure and "<script>" not in disclosure
    assert "**" not in disclosure


def remove_links(page, label):
    """Addresses of the "×" links whose name for screen readers is "Remove the filter “label”"."""
    return [
        unescape(href)
        for href in re.findall(
            rf'<a class="filter-remove" href="([^"]+)"><span aria-hidden="true">×</span>'
            rf'<span class="visually-hidden">Remove the filter “{re.escape(label)}”</span></a>',
            page,
        )
    ]


def test_facets_are_filter_links_and_active_filters_can_be_removed(english, site):
    """Following the "Policy measure" facet keeps only measures, (十四) first; removing it restores the rest."""
    page = text(english.get("/search?q=大气污染"))
    assert (
        "Refine the results" in page
        and ">Type of content</h3>" in page
        and ">Responsible unit</h3>" in page
    )
    (measures,) = links_named(page, "Policy measure")
    assert parse_qs(urlsplit(measures).query) == {"q": ["大气污染"], "kind": ["measure"]}
    filtered = text(english.get(measures))
    assert result_links(filtered)[0] == "/measures/14" and all(
        link.startswith("/measures/") and "#" not in link for link in result_links(filtered)
    )
    assert "(十四) 全面推进污染防治" in filtered
    (remove,) = set(remove_links(filtered, "Policy measure"))
    assert parse_qs(urlsplit(remove).query) == {"q": ["大气污染"]}
    everything = text(english.get(remove))
    assert len(result_links(everything)) > len(result_links(filtered))
    unit = text(english.get("/search?q=大气污染&area=1"))
    assert "Filters in use:" in unit and "第一师阿拉尔市" in unit and len(result_links(unit)) == 1


def facet_groups(page):
    """{heading: [value labels]} of the facet groups, in order."""
    body = page.split('<details class="facets">', 1)[1].split("</details>\n", 1)[0]
    groups = {}
    for heading, values in re.findall(
        r'<h3 id="facet-\w+">([^<]+)</h3>(.*?)(?=<h3 |</section>)', body, re.S
    ):
        labels = re.findall(
            r'<(?:a|strong)[^>]*>([^<]+)</(?:a|strong)> <span class="count">', values
        )
        groups[heading] = [unescape(label) for label in labels]
    return groups


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "Type of content": ["Closed report", "Disclosure"],
                "Responsible unit": ["第八师石河子市"],
                "Report category": ["Water pollution"],
                "Disclosure category": ["Pollutant discharge permits"],
                "Area": ["第八师石河子市"],
                "Year": [],
            },
        ),
        (
            "zh",
            {
                "内容类型": ["已办结举报", "公开信息"],
                "责任单位": ["第八师石河子市"],
                "举报类别": ["水污染"],
                "公开类别": ["排污许可"],
                "管辖区域": ["第八师石河子市"],
                "年份": [],
            },
        ),
    ],
)
def test_each_facet_group_is_headed_by_what_its_values_are(site, language, expected):
    """Report categories (of closed reports) and disclosure categories are separate groups, each named for what it
    lists; every value is a label in the page's language, never a code."""
    client = site[0].test_client()
    if language == "en":
        client.get("/language/en")
    page = text(client.get("/search?q=石河子市&area=8"))
    groups = facet_groups(page)
    year = list(expected)[-1]
    assert "2021" in groups.pop(
        year
    )  # the permit's year, and the year the report was closed (today's)
    expected = {heading: sorted(values) for heading, values in expected.items() if heading != year}
    assert {heading: sorted(values) for heading, values in groups.items()} == expected


def test_facets_come_before_the_results_in_a_closed_block_that_counts_the_filters_in_use(english):
    """The facets precede the results (above them on phones), in a <details> closed by default whose summary
    says how many filters are in use; each filter in use has a "×" link removing it."""
    plain = text(english.get("/search?q=大气污染"))
    assert plain.index('<details class="facets">') < plain.index('id="results-title"')
    assert "<summary>Refine the results</summary>" in plain
    filtered = text(english.get("/search?q=大气污染&kind=comment&area=6"))
    assert "<summary>Refine the results (2 filters in use)</summary>" in filtered
    assert parse_qs(urlsplit(remove_links(filtered, "Published comment")[0]).query) == {
        "q": ["大气污染"],
        "area": ["6"],
    }
    assert parse_qs(urlsplit(remove_links(filtered, "第六师五家渠市")[0]).query) == {
        "q": ["大气污染"],
        "kind": ["comment"],
    }
    (clear,) = links_named(filtered, "Remove every filter")
    assert parse_qs(urlsplit(clear).query) == {"q": ["大气污染"]}


def test_sorting_by_date_and_pages(english):
    """ "date, newest first" is a link keeping the query; pages link to each other with the same options."""
    page = text(english.get("/search?q=污染"))
    (by_date,) = links_named(page, "date, newest first")
    assert parse_qs(urlsplit(by_date).query) == {"q": ["污染"], "sort": ["date"]}
    dated = text(english.get(by_date))
    dates = re.findall(r'<time datetime="([\d-]+)">', dated)
    assert dates == sorted(dates, reverse=True) and dates[0] > "2017-01-03"
    assert "Page 1 of" in page
    (following,) = links_named(page, "Next →")
    second = text(english.get("/search" + following))
    assert "Page 2 of" in second and set(result_links(second)).isdisjoint(result_links(page))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=" + "污" * 201, "at most 200 characters (yours has 201)"),
        ("q=（）！", "punctuation alone is not searched"),
        ("q=-污染", "add a word to look for"),
        ("q=污染&kind=report", "Choose the type of content from the list."),
        ("q=污染&page=x", "The page number must be a whole number"),
        ("q=污染&year=20x0", "Write the year with four digits"),
    ],
)
def test_unusable_queries_get_the_message_and_400(english, query, message):
    """Over-long, punctuation-only, exclusion-only queries and bad options: 400 with the message, never 500."""
    response = english.get(f"/search?{query}")
    assert response.status_code == 400
    assert message in text(response) and 'class="field-error"' in text(response)


def test_the_atom_link_subscribes_to_the_same_search(english):
    """The feed link is /feeds/search.atom with the same query string (page left out)."""
    page = text(english.get("/search?q=大气污染&kind=measure&page=1"))
    (feed,) = links_named(page, "Subscribe to this search (Atom)")
    parts = urlsplit(feed)
    assert parts.path == "/feeds/search.atom"
    assert parse_qs(parts.query) == {"q": ["大气污染"], "kind": ["measure"]}


def test_every_page_has_a_labelled_search_box_in_the_header(english):
    """The header's form sends q to /search; its input has a label."""
    for path in ("/", "/measures/14", "/search?q=湿地"):
        page = text(english.get(path))
        form = re.search(r'<form class="[^"]*\bsite-search\b[^>]*>.*?</form>', page, re.S).group()
        assert 'action="/search"' in form and 'method="get"' in form
        assert (
            re.search(r'<label [^>]*for="site-search-q">Search the portal</label>', form)
            and 'name="q"' in form
        )


@pytest.mark.whoosh
def test_a_missing_index_makes_search_temporarily_unavailable(make_app):
    """Without an index: a friendly 503 page with the search box, in the visitor's language."""
    app = make_app()
    client = app.test_client()
    chinese = client.get("/search?q=大气污染")
    assert chinese.status_code == 503 and '<html lang="zh-Hans">' in text(chinese)
    assert 'id="search-q"' in text(chinese)
    client.get("/language/en")
    english = client.get("/search?q=大气污染")
    assert english.status_code == 503
    assert "Search is temporarily unavailable. Please try again in a few minutes." in text(english)
    assert "you can still report pollution" in text(english)
    assert client.get("/search").status_code == 200


def comment_form(client, consultation_id):
    """The fields of a valid comment, with the page's CSRF token."""
    return {
        "csrf_token": csrf_token(client, f"/consultations/{consultation_id}"),
        "body": "建议公开监测数据的原始记录。",
        "author_name": "居民甲",
        "phone": "13600001111",
        "email": "",
        "paragraph": "",
    }


def outbox(app):
    """(kind, key) of the waiting outbox rows."""
    with app.app_context():
        return {(r.kind, r.key) for r in db.session.scalars(sa.select(SearchOutbox))}


@pytest.mark.whoosh
def test_submissions_succeed_while_the_index_is_locked_and_a_later_drain_catches_up(site):
    """With another writer holding the index: reports, comments, flags and an appeal still succeed, the
    outbox keeps the rows the flags and the appeal wrote, and the next drain applies them."""
    app, planted = site
    holder = open_or_create(app.config["SEARCH_DIR"])
    with app.app_context():
        closed = db.session.scalar(
            sa.select(Report).where(Report.reference == planted.closed_report)
        )
        follow = f"/reports/track/{closed.reference}/{reports.link_token(app.config['SECRET_KEY'], closed)}"
    client = app.test_client()
    with holder._writer():
        assert post_report(client).status_code == 200
        response = client.post(
            f"/consultations/{planted.consultation}/comments",
            data=comment_form(client, planted.consultation),
        )
        assert response.status_code == 302
        for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
            path = f"/consultations/{planted.consultation}"
            token = csrf_token(client, path)
            flagged = client.post(
                f"{path}/comments/{planted.private_comment}/flag",
                data={"csrf_token": token},
                environ_base={"REMOTE_ADDR": address},
            )
            assert flagged.status_code == 302
        assert (
            resident_act(
                client, follow, "appeal", reason="整改没有落实,排污口仍在排放。"
            ).status_code
            == 302
        )
        assert outbox(app) == {
            ("comment", str(planted.private_comment)),
            ("case", planted.closed_report),
        }
        # Reading goes on while the writer is held (the index still has the old state).
        assert client.get("/search?q=查处整改").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 3
        assert (
            db.session.scalar(
                sa.select(Comment).where(Comment.body == "建议公开监测数据的原始记录。")
            )
            is not None
        )
        assert db.session.get(Comment, planted.private_comment).state is CommentState.FLAGGED
        drained = search.drain(app.config)
        assert (drained.removed, drained.pending) == (2, 0)
        assert (
            search.search(app.config, "污染源清单").total == 0
            and search.search(app.config, "查处整改").total == 0
        )


def test_a_request_that_queues_rows_drains_them_before_the_next_page(site):
    """Staff publish a waiting comment: right after the request, search finds it; the outbox is empty."""
    app, planted = site
    staff = staff_client(app, username="wjq-web", unit="第六师五家渠市")
    with app.app_context():
        pending = db.session.get(Comment, planted.pending_comment)
        body = pending.body
    page = staff.get("/console/comments")
    response = staff.post(
        f"/console/comments/{planted.pending_comment}/publish",
        data={"csrf_token": hidden_value(text(page), "csrf_token"), "back": "queue"},
    )
    assert response.status_code == 302
    assert outbox(app) == set()
    found = text(staff.get(f"/search?q={body}"))
    assert result_links(found) == [
        f"/consultations/{planted.consultation}#comment-{planted.pending_comment}"
    ]


def test_the_drain_waits_until_the_response_has_been_sent(site):
    """The publish answer is complete while its outbox row still waits; closing it (as a server does once
    the body is written) drains the row, and search then finds the comment."""
    app, planted = site
    staff = staff_client(app, username="wjq-sent", unit="第六师五家渠市")
    with app.app_context():
        body = db.session.get(Comment, planted.pending_comment).body
    page = staff.get("/console/comments")
    response = staff.post(
        f"/console/comments/{planted.pending_comment}/publish",
        buffered=False,
        data={"csrf_token": hidden_value(text(page), "csrf_token"), "back": "queue"},
    )
    assert response.status_code == 302 and b"".join(response.response)  # the whole answer, read
    assert outbox(app) == {("comment", str(planted.pending_comment))}
    assert result_links(text(staff.get(f"/search?q={body}"))) == []
    response.close()
    assert outbox(app) == set()
    assert result_links(text(staff.get(f"/search?q={body}"))) == [
        f"/consultations/{planted.consultation}#comment-{planted.pending_comment}"
    ]


def test_secrets_of_a_closed_report_are_not_found(english):
    """The reporter's name, phone and the report's description find nothing on the page."""
    for secret in (REPORTER_NAME, REPORTER_PHONE, DESCRIPTION[:12]):
        page = text(english.get(f"/search?q={secret}"))
        assert "0 results for" in page and result_links(page) == []


@pytest.mark.whoosh
def test_search_pages_are_valid_html(site, tmp_path):
    """The Nu Html Checker finds no error on the search pages (results, empty, refused, unavailable), both languages."""
    app, _planted = site
    pages = {}
    for language in ("zh", "en"):
        client = app.test_client()
        if language == "en":
            client.get("/language/en")
        for slug, path in (
            ("empty", "/search"),
            ("results", "/search?q=大气污染&kind=measure&sort=date"),
            ("all", "/search?q=污染"),
            ("none", "/search?q=不存在的词语"),
            ("refused", "/search?q=（）"),
        ):
            pages[f"{language}-{slug}"] = text(client.get(path))
    pages["unavailable"] = unavailable_page(app)
    assert_valid_html(pages, tmp_path)


def unavailable_page(app):
    """The 503 page, rendered with the index moved away (and moved back afterwards)."""
    import os

    path = app.config["SEARCH_DIR"]
    os.rename(path, path + ".away")
    try:
        response = app.test_client().get("/search?q=大气污染")
        assert response.status_code == 503
    finally:
        os.rename(path + ".away", path)
    return text(response)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["zh", "en"])
def test_search_pages_pass_axe(page, live_server, language):
    """axe-core finds no WCAG 2.1 A/AA violation on the results and the empty search page, phone and desktop."""
    from tests.browser.test_accessibility import DESKTOP, axe_violations, describe, open_in

    found = []
    for path in ("/search", "/search?q=大气污染", "/search?q=大气污染&kind=measure"):
        page.set_viewport_size({"width": 360, "height": 740})
        open_in(page, live_server, language, path)
        found += axe_violations(page)
        page.set_viewport_size(DESKTOP)
        found += axe_violations(page)
    assert not found, "\n".join(describe(v) for v in found)


@pytest.fixture
def live_server(site):
    """Serve the app with the planted content (overrides the plain fixture for this module)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, site[0], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
