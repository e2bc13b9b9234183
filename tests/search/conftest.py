"""Search fixtures: documents built from the real policy, a fresh index directory per test, and the same
index on either engine (Whoosh, and PostgreSQL on 127.0.0.1 in a scratch database per test process)."""

import datetime as dt
import os
import unicodedata
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal.policy import bundled_text
from portal.policy.parser import parse
from portal.search import Document, open_or_create, postgres, rebuild
from portal.search import index as search_index

# Whoosh's own codec and positions format, which the portal's extend (portal/search/codec.py).
from portal.search.codec import Positions, W3Codec

ENGINES = ("whoosh", "postgresql")
SERVER = "postgresql+psycopg://postgres@127.0.0.1"

# Disclosures planted beside the policy: Latin tokens, dates and facets the policy lacks.
PLANTED = (
    Document(
        "disclosure",
        "1",
        "第一师2019年空气质量公报",
        "PM2.5年均浓度为38微克/立方米,SO2年均浓度下降。",
        url="/disclosures/1",
        date=dt.date(2019, 3, 1),
        unit=("兵团建设局",),
        category=("环境质量",),
        area="第一师",
    ),
    Document(
        "disclosure",
        "2",
        "第八师排污许可信息",
        "石河子市热电厂SO2排放浓度达标,执行GB13223-2011。",
        url="/disclosures/2",
        date=dt.date(2021, 6, 30),
        unit=("兵团建设局",),
        category=("排污许可",),
        area="第八师",
    ),
    Document(
        "disclosure",
        "3",
        "兵团2020年环境状况公报",
        "2020年全兵团PM2.5平均浓度下降,大气污染防治成效明显。",
        url="/disclosures/3",
        date=dt.date(2021, 1, 15),
        unit=("兵团建设局", "兵团发展改革委"),
        category=("环境质量",),
        area="兵团",
    ),
    Document(
        "case",
        "R-2024-7",
        "第二师某企业夜间偷排废水",
        "群众举报夜间偷排,经查属实,已责令整改并处罚款。",
        url="/reports/R-2024-7",
        date=dt.date(2024, 5, 20),
        unit=("兵团建设局",),
        category=("水污染",),
        area="第二师",
    ),
)


def policy_documents():
    """One document per measure and per task of the bundled policy, plus the planted disclosures."""
    policy = parse(bundled_text())
    documents = []
    for chapter in policy.chapters:
        for measure in chapter.measures:
            units = tuple(
                dict.fromkeys(u.name for t in measure.tasks for u in t.lead if not u.collective)
            )
            documents.append(
                Document(
                    "measure",
                    measure.number,
                    measure.title,
                    measure.text,
                    url=f"/measures/{measure.number}",
                    date=policy.published_on,
                    unit=units,
                    category=(chapter.title,),
                    area="兵团",
                )
            )
            for task in measure.tasks:
                names = tuple(u.name for u in task.lead + task.participating if not u.collective)
                documents.append(
                    Document(
                        "task",
                        f"{measure.number}.{task.position}",
                        task.title,
                        task.text,
                        url=f"/measures/{measure.number}#task-{task.position}",
                        date=policy.published_on,
                        unit=names,
                        category=(chapter.title,),
                        area="兵团",
                    )
                )
    return documents + list(PLANTED)


def nfkc(text):
    """The oracle's normalisation: NFKC only."""
    return unicodedata.normalize("NFKC", text)


def containing(documents, text):
    """Keys of the documents whose title or body contains `text` (after NFKC)."""
    wanted = nfkc(text)
    return {d.key for d in documents if wanted in nfkc(d.title) or wanted in nfkc(d.body)}


@pytest.fixture
def index_path(tmp_path):
    """Where a test's index lives (the link; the data sits in a sibling directory)."""
    return str(tmp_path / "search")


@pytest.fixture
def documents():
    """The policy's measures and tasks, and the planted disclosures."""
    return policy_documents()


@pytest.fixture
def whoosh_policy_index(index_path, documents):
    """A fresh Whoosh index holding `documents`."""
    rebuild(index_path, documents)
    return open_or_create(index_path, timeout=0.5)


@pytest.fixture(scope="session")
def search_database():
    """An engine on a scratch PostgreSQL database of this test process, dropped at the end."""
    name = f"search_engine_{os.getpid()}"
    server = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(f"{SERVER}/{name}")
    yield engine
    engine.dispose()
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.dispose()


@pytest.fixture
def postgres_index(search_database):
    """An empty PostgreSQL engine index: its two tables made afresh in the scratch database."""
    tables = [postgres.CHUNKS, postgres.DOCUMENTS]
    postgres.DOCUMENTS.metadata.drop_all(search_database, tables=tables)
    postgres.DOCUMENTS.metadata.create_all(search_database, tables=tables[::-1])
    return postgres.PostgresIndex(search_database)


@pytest.fixture(params=ENGINES)
def empty_index(request, index_path):
    """An empty index on each engine in turn."""
    if request.param == "whoosh":
        return open_or_create(index_path, timeout=0.5)
    return request.getfixturevalue("postgres_index")


@pytest.fixture
def policy_index(empty_index, documents):
    """A fresh index holding `documents`, on each engine in turn."""
    empty_index.add_documents(documents)
    return empty_index


@contextmanager
def whooshs_own_format():
    """Indexes written meanwhile are in the format of earlier versions: Whoosh's codec and Positions."""
    current = search_index.schema

    def older():
        fields = current()
        for name in ("title", "body"):
            fields[name].format = Positions(field_boost=fields[name].format.field_boost)
        return fields

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(search_index, "schema", older)
        patched.setattr(search_index, "PortalCodec", W3Codec)
        yield
