"""The unit's disclosures: the list, drafting, the manage page with its actions, observations and attachments."""

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.console import bp
from portal.console import disclosure_forms as forms
from portal.console.actions import perform
from portal.console.drafts import DraftPages, file_forms, offer_areas_and_tasks, page_forms
from portal.forms import choices
from portal.models import DisclosureState
from portal.permissions import Permission, permission_required
from portal.rendering import render_markdown
from portal.services import disclosures, policy
from portal.templating import category_name

# --- drafting ------------------------------------------------------------------------------------


def _draft_form(disclosure=None):
    """The drafting form with its choices, filled from `disclosure` until the user submits it."""
    data = None
    if disclosure is not None:
        data = {
            "version": disclosure.version,
            "category": disclosure.category_id,
            "title": disclosure.title,
            "body": disclosure.body,
            "area": disclosure.area.number,
            "published_on": disclosure.published_on,
            "tasks": [t.id for t in disclosure.tasks],
        }
    form = forms.DisclosureForm(data=data)
    offered = list(disclosures.list_categories(active_only=True))
    if disclosure is not None and disclosure.category not in offered:
        offered.append(disclosure.category)  # a retired category stays on the drafts that have it
    form.category.choices = choices((c.id, category_name(c)) for c in offered)
    return offer_areas_and_tasks(form)


def _draft_values(form):
    """The service's keyword arguments from a submitted drafting form."""
    return {
        "category": form.category.data,
        "title": form.title.data,
        "body": form.body.data or "",
        "area": form.area.data,
        "task_ids": form.tasks.data or [],
        "published_on": form.published_on.data,
    }


# --- the manage page -----------------------------------------------------------------------------


def _observations_form(disclosure, formdata=None):
    """The observations editor: saved rows, then BLANK_ROWS empty ones; `formdata` for a submitted form."""
    rows = [
        {
            "goal": str(o.goal_id),
            "year": str(o.year),
            "value": disclosures.value_text(o.value),
            "source": o.source,
        }
        for o in disclosures.observation_table(disclosure)
    ]
    data = {"version": disclosure.version, "observations": rows + [{}] * forms.BLANK_ROWS}
    form = forms.ObservationsForm(formdata=formdata, data=None if formdata else data)
    goal_choices = [("", _("Choose an indicator"))] + [
        (str(i.id), i.name) for i in policy.list_goals()
    ]
    for row in form.observations:
        row.goal.choices = choices(goal_choices)
    return form


def _page_forms(disclosure, bound):
    """Every form of the manage page: the one the user just submitted (with its errors), fresh ones otherwise."""
    version = disclosure.version
    return page_forms(
        {
            "publish": lambda: forms.PublishForm(formdata=None, version=version),
            "revise": lambda: forms.ReviseForm(
                formdata=None, version=version, title=disclosure.title, body=disclosure.body
            ),
            "withdraw": lambda: forms.WithdrawForm(formdata=None, version=version),
            "observations": lambda: _observations_form(disclosure),
            **file_forms(),
        },
        bound,
    )


def render_manage_page(disclosure, status=200, **bound):
    """The manage page of `disclosure`; `bound` holds a submitted form to show again with its errors."""
    return render_template(
        "console/disclosures/show.html",
        disclosure=disclosure,
        forms=_page_forms(disclosure, bound),
        manage=disclosures.POLICY.may_manage(current_user, disclosure),
        body=render_markdown(disclosure.body),
        observations=disclosures.observation_table(disclosure),
        state_label=disclosures.state_label,
        category_label=category_name,
        observation_text=disclosures.observation_text,
        DisclosureState=DisclosureState,
        DisclosureChange=disclosures.Change,
    ), status


# action: (form, perform(disclosure, form) → result, message(disclosure, result) after the commit)
ACTIONS = {
    "publish": (
        forms.PublishForm,
        lambda d, f: disclosures.publish(
            current_user, d, tz=current_app.config["BABEL_DEFAULT_TIMEZONE"], version=f.version.data
        ),
        lambda d, _r: _("Published as version 1. It is on the public list now."),
    ),
    "revise": (
        forms.ReviseForm,
        lambda d, f: disclosures.revise(
            current_user, d, f.title.data, f.body.data, f.note.data, version=f.version.data
        ),
        lambda d, _r: _("Version %(n)s is published with your note.", n=len(d.versions)),
    ),
    "withdraw": (
        forms.WithdrawForm,
        lambda d, f: disclosures.withdraw(current_user, d, f.reason.data, version=f.version.data),
        lambda d, _r: _(
            "Withdrawn. The reason is shown on the disclosure's page, which keeps its versions."
        ),
    ),
}


def _confirmation(action, disclosure, form, _result):
    return PAGES.confirmation_page(action, disclosure, form, category_label=category_name)


PAGES = DraftPages(
    kind="disclosure",
    service=disclosures,
    draft_form=_draft_form,
    values=_draft_values,
    create=disclosures.create_draft,
    manage_page=render_manage_page,
    actions=ACTIONS,
    confirmation=_confirmation,
    list_values=lambda page: {
        "counts": disclosures.version_counts(page.items),
        "category_label": category_name,
    },
)
PAGES.register(bp, Permission.DISCLOSURES_MANAGE)


@bp.post("/disclosures/<int:disclosure_id>/observations")
@permission_required(Permission.DISCLOSURES_MANAGE)
def disclosures_observations(disclosure_id):
    """Replace the goal observations of a statistics draft with the rows of the editor."""
    disclosure = disclosures.POLICY.get_for_unit(current_user, disclosure_id)
    form = _observations_form(disclosure, request.form)
    rows = [disclosures.ObservationInput(**row.data) for row in form.observations]
    return perform(
        form,
        lambda: disclosures.replace_observations(
            current_user, disclosure, rows, version=form.version.data
        ),
        lambda saved: _("%(n)s observations saved.", n=len(saved)),
        lambda saved: PAGES.show(disclosure, "#observations" if saved is not None else ""),
        lambda: render_manage_page(disclosure, 400, observations=form),
        PAGES.changed,
    )
