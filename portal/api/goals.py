"""/api/v1/goals."""

from portal.api import bp, serializers
from portal.services import policy


@bp.get("/goals")
def goals_index():
    """The goals of measure (三)."""
    return {"items": [serializers.goal(i) for i in policy.list_goals()]}
