"""Construction projects: their public consultations across the stages 立项, 实施 and 后评价 (measure (三十))."""

from flask import render_template

from portal.public import bp
from portal.services import consultations


@bp.get("/projects/<int:project_id>")
def projects_show(project_id):
    """A project and its published consultations grouped by stage; NotFound while none is public."""
    project, groups = consultations.get_public_project(project_id)
    return render_template("public/projects/show.html", project=project, groups=groups)
