"""The policy's goals."""

from flask import render_template

from portal.public import bp
from portal.services import policy


@bp.get("/goals")
def goals_index():
    """The goals of measure (三) with their targets and lead units."""
    return render_template("public/goals/index.html", goals=policy.list_goals())
