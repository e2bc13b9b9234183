"""/api/v1/units."""

from portal.api import bp, serializers
from portal.services import units


@bp.get("/units")
def units_index():
    """Every unit with its aliases and kind."""
    return {"items": [serializers.unit_summary(u) for u in units.list_units()]}


@bp.get("/units/<int:unit_id>")
def units_show(unit_id):
    """One unit and the tasks it leads and joins."""
    unit = units.get_unit(unit_id)
    leads, joins = units.responsibilities(unit)
    body = serializers.unit_summary(unit)
    body["leads"] = [serializers.task(t) for t in leads]
    body["joins"] = [serializers.task(t) for t in joins]
    return body
