"""/api/v1/measures."""

from portal.api import bp, serializers
from portal.services import policy


@bp.get("/measures")
def measures_index():
    """All 35 measures with their chapters."""
    return {"items": [serializers.measure_summary(m) for m in policy.list_measures()]}


@bp.get("/measures/<int:number>")
def measures_show(number):
    """One measure with its text and tasks."""
    measure = policy.get_measure(number)
    body = serializers.measure_summary(measure)
    body["text"] = measure.text
    body["tasks"] = [serializers.task(t) for t in measure.tasks]
    return body
