"""Consultations (意见征集) for residents: the list, a consultation with its comments, commenting,
flagging, and the participation statement (公众参与说明)."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error
from portal.models import ConsultationKind, ConsultationState, ProjectStage, RegistrationStatus
from portal.models.types import utcnow
from portal.proxy import client_key
from portal.public import bp
from portal.public.consultation_forms import CommentForm, FlagForm
from portal.services import clocks, comments, consultations, hearings, participation, policy


def _filter_options():
    return {
        "states": [(s.value, consultations.state_label(s)) for s in consultations.PUBLIC_STATES],
        "kinds": [(k.value, consultations.kind_label(k)) for k in ConsultationKind],
        "stages": [(s.value, consultations.stage_label(s)) for s in ProjectStage],
        "areas": policy.filter_choices()["areas"],
        "units": policy.filter_choices()["units"],
    }


@bp.get("/consultations")
def consultations_index():
    """Published consultations, newest first, filtered by state, unit, area, kind and stage."""
    filters = {name: request.args.get(name, "") for name in consultations.PUBLIC_FILTERS}
    page = consultations.list_public(
        filters, request.args.get("page"), current_app.config["PER_PAGE"]
    )
    counts = comments.public_comment_counts([c.id for c in page.items])
    return render_template(
        "public/consultations/index.html",
        page=page,
        filters=filters,
        options=_filter_options(),
        counts=counts,
    )


def closed_note(consultation, today):
    """Why the comment form is not offered ('' while comments are accepted)."""
    if consultations.is_open_for_comments(consultation):
        return ""
    if consultation.state is ConsultationState.WITHDRAWN:
        return _("This consultation was withdrawn; comments are no longer accepted.")
    if consultation.state is ConsultationState.OPEN and today < consultation.opens_on:
        return _(
            "Comments are not accepted yet: this consultation opens on %(date)s.",
            date=consultation.opens_on.isoformat(),
        )
    return _(
        "Comments are no longer accepted: this consultation closed on %(date)s.",
        date=consultation.closes_on.isoformat(),
    )


def _show_page(consultation, form=None, status=200):
    if form is None:
        form = CommentForm(formdata=None, paragraph=request.args.get("paragraph", ""))
    form.offer_paragraphs(consultation.paragraphs)
    page = render_template(
        "public/consultations/show.html",
        consultation=consultation,
        form=form,
        flag_form=FlagForm(),
        comments=comments.public_comments(consultation),
        hearings=hearings.public_views(consultation.hearings),
        closed_note=closed_note(consultation, clocks.local_day(utcnow())),
    )
    return page, status


@bp.get("/consultations/<int:consultation_id>")
def consultations_show(consultation_id):
    """A published consultation: notice, document by paragraph, hearings, published comments, the form."""
    return _show_page(consultations.POLICY.get_public(consultation_id))


@bp.post("/consultations/<int:consultation_id>/comments")
def comments_create(consultation_id):
    """Submit a comment; it waits for moderation."""
    consultation = consultations.POLICY.get_public(consultation_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comments.submit_comment(
                consultation,
                form.body.data,
                form.author_name.data,
                form.phone.data,
                form.email.data,
                form.publish_name.data,
                form.paragraph.data or None,
                secret=current_app.config["SECRET_KEY"],
            )
            db.session.commit()
            return redirect(url_for("public.comments_received", consultation_id=consultation.id))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _show_page(consultation, form, 400)


@bp.get("/consultations/<int:consultation_id>/comments/received")
def comments_received(consultation_id):
    """The confirmation after commenting: moderation first, then the answer in the statement."""
    return render_template(
        "public/consultations/received.html",
        consultation=consultations.POLICY.get_public(consultation_id),
    )


@bp.post("/consultations/<int:consultation_id>/comments/<int:comment_id>/flag")
def comments_flag(consultation_id, comment_id):
    """Flag a published comment; after COMMENT_FLAG_LIMIT different clients it is hidden for review."""
    consultation = consultations.POLICY.get_public(consultation_id)
    comment = comments.get_on(consultation, comment_id)
    if FlagForm().validate_on_submit():
        comments.flag_comment(comment, client_key(), current_app.config)
        db.session.commit()
        flash(_("Thank you, the unit will review it."), "info")
    else:
        flash(_("The form had expired; please try again."), "error")
    return redirect(
        url_for(
            "public.consultations_show",
            consultation_id=consultation.id,
            _anchor=f"comment-{comment.id}",
        )
    )


@bp.get("/consultations/<int:consultation_id>/statement")
def statements_show(consultation_id):
    """The participation statement; `?print=1` a standalone document, `?download=1` the same as a file."""
    consultation = consultations.POLICY.get_public(consultation_id)
    if consultation.state is not ConsultationState.ANSWERED:
        raise NotFound(
            _("The participation statement of this consultation has not been published yet.")
        )
    statement = participation.participation_statement(consultation)
    download = request.args.get("download") == "1"
    template = (
        "statement_print.html" if download or request.args.get("print") == "1" else "statement.html"
    )
    page = render_template(
        f"public/consultations/{template}",
        consultation=consultation,
        statement=statement,
        download=download,
    )
    response = current_app.make_response(page)
    if download:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="statement-{consultation.id}.html"'
        )
    return response


@bp.context_processor
def consultation_labels():
    """The label helpers the consultation, hearing and project templates use for enums."""
    return {
        "kind_label": consultations.kind_label,
        "stage_label": consultations.stage_label,
        "state_label": consultations.state_label,
        "decision_label": comments.decision_label,
        "registration_status_label": hearings.status_label,
        "ConsultationKind": ConsultationKind,
        "ConsultationState": ConsultationState,
        "RegistrationStatus": RegistrationStatus,
    }
