"""Editing the routing rules."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.forms import RuleForm
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, choices
from portal.permissions import Permission, permission_required
from portal.services import categories, routing, units


@bp.get("/routing")
@permission_required(Permission.SITE_ROUTING_EDIT)
def routing_index():
    """Every category × area and the unit that handles it."""
    return render_template(
        "admin/routing/index.html",
        categories=categories.list_categories(),
        areas=units.list_areas(),
        rules=routing.load_rules(),
    )


@bp.route("/routing/<code>/<int:area_number>", methods=["GET", "POST"])
@permission_required(Permission.SITE_ROUTING_EDIT)
def routing_edit(code, area_number):
    """Point one (category, area) at a unit."""
    category, area = categories.get_category(code), units.get_area(area_number)
    form = RuleForm()
    form.unit.choices = choices((u.id, u.label) for u in units.list_units() if u.handles_reports)
    if form.validate_on_submit():
        try:
            routing.set_rule(category, area, units.get_unit(form.unit.data))
            db.session.commit()
            flash(
                _(
                    "The rule was saved. New reports follow it; existing reports stay where they are."
                ),
                "info",
            )
            return redirect(url_for("admin.routing_index"))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    rule = routing.load_rules(category).get((category.id, area.id))
    if rule and not form.is_submitted():
        form.unit.data = rule.unit_id
    return render_template(
        "admin/routing/edit.html", form=form, category=category, area=area, rule=rule
    )
