"""PORTAL_SEARCH_ENGINE=postgresql: the search documents are rows of the portal's database, written in the
transaction of the change that made them, so a second app host with no index of its own finds them at once."""

from datetime import date

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import ConfigError, load
from portal.extensions import db
from portal.models import SearchOutbox
from portal.services import disclosures, search
from tests.conftest import ON_POSTGRES, settings
from tests.services.test_search import published_disclosure, staff

needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRES, reason="the engine keeps its documents in PostgreSQL"
)


def test_the_engine_is_checked_when_the_settings_are_read():
    """A typo, or the PostgreSQL engine on SQLite, stops the start with a message naming the setting."""
    base = {"DATA_DIR": "/tmp/portal-search-engine", "SECRET_KEY": "s", "IDENTITY_KEY": "k"}
    with pytest.raises(ConfigError, match="PORTAL_SEARCH_ENGINE: 'elastic' is not an engine"):
        load(base, environ={"PORTAL_SEARCH_ENGINE": "elastic"})
    with pytest.raises(
        ConfigError, match="must then be PostgreSQL .*this portal's database is sqlite"
    ):
        load(base, environ={"PORTAL_SEARCH_ENGINE": "postgresql"})
    assert (
        load(
            base,
            environ={
                "PORTAL_SEARCH_ENGINE": "postgresql",
                "PORTAL_DATABASE_URL": "postgresql+psycopg://portal@db/portal",
            },
        )["SEARCH_ENGINE"]
        == "postgresql"
    )


@pytest.fixture
def app(make_app):
    """An app with the policy whose search documents live in its PostgreSQL database."""
    return make_app(SEARCH_ENGINE="postgresql")


def outbox_rows():
    """How many outbox rows wait."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox))


@needs_postgresql
def test_a_change_is_found_as_soon_as_it_commits_and_a_rollback_leaves_nothing(app):
    """No drain: the document commits with the disclosure; a transaction rolled back indexed nothing."""
    with app.app_context():
        people = staff()
        assert (
            search.search(app.config, "全面推进污染防治", kind="measure").total == 1
        )  # the policy, drained
        published_disclosure(
            people["jsj"],
            "兵团建设局",
            "environment_quality",
            "臭氧监测公报",
            0,
            "全兵团臭氧浓度下降。",
            date(2021, 1, 15),
        )
        db.session.commit()
        assert search.search(app.config, "臭氧浓度").total == 1 and outbox_rows() == 0
        published_disclosure(
            people["jsj"],
            "兵团建设局",
            "environment_quality",
            "未提交的公报",
            0,
            "氮氧化物浓度。",
            date(2021, 1, 16),
        )
        db.session.flush()
        db.session.rollback()
        assert search.search(app.config, "氮氧化物").total == 0 and outbox_rows() == 0


@needs_postgresql
def test_withdrawing_removes_the_document_in_the_same_transaction(app):
    """A withdrawn disclosure stops being a result with the commit that withdrew it."""
    with app.app_context():
        people = staff()
        item = published_disclosure(
            people["jsj"],
            "兵团建设局",
            "environment_quality",
            "撤回测试公报",
            0,
            "二氧化硫排放。",
            date(2021, 2, 1),
        )
        db.session.commit()
        assert search.search(app.config, "二氧化硫").total == 1
        disclosures.withdraw(people["jsj"], item, "数据有误,更正后重新发布。")
        db.session.commit()
        assert search.search(app.config, "二氧化硫").total == 0
        assert search.drift(app.config).consistent


@needs_postgresql
def test_a_second_host_without_an_index_directory_finds_what_the_first_wrote(app, tmp_path):
    """Host B shares only the database: the page it serves lists what host A just published."""
    other = create_app(
        settings(tmp_path / "host-b", app.config["DATABASE_URL"], SEARCH_ENGINE="postgresql")
    )
    try:
        with app.app_context():
            published_disclosure(
                staff()["jsj"],
                "兵团建设局",
                "environment_quality",
                "共享检索公报",
                0,
                "挥发性有机物治理。",
                date(2021, 3, 1),
            )
            db.session.commit()
        client = other.test_client()
        page = client.get("/search?q=挥发性有机物").get_data(as_text=True)
        assert "共享检索公报" in page
        assert not (tmp_path / "host-b" / "search").exists()
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@needs_postgresql
def test_reindex_and_check_work_on_the_database(app):
    """`reindex` rewrites every document in one transaction; `check` compares them with the database."""
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM search_documents WHERE key LIKE 'task:%'"))
        db.session.commit()
    checked = app.test_cli_runner().invoke(args=["portal", "check"])
    assert checked.exit_code != 0 and "task:" in checked.output
    rebuilt = app.test_cli_runner().invoke(args=["portal", "reindex"])
    assert rebuilt.exit_code == 0 and "documents in the database" in rebuilt.output, rebuilt.output
    checked = app.test_cli_runner().invoke(args=["portal", "check"])
    assert checked.exit_code == 0, checked.output
