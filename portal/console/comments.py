"""Comments in the console: the unit's moderation queue, a consultation's comments, moderation, decisions,
and the audited reveal of a commenter's contact details."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.console import bp
from portal.console import consultation_forms as forms
from portal.console.actions import perform
from portal.console.consultations import ENUMS, changed_message
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.permissions import Permission, permission_required
from portal.public.reports import private
from portal.services import comments, consultations


@bp.context_processor
def moderation_count():
    """`awaiting_moderation()` for console templates: how many comments wait in the user's unit's queue."""
    # A function, so that only the pages that show the number run the query.
    return {"awaiting_moderation": lambda: len(comments.moderation_queue(current_user))}


def _comment_forms(back, **bound):
    """The forms shown on each comment (one instance per kind: ids are made unique in the template)."""
    fresh = {"publish": forms.PublishCommentForm, "hide": forms.HideCommentForm, "review": forms.ReviewForm,
             "decide": forms.DecideForm, "contact": forms.ContactForm}
    return {name: bound.get(name) or make(formdata=None, back=back) for name, make in fresh.items()}


def _labels():
    return {"state_label": comments.state_label, "decision_label": comments.decision_label, **ENUMS}


@bp.get("/comments")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def comments_index():
    """The unit's moderation queue: new comments, then those hidden after flags; optionally of one consultation."""
    chosen = request.args.get("consultation", type=int)
    consultation = consultations.get_for_unit(current_user, chosen) if chosen else None
    queue = comments.moderation_queue(current_user, consultation)
    options = [row.consultation for row in consultations.console_list(current_user, per_page=200).items
               if row.consultation.unit_id == current_user.unit_id]
    return render_template("console/comments/index.html", queue=queue, consultation=consultation, options=options,
                           forms=_comment_forms("queue"), **_labels())


def render_comments(consultation, status=200, revealed=None, **bound):
    """A consultation's comments tab; `revealed` is (comment id, CommentContact or None) after a reveal request."""
    bulk = bound.pop("bulk", None) or forms.BulkDecideForm(formdata=None)
    return render_template(
        "console/comments/consultation.html", consultation=consultation, forms=_comment_forms("consultation", **bound),
        bulk=bulk, revealed=revealed, manage=consultations.may_manage(current_user, consultation),
        may_read_contact=lambda comment: comments.may_read_contact(current_user, comment), **_labels(),
    ), status


@bp.get("/consultations/<int:consultation_id>/comments")
@permission_required(Permission.CONSOLE_VIEW)
def consultation_comments(consultation_id):
    """Every comment of a consultation with its state, paragraph and decision, and the actions on it."""
    return render_comments(consultations.get_for_unit(current_user, consultation_id))


# action: (form, perform(comment, form), message after the commit)
ACTIONS = {
    "publish": (forms.PublishCommentForm, lambda c, f: comments.publish_comment(current_user, c),
                lambda: _("Comment published.")),
    "hide": (forms.HideCommentForm, lambda c, f: comments.hide_comment(current_user, c, f.reason.data),
             lambda: _("Comment hidden.")),
    "review": (forms.ReviewForm, lambda c, f: comments.review_flagged(current_user, c, bool(f.keep.data),
                                                                      f.reason.data or ""),
               lambda: _("Review recorded.")),
    "decide": (forms.DecideForm, lambda c, f: comments.decide(current_user, c, f.decision.data, f.reason.data or ""),
               lambda: _("Decision recorded.")),
}


@bp.post("/comments/<int:comment_id>/<any(publish, hide, review, decide):action>")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def comments_act(comment_id, action):
    """Moderate or answer one comment, then go back to the list it was done from."""
    comment = comments.get_for_unit(current_user, comment_id)
    form_class, perform, done = ACTIONS[action]
    form = form_class()
    try:
        if not form.validate_on_submit():
            raise ValidationFailed(forms.error_text(form))
        perform(comment, form)
        db.session.commit()
        flash(done(), "info")
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        flash(_("Comment %(id)s: %(message)s", id=comment.id, message=error.message), "error")
    if form.back.data == "queue":
        return redirect(url_for("console.comments_index"))
    return redirect(url_for("console.consultation_comments", consultation_id=comment.consultation_id)
                    + f"#comment-{comment.id}")


@bp.post("/consultations/<int:consultation_id>/comments/decide")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def comments_decide_many(consultation_id):
    """One decision and one shared explanation for the chosen comments (all or none)."""
    consultation = consultations.get_for_unit(current_user, consultation_id)
    form = forms.BulkDecideForm()
    chosen = [c for c in consultation.comments if c.id in set(form.comment_ids.data or ())]
    return perform(form, lambda: comments.decide_many(current_user, chosen, form.decision.data, form.reason.data or ""),
                   lambda _result: ngettext("Decision recorded for %(num)s comment.",
                                            "Decision recorded for %(num)s comments.", len(chosen)),
                   lambda _result: redirect(url_for("console.consultation_comments", consultation_id=consultation.id)),
                   lambda: render_comments(consultation, 400, bulk=form), changed_message)


@bp.post("/comments/<int:comment_id>/contact")
@permission_required(Permission.CONSOLE_VIEW)
def comments_contact(comment_id):
    """Show a commenter's phone and email on this response only; the read and its purpose are audited."""
    comment = comments.get_for_unit(current_user, comment_id)
    if not comments.may_read_contact(current_user, comment):
        abort(403)
    form = forms.ContactForm()
    try:
        if not form.validate_on_submit():
            raise ValidationFailed(forms.error_text(form))
        contact = comments.read_contact(current_user, comment, form.purpose.data)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        flash(_("Comment %(id)s: %(message)s", id=comment.id, message=error.message), "error")
        return redirect(url_for("console.consultation_comments", consultation_id=comment.consultation_id)
                        + f"#comment-{comment.id}")
    return private(*render_comments(comment.consultation, revealed=(comment.id, contact)))
