"""Comments in the console: the unit's moderation queue, a consultation's comments, moderation, decisions,
and the audited reveal of a commenter's contact details."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.console import bp
from portal.console import consultation_forms as forms
from portal.console.actions import perform, prefixed
from portal.console.consultations import ENUMS, changed_message
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error
from portal.permissions import Permission, permission_required
from portal.services import comments, consultations


@bp.context_processor
def moderation_count():
    """`awaiting_moderation()` for console templates: how many comments wait in the user's unit's queue."""
    # A function, so that only the pages that show the number run the query.
    return {"awaiting_moderation": lambda: len(comments.moderation_queue(current_user))}


def _comment_forms(back, **bound):
    """The forms shown on each comment (one instance per kind: ids are made unique in the template)."""
    fresh = {
        "publish": forms.PublishCommentForm,
        "hide": forms.HideCommentForm,
        "review": forms.ReviewForm,
        "decide": forms.DecideForm,
        "contact": forms.ContactForm,
    }
    return {name: bound.get(name) or make(formdata=None, back=back) for name, make in fresh.items()}


def _forms_for(back, failed):
    """`forms_for(comment)` for the templates: fresh forms, but on the comment of `failed` (comment id, action, form
    submitted with errors) that form, its ids made as the comment's card writes them (c<id>-<action>-<field>)."""
    fresh = _comment_forms(back)
    if failed is None:
        return lambda comment: fresh
    comment_id, action, form = failed
    with_errors = _comment_forms(back, **{action: prefixed(form, f"c{comment_id}-{action}")})
    return lambda comment: with_errors if comment.id == comment_id else fresh


def _labels():
    return {"state_label": comments.state_label, "decision_label": comments.decision_label, **ENUMS}


@bp.get("/comments")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def comments_index():
    """The unit's moderation queue: new comments, then those hidden after flags; optionally of one consultation."""
    chosen = request.args.get("consultation") or None
    return render_queue(consultations.POLICY.get_for_unit(current_user, chosen) if chosen else None)


def render_queue(consultation=None, status=200, failed=None):
    """The moderation queue, of one consultation or of all the unit's; `failed` as for `_forms_for`."""
    queue = comments.moderation_queue(current_user, consultation)
    options = [
        row.consultation
        for row in consultations.console_list(current_user, per_page=200).items
        if row.consultation.unit_id == current_user.unit_id
    ]
    return render_template(
        "console/comments/index.html",
        queue=queue,
        consultation=consultation,
        options=options,
        forms_for=_forms_for("queue", failed),
        **_labels(),
    ), status


def render_comments(consultation, status=200, revealed=None, bulk=None, failed=None):
    """A consultation's comments tab; `revealed` is (comment id, CommentContact or None) after a reveal request,
    `bulk` the shared-decision form and `failed` a comment's form (see `_forms_for`) submitted with errors."""
    return render_template(
        "console/comments/consultation.html",
        consultation=consultation,
        forms_for=_forms_for("consultation", failed),
        bulk=prefixed(bulk or forms.BulkDecideForm(formdata=None), "bulk"),
        revealed=revealed,
        manage=consultations.POLICY.may_manage(current_user, consultation),
        may_read_contact=lambda comment: comments.may_read_contact(current_user, comment),
        **_labels(),
    ), status


@bp.get("/consultations/<int:consultation_id>/comments")
@permission_required(Permission.CONSOLE_VIEW)
def consultation_comments(consultation_id):
    """Every comment of a consultation with its state, paragraph and decision, and the actions on it."""
    return render_comments(consultations.POLICY.get_for_unit(current_user, consultation_id))


# action: (form, perform(comment, form), message(comment) after the commit)
ACTIONS = {
    "publish": (
        forms.PublishCommentForm,
        lambda c, f: comments.publish_comment(current_user, c),
        lambda c: _("Comment %(id)s published: it is shown with the consultation.", id=c.id),
    ),
    "hide": (
        forms.HideCommentForm,
        lambda c, f: comments.hide_comment(current_user, c, f.reason.data),
        lambda c: _("Comment %(id)s hidden, with your reason.", id=c.id),
    ),
    "review": (
        forms.ReviewForm,
        lambda c, f: comments.review_flagged(
            current_user, c, bool(f.keep.data), f.reason.data or ""
        ),
        lambda c: _(
            "Comment %(id)s reviewed: %(state)s.", id=c.id, state=comments.state_label(c.state)
        ),
    ),
    "decide": (
        forms.DecideForm,
        lambda c, f: comments.decide(current_user, c, f.decision.data, f.reason.data or ""),
        lambda c: _(
            "Comment %(id)s answered: %(decision)s.",
            id=c.id,
            decision=comments.decision_label(c.decision),
        ),
    ),
}


@bp.post("/comments/<int:comment_id>/<any(publish, hide, review, decide):action>")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def comments_act(comment_id, action):
    """Moderate or answer one comment, then go back to the list it was done from; bad input is shown on the comment's
    form in that list, a refusal as a message."""
    comment = comments.get_for_unit(current_user, comment_id)
    form_class, call, done = ACTIONS[action]
    form = form_class()
    try:
        if form.validate_on_submit():
            call(comment, form)
            db.session.commit()
            flash(done(comment), "info")
            return _back(comment, form.back.data)
    except ValidationFailed as error:
        db.session.rollback()
        attach_error(form, error)
    except Conflict as error:
        db.session.rollback()
        flash(_("Comment %(id)s: %(message)s", id=comment.id, message=error.message), "error")
        return _back(comment, form.back.data)
    if form.back.data == "queue":
        return render_queue(status=400, failed=(comment.id, action, form))
    return render_comments(comment.consultation, 400, failed=(comment.id, action, form))


def _back(comment, back):
    if back == "queue":
        return redirect(url_for("console.comments_index"))
    return redirect(
        url_for("console.consultation_comments", consultation_id=comment.consultation_id)
        + f"#comment-{comment.id}"
    )


@bp.post("/consultations/<int:consultation_id>/comments/decide")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def comments_decide_many(consultation_id):
    """One decision and one shared explanation for the chosen comments (all or none)."""
    consultation = consultations.POLICY.get_for_unit(current_user, consultation_id)
    form = forms.BulkDecideForm()
    chosen = [c for c in consultation.comments if c.id in set(form.comment_ids.data or ())]
    return perform(
        form,
        lambda: comments.decide_many(
            current_user, chosen, form.decision.data, form.reason.data or ""
        ),
        lambda _result: ngettext(
            "Decision recorded for %(num)s comment.",
            "Decision recorded for %(num)s comments.",
            len(chosen),
        ),
        lambda _result: redirect(
            url_for("console.consultation_comments", consultation_id=consultation.id)
        ),
        lambda: render_comments(consultation, 400, bulk=form),
        changed_message,
    )


@bp.post("/comments/<int:comment_id>/contact")
@permission_required(Permission.CONSOLE_VIEW)
def comments_contact(comment_id):
    """Show a commenter's phone and email on this response only; the read and its purpose are audited."""
    comment = comments.get_for_unit(current_user, comment_id)
    if not comments.may_read_contact(current_user, comment):
        abort(403)
    form = forms.ContactForm()
    try:
        if form.validate_on_submit():
            contact = comments.read_contact(current_user, comment, form.purpose.data)
            db.session.commit()
            return render_comments(comment.consultation, revealed=(comment.id, contact))
    except ValidationFailed as error:
        db.session.rollback()
        attach_error(form, error)
    return render_comments(comment.consultation, 400, failed=(comment.id, "contact", form))
