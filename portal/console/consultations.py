"""The unit's consultations: the list, drafting, the manage page with its actions, and attachments."""

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user

from portal.console import bp
from portal.console import consultation_forms as forms
from portal.console.drafts import DraftPages, file_forms, offer_areas_and_tasks, page_forms
from portal.forms import choices
from portal.models import CommentState, ConsultationKind, ConsultationState, RegistrationStatus
from portal.permissions import Permission
from portal.services import comments, consultations, participation

# Enums the templates compare with, instead of bare strings.
ENUMS = {
    "ConsultationKind": ConsultationKind,
    "ConsultationState": ConsultationState,
    "CommentState": CommentState,
    "RegistrationStatus": RegistrationStatus,
}


# --- drafting ------------------------------------------------------------------------------------


def _draft_form(consultation=None):
    """The drafting form with its choices, filled from `consultation` until the user submits it."""
    data = None
    if consultation is not None:
        data = {
            "version": consultation.version,
            "kind": consultation.kind.value,
            "title": consultation.title,
            "summary": consultation.summary,
            "area": consultation.area.number,
            "body_text": "\n\n".join(p.text for p in consultation.paragraphs),
            "tasks": [t.id for t in consultation.tasks],
            "project": str(consultation.project_id or ""),
            "stage": consultation.stage.value if consultation.stage else "",
            **{name: getattr(consultation, name) for name in consultations.EIA_TEXT_FIELDS},
        }
    form = offer_areas_and_tasks(forms.ConsultationForm(data=data))
    projects = consultations.unit_projects(current_user.unit)
    if consultation is not None and consultation.project and consultation.project not in projects:
        projects.append(consultation.project)  # a project another unit started keeps its place here
    form.projects = {str(p.id): p for p in projects}
    form.project.choices = choices(
        [
            ("", _("Not part of a construction project")),
            (forms.NEW_PROJECT, _("A new project (give its name below)")),
        ]
        + [(key, p.name) for key, p in form.projects.items()]
    )
    return form


def _project(form):
    """The chosen project; a new one is created for the user's unit."""
    if form.project.data == forms.NEW_PROJECT:
        return consultations.create_project(
            current_user.unit,
            form.name.data,
            form.area.data,
            location=form.location.data,
            developer=form.developer.data,
            created_by=current_user,
        )
    return form.projects.get(form.project.data)


def _draft_values(form):
    """The service's keyword arguments from a submitted drafting form."""
    return {
        "kind": form.kind.data,
        "title": form.title.data,
        "summary": form.summary.data or "",
        "body_text": form.body_text.data,
        "area": form.area.data,
        "task_ids": form.tasks.data or [],
        "project": _project(form),
        "stage": form.stage.data or None,
        **{name: form[name].data or "" for name in consultations.EIA_TEXT_FIELDS},
    }


# --- the manage page -----------------------------------------------------------------------------


def _page_forms(consultation, bound):
    """Every form of the manage page: the one the user just submitted (with its errors), fresh ones otherwise."""
    version = consultation.version
    return page_forms(
        {
            "publish": lambda: forms.PublishForm(
                formdata=None,
                version=version,
                opens_on=consultation.opens_on,
                closes_on=consultation.closes_on,
            ),
            "extend": lambda: forms.ExtendForm(formdata=None, version=version),
            "withdraw": lambda: forms.WithdrawForm(formdata=None, version=version),
            "statement": lambda: forms.StatementForm(formdata=None, version=version),
            **file_forms(),
            "hearing": lambda: forms.HearingForm(formdata=None),
        },
        bound,
    )


def render_manage_page(consultation, status=200, **bound):
    """The manage page of `consultation`; `bound` holds a submitted form to show again with its errors."""
    statement = None
    if consultation.state in (ConsultationState.CLOSED, ConsultationState.ANSWERED):
        statement = participation.participation_statement(consultation)
    waiting = sum(1 for c in consultation.comments if c.state in consultations.AWAITING_MODERATION)
    return render_template(
        "console/consultations/show.html",
        consultation=consultation,
        forms=_page_forms(consultation, bound),
        manage=consultations.POLICY.may_manage(current_user, consultation),
        statement=statement,
        missing=consultations.missing_eia_items(consultation),
        waiting=waiting,
        undecided=sum(
            1
            for c in consultation.comments
            if c.state is CommentState.PUBLISHED and c.decision is None
        ),
        kind_label=consultations.kind_label,
        stage_label=consultations.stage_label,
        state_label=consultations.state_label,
        decision_label=comments.decision_label,
        **ENUMS,
    ), status


def _published(consultation, count):
    message = _(
        "Published. Comments are open from %(start)s to %(end)s: %(n)s working days.",
        start=consultation.opens_on.isoformat(),
        end=consultation.closes_on.isoformat(),
        n=count.working_days,
    )
    if count.uncovered_years:
        message += " " + _(
            "The official holidays of %(years)s are not known yet: the count assumed Monday to "
            "Friday.",
            years=", ".join(map(str, count.uncovered_years)),
        )
    return message


# action: (form, perform(consultation, form) → result, message(consultation, result) after the commit)
ACTIONS = {
    "publish": (
        forms.PublishForm,
        lambda c, f: consultations.publish(
            current_user,
            c,
            f.opens_on.data,
            f.closes_on.data,
            current_app.config,
            version=f.version.data,
        ),
        _published,
    ),
    "extend": (
        forms.ExtendForm,
        lambda c, f: consultations.extend(
            current_user, c, f.closes_on.data, version=f.version.data
        ),
        lambda c, _r: _(
            "Extended: comments are now open until %(date)s.", date=c.closes_on.isoformat()
        ),
    ),
    "withdraw": (
        forms.WithdrawForm,
        lambda c, f: consultations.withdraw(current_user, c, f.reason.data, version=f.version.data),
        lambda c, _r: _("Withdrawn. The reason is shown with the consultation."),
    ),
    "statement": (
        forms.StatementForm,
        lambda c, f: consultations.publish_statement(
            current_user, c, f.statement.data, version=f.version.data
        ),
        lambda c, _r: _("The participation statement is published."),
    ),
}


def _confirmation(action, consultation, form, result):
    return PAGES.confirmation_page(
        action, consultation, form, count=result if action == "publish" else None
    )


PAGES = DraftPages(
    kind="consultation",
    service=consultations,
    draft_form=_draft_form,
    values=_draft_values,
    create=consultations.create_consultation,
    manage_page=render_manage_page,
    actions=ACTIONS,
    confirmation=_confirmation,
    list_values=lambda _page: {"kind_label": consultations.kind_label},
)
# The hearing and comment pages of a consultation say the same.
changed_message = PAGES.changed
PAGES.register(bp, Permission.CONSULTATIONS_MANAGE)
