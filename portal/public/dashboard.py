"""The accountability dashboard: the goals, the units' handling record, the areas' statistics and the measures,
with CSV downloads."""

from flask import current_app, render_template, request, url_for

from portal.downloads import csv_response
from portal.public import bp
from portal.services import dashboard, statistics
from portal.urls import absolute_url


def disclosure_url(disclosure_id, external=False):
    """The public page of a disclosure."""
    if external:
        return absolute_url("public.disclosures_show", disclosure_id=disclosure_id)
    return url_for("public.disclosures_show", disclosure_id=disclosure_id)


@bp.get("/dashboard")
def dashboard_index():
    """The dashboard's overview: the goals, the units and the measures."""
    return render_template("public/dashboard/index.html")


@bp.get("/dashboard/goals")
def dashboard_goals():
    """Each goal with its published values by year, a chart, and whether the target is met."""
    goals = dashboard.goals()
    return render_template(
        "public/dashboard/goals.html",
        goals=goals,
        goal_tally=dashboard.tally(goals),
        GoalStatus=dashboard.GoalStatus,
    )


@bp.get("/dashboard/goals.csv")
def dashboard_goals_csv():
    """Every published observation of the goals, as CSV."""
    rows = [
        [*row.values(), disclosure_url(row["disclosure_id"], external=True)]
        for row in dashboard.observation_rows()
    ]
    return csv_response("goals.csv", [*dashboard.OBSERVATION_COLUMNS, "disclosure_url"], rows)


def _tz():
    """The zone whose calendar months the statistics count in."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


@bp.get("/dashboard/units")
def dashboard_units():
    """The handling record of every unit with a report, sortable by any column, and its monthly trend."""
    records, sort, direction = dashboard.units_table(
        1, request.args.get("sort"), request.args.get("dir")
    )
    return render_template(
        "public/dashboard/units.html",
        records=records,
        sort=sort,
        direction=direction,
        min_reports=current_app.config["DASHBOARD_MIN_REPORTS"],
        sources=dashboard.source_counts(),
        trends=statistics.unit_trends({r.unit_id: r.name for r in records}, _tz()),
    )


@bp.get("/dashboard/units.csv")
def dashboard_units_csv():
    """The units' handling record as CSV, sorted like the page."""
    records, _sort, _direction = dashboard.units_table(
        1, request.args.get("sort"), request.args.get("dir")
    )
    return csv_response(
        "units.csv", dashboard.UNIT_CSV_COLUMNS, [dashboard.unit_row(r) for r in records]
    )


@bp.get("/dashboard/measures")
def dashboard_measures():
    """For each measure, how many published disclosures, public consultations and reports belong to it."""
    return render_template("public/dashboard/measures.html", measures=dashboard.measures_table())


@bp.get("/dashboard/measures.csv")
def dashboard_measures_csv():
    """The measures' counts as CSV."""
    rows = [
        [m.number, m.title, m.disclosures, m.consultations, m.reports]
        for m in dashboard.measures_table()
    ]
    return csv_response("measures.csv", dashboard.MEASURE_CSV_COLUMNS, rows)


@bp.get("/dashboard/areas")
def dashboard_areas():
    """The 兵团 level and the 14 divisions compared: totals, reports by category and monthly trends."""
    records, total, months = statistics.area_records(_tz())
    return render_template(
        "public/dashboard/areas.html", records=records, total=total, months=months
    )


@bp.get("/dashboard/areas/<int:number>")
def dashboard_area(number):
    """One area's figures: totals, reports by category, and each month of the last 24 as a chart and a table."""
    return render_template(
        "public/dashboard/area.html", record=statistics.area_record(number, _tz())
    )


@bp.get("/dashboard/areas.csv")
def dashboard_areas_csv():
    """Each area's totals and reports by category as CSV (suppressed cells as on the page)."""
    records, total, _months = statistics.area_records(_tz())
    return csv_response("areas.csv", *statistics.area_csv(records, total))


@bp.get("/dashboard/areas/monthly.csv")
def dashboard_areas_monthly_csv():
    """Every area's figures month by month, one row per area and month, as CSV."""
    records, _total, _months = statistics.area_records(_tz())
    return csv_response(
        "areas-monthly.csv", statistics.MONTH_CSV_COLUMNS, statistics.month_csv(records)
    )


@bp.get("/dashboard/areas/<int:number>/monthly.csv")
def dashboard_area_monthly_csv(number):
    """One area's figures month by month as CSV."""
    record = statistics.area_record(number, _tz())
    return csv_response(
        f"area-{number}-monthly.csv", statistics.MONTH_CSV_COLUMNS, statistics.month_csv([record])
    )
