"""Construction projects: their public consultations across the stages 立项, 实施 and 后评价 (measure (三十))."""
from flask import render_template
from flask_babel import gettext as _

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Project
from portal.public import bp
from portal.services import consultations


@bp.get("/projects/<int:project_id>")
def projects_show(project_id):
    """A project and its published consultations grouped by stage; NotFound while none is public."""
    project = db.session.get(Project, project_id)
    groups = consultations.project_consultations(project) if project is not None else []
    if not any(items for _stage, items in groups):
        raise NotFound(_("No project has the number %(id)s.", id=project_id))
    return render_template("public/projects/show.html", project=project, groups=groups)
