"""Subscriptions: anyone follows consultations (area or unit), reports (area and/or category) or one report by email."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, choices
from portal.models import SubscriptionTopic
from portal.public import bp
from portal.public.subscription_forms import (
    ConfirmForm,
    ReportsSubscriptionForm,
    ReportSubscriptionForm,
    SubscriptionForm,
    UnsubscribeForm,
)
from portal.services import categories, subscriptions, supervision, units
from portal.templating import category_name


def _subscription_form():
    # On GET the query string preselects (?area=6 or ?unit=12); on POST the form data wins.
    form = SubscriptionForm(area=request.args.get("area", ""), unit=request.args.get("unit", ""))
    form.area.choices = choices(
        [("", _("— no area —"))] + [(str(a.number), a.label) for a in units.list_areas()]
    )
    form.unit.choices = choices(
        [("", _("— no unit —"))]
        + [(str(u.id), u.label) for u in units.list_units() if u.handles_reports]
    )
    return form


@bp.route("/subscriptions/new", methods=["GET", "POST"])
def subscriptions_new():
    """Subscribe by email to new consultations and hearings of an area or a unit."""
    form = _subscription_form()
    if form.validate_on_submit():
        try:
            subscriptions.subscribe(
                form.email.data,
                form.area.data,
                form.unit.data,
                current_app.config,
                client=request.remote_addr,
            )
            db.session.commit()
            return redirect(url_for("public.subscriptions_sent"))
        except ValidationFailed as error:
            attach_error(form, error)
    return render_template("public/subscriptions/new.html", form=form), 400 if form.errors else 200


@bp.get("/subscriptions/sent")
def subscriptions_sent():
    """Check your mailbox: the same page whether or not the address was subscribed before."""
    return render_template("public/subscriptions/sent.html", days=subscriptions.CONFIRMATION_DAYS)


@bp.route("/subscriptions/confirm/<token>", methods=["GET", "POST"])
def subscriptions_confirm(token):
    """The confirmation link: a button that confirms (a mail scanner's GET confirms nothing), then the result."""
    form = ConfirmForm()
    if form.validate_on_submit():
        subscriptions.confirm(token)
        db.session.commit()
        return redirect(url_for("public.subscriptions_confirm", token=token))
    subscription = subscriptions.find_for_confirmation(token)
    return render_template(
        "public/subscriptions/confirm.html",
        form=form,
        subscription=subscription,
        target=subscriptions.target_label(subscription),
    ), 400 if form.errors else 200


@bp.route("/subscriptions/unsubscribe/<token>", methods=["GET", "POST"])
def subscriptions_unsubscribe(token):
    """One-click unsubscribe: the link shows one button; pressing it deletes the subscription."""
    form = UnsubscribeForm()
    if form.validate_on_submit():
        target = subscriptions.unsubscribe(token)
        db.session.commit()
        flash(_("You will no longer receive notices about %(target)s.", target=target), "info")
        return redirect(url_for("public.subscriptions_unsubscribed"))
    subscription = subscriptions.find(token)
    return render_template(
        "public/subscriptions/unsubscribe.html",
        form=form,
        subscription=subscription,
        target=subscriptions.target_label(subscription),
    ), 400 if form.errors else 200


@bp.get("/subscriptions/unsubscribed")
def subscriptions_unsubscribed():
    """The page after unsubscribing."""
    return render_template("public/subscriptions/unsubscribed.html")


def _reports_subscription_form():
    # On GET the query string preselects (?area=8&category=water); on POST the form data wins.
    form = ReportsSubscriptionForm(
        area=request.args.get("area", ""), category=request.args.get("category", "")
    )
    form.area.choices = choices(
        [("", _("— any area —"))] + [(str(a.number), a.label) for a in units.list_areas()]
    )
    form.category.choices = choices(
        [("", _("— any category —"))]
        + [(c.code, category_name(c)) for c in categories.list_categories()]
    )
    return form


@bp.route("/subscriptions/reports/new", methods=["GET", "POST"])
def subscriptions_reports_new():
    """Follow by email the reports of an area and/or a category: new reports, acceptance, closure."""
    form = _reports_subscription_form()
    if form.validate_on_submit():
        try:
            subscriptions.subscribe(
                form.email.data,
                form.area.data,
                config=current_app.config,
                client=request.remote_addr,
                topic=SubscriptionTopic.REPORTS,
                category=form.category.data,
                digest=form.digest.data == "daily",
            )
            db.session.commit()
            return redirect(url_for("public.subscriptions_sent"))
        except ValidationFailed as error:
            attach_error(form, error)
    feed = {
        name: getattr(form, name).data for name in ("area", "category") if getattr(form, name).data
    }
    return render_template(
        "public/subscriptions/reports.html", form=form, feed=feed
    ), 400 if form.errors else 200


@bp.route("/subscriptions/reports/<reference>/new", methods=["GET", "POST"])
def subscriptions_report_new(reference):
    """Follow one report by email: its acceptance, transfer, replies, extension, closure and reopening."""
    report, form = supervision.get_public(reference), ReportSubscriptionForm()
    if form.validate_on_submit():
        try:
            subscriptions.subscribe(
                form.email.data,
                config=current_app.config,
                client=request.remote_addr,
                topic=SubscriptionTopic.REPORT,
                report=report,
                digest=form.digest.data == "daily",
            )
            db.session.commit()
            return redirect(url_for("public.subscriptions_sent"))
        except ValidationFailed as error:
            attach_error(form, error)
    return render_template(
        "public/subscriptions/report.html", form=form, report=report
    ), 400 if form.errors else 200
