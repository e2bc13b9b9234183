"""Editing the disclosure categories: rename, reorder, retire or offer again, and add new ones."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.admin import bp
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import Form, attach_error
from portal.permissions import Permission, permission_required
from portal.services import disclosures
from portal.templating import category_name


class CategoryNamesForm(Form):
    """A category's Chinese and English names."""

    names = {
        "name_zh": _l("the Chinese name"),
        "name_en": _l("the English name"),
        "code": _l("the code"),
    }

    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Save names"))


class NewCategoryForm(CategoryNamesForm):
    """A new category: its permanent code, names, and whether it carries goal observations."""

    code = StringField(
        _l("Code (used in addresses and feeds; cannot be changed)"),
        validators=[DataRequired(), Length(max=40)],
    )
    takes_observations = BooleanField(_l("Carries goal observations (like 统计数据)"))
    submit = SubmitField(_l("Add the category"))


class CategoryActionForm(Form):
    """A button (move, retire, offer again) with CSRF protection."""

    submit = SubmitField(_l("Apply"))


# action: (service call, message)
ACTIONS = {
    "up": (
        lambda c: disclosures.move_category(c, -1),
        lambda c: _("%(name)s moved up.", name=category_name(c)),
    ),
    "down": (
        lambda c: disclosures.move_category(c, 1),
        lambda c: _("%(name)s moved down.", name=category_name(c)),
    ),
    "retire": (
        lambda c: disclosures.set_category_active(c, False),
        lambda c: _(
            "%(name)s is retired: its disclosures keep it, new ones cannot use it.",
            name=category_name(c),
        ),
    ),
    "reactivate": (
        lambda c: disclosures.set_category_active(c, True),
        lambda c: _("%(name)s is offered again.", name=category_name(c)),
    ),
}


def _index(form, status=200):
    return render_template(
        "admin/disclosure_categories/index.html",
        categories=disclosures.list_categories(),
        form=form,
        action_form=CategoryActionForm(),
    ), status


@bp.get("/disclosure-categories")
@permission_required(Permission.SITE_DISCLOSURE_CATEGORIES_EDIT)
def disclosure_categories_index():
    """The categories in order, with their actions and a form to add one."""
    return _index(NewCategoryForm(formdata=None))


@bp.post("/disclosure-categories")
@permission_required(Permission.SITE_DISCLOSURE_CATEGORIES_EDIT)
def disclosure_categories_create():
    """Add a category at the end of the list."""
    form = NewCategoryForm()
    if form.validate_on_submit():
        try:
            category = disclosures.create_category(
                form.code.data, form.name_zh.data, form.name_en.data, form.takes_observations.data
            )
            db.session.commit()
            flash(
                _("%(name)s was added at the end of the list.", name=category_name(category)),
                "info",
            )
            return redirect(url_for("admin.disclosure_categories_index"))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _index(form, 400)


@bp.route("/disclosure-categories/<int:category_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.SITE_DISCLOSURE_CATEGORIES_EDIT)
def disclosure_categories_edit(category_id):
    """Rename a category; its code, and so its addresses, stay."""
    category = disclosures.get_category(category_id)
    form = CategoryNamesForm(data={"name_zh": category.name_zh, "name_en": category.name_en})
    if form.validate_on_submit():
        try:
            disclosures.rename_category(category, form.name_zh.data, form.name_en.data)
            db.session.commit()
            flash(_("The names were saved."), "info")
            return redirect(url_for("admin.disclosure_categories_index"))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return render_template(
        "admin/disclosure_categories/edit.html", form=form, category=category
    ), 400 if form.errors else 200


@bp.post("/disclosure-categories/<int:category_id>/<any(up, down, retire, reactivate):action>")
@permission_required(Permission.SITE_DISCLOSURE_CATEGORIES_EDIT)
def disclosure_categories_act(category_id, action):
    """Move a category up or down, retire it, or offer it again."""
    category = disclosures.get_category(category_id)
    perform, done = ACTIONS[action]
    if CategoryActionForm().validate_on_submit():
        perform(category)
        db.session.commit()
        flash(done(category), "info")
    else:
        flash(_("The form has expired. Please reload the page and try again."), "error")
    return redirect(url_for("admin.disclosure_categories_index"))
