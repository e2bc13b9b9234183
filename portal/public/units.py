"""The directory of responsible units."""

from flask import render_template

from portal.public import bp
from portal.services import task_reports, units


@bp.get("/units")
def units_index():
    """Units grouped: 兵团 departments, 师(市), collective addressees."""
    return render_template("public/units/index.html", groups=units.directory())


@bp.get("/units/<int:unit_id>")
def units_show(unit_id):
    """A unit, the tasks it leads (with its latest report's status) and joins."""
    unit = units.get_unit(unit_id)
    leads, joins = units.responsibilities(unit)
    return render_template(
        "public/units/show.html",
        unit=unit,
        leads=leads,
        joins=joins,
        latest=task_reports.latest_by_task(unit.id),
    )
