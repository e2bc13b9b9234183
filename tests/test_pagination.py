"""One shape of page for every paged list (issue 12, item 5): `pagination.Page`, cut from the database by
`pagination.fetch`; search's pages are Pages too."""

import sqlalchemy as sa

from portal import pagination
from portal.extensions import db
from portal.models import Measure, Task
from portal.search import SearchResults
from portal.services import consultations, disclosures, search, supervision


def measures(page, per_page=10):
    """A page of the policy's 35 measures in order."""
    return pagination.fetch(
        db.session, sa.select(Measure), page, per_page, order_by=(Measure.number,)
    )


def test_a_page_holds_its_share_and_counts_every_match(app_context):
    """35 measures at 10 a page: four pages, the last with the five left."""
    last = measures(4)
    assert [m.number for m in last.items] == [31, 32, 33, 34, 35]
    assert (last.total, last.page, last.per_page, last.pages) == (35, 4, 10, 4)


def test_a_page_below_the_first_is_the_first_and_one_past_the_last_is_empty(app_context):
    """Page 0 (or none) is page 1; page 5 of 4 has no items but still says how many there are."""
    assert measures(0) == measures(None) == measures(1)
    assert [m.number for m in measures(1).items] == list(range(1, 11))
    beyond = measures(5)
    assert beyond.items == [] and beyond.total == 35 and beyond.pages == 4


def test_columns_counted_for_the_page_make_its_rows(app_context):
    """With `columns`, each item is made of the entity and those values, computed for the page's rows only."""
    tasks = (
        sa.select(sa.func.count())
        .select_from(Task)
        .where(Task.measure_id == Measure.id)
        .scalar_subquery()
    )
    page = pagination.fetch(
        db.session,
        sa.select(Measure),
        1,
        3,
        order_by=(Measure.number,),
        columns=(tasks,),
        row=lambda measure, count: (measure.number, count),
    )
    assert [number for number, _count in page.items] == [1, 2, 3] and page.total == 35
    assert sum(count for _number, count in page.items) == db.session.scalar(
        sa.select(sa.func.count()).select_from(Task).join(Measure).where(Measure.number <= 3)
    )


def test_every_paged_list_is_a_page(app_context):
    """The public lists, the API's and the feeds' (the same services) and search all hand on a Page."""
    for page in (
        consultations.list_public({}),
        disclosures.list_public({}),
        supervision.list_reports(supervision.SupervisionFilters()),
    ):
        assert type(page) is pagination.Page and page.page == 1
    assert issubclass(search.SearchPage, pagination.Page) and issubclass(
        SearchResults, pagination.Page
    )
