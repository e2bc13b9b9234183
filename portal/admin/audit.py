"""The audit log: every accountable action, filtered by actor, action, unit, days and report."""

from urllib.parse import urlencode

from flask import current_app, redirect, render_template, request, url_for

from portal.admin import bp
from portal.permissions import Permission, permission_required
from portal.services import audit, units


@bp.get("/audit")
@permission_required(Permission.SITE_AUDIT_VIEW)
def audit_index():
    """Audit records, newest first, filtered and paginated."""
    if "case" in request.args:  # the report filter's old name: a bookmark keeps its filter
        args = [("report" if k == "case" else k, v) for k, v in request.args.items(multi=True)]
        return redirect(url_for("admin.audit_index") + "?" + urlencode(args), code=301)
    filters = audit.parse_filters(request.args)
    page = audit.search(filters, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return render_template(
        "admin/audit/index.html",
        page=page,
        filters=filters,
        actions=audit.ACTIONS,
        action_label=audit.action_label,
        actors=audit.actors(),
        units=units.list_units(),
        references=audit.report_references(page.items),
    )
