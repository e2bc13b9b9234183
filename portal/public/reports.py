"""Residents: report pollution, follow a report, and the public supervision list."""

from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from portal import caching, numbers, slots
from portal.errors import TooManyRequests, ValidationFailed, with_retry_after
from portal.extensions import db
from portal.forms import attach_error, choices, read_files
from portal.i18n import current_language
from portal.models import IdentityVisibility
from portal.public import bp
from portal.public.report_forms import (
    AppealForm,
    InformationForm,
    RatingForm,
    ReportForm,
    SupportForm,
    TrackForm,
)
from portal.services import (
    evidence,
    handling,
    organisations,
    reference_data,
    reports,
    supervision,
    supporters,
)
from portal.services.reports import ReportInput
from portal.templating import category_name


def _report_form(known):
    form = ReportForm()
    form.category.choices, form.area.choices = _choices(known)
    if not form.submission_key.data:
        form.submission_key.data = reports.new_submission_key()
    return form


def report_input(form, **extra):
    """The report form's data (with `extra` fields, e.g. a logged report's channel) as a ReportInput."""
    observed = form.observed_at.data
    timezone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return ReportInput(
        **extra,
        submission_key=form.submission_key.data,
        category=form.category.data,
        area=form.area.data,
        place=form.place.data,
        description=form.description.data,
        observed_at=observed.replace(tzinfo=timezone) if observed else None,
        latitude=form.latitude.data or None,
        longitude=form.longitude.data or None,
        name=form.name.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        visibility=IdentityVisibility(
            form.visibility.data or IdentityVisibility.ADMINISTRATORS.value
        ),
        files=read_files(request.files.getlist(form.evidence.name), evidence.MAX_BYTES),
    )


@bp.route("/reports/new", methods=["GET", "POST"])
def reports_new():
    """The report form; on success the receipt, committed before it is shown."""
    if request.method == "GET" and _blank_form_applies():
        return _blank_form()
    # Categories and areas as this process keeps them (one small query says they still stand).
    known = reference_data.current()
    form = _report_form(known)
    if form.validate_on_submit():
        try:
            submission = reports.submit(
                report_input(form), current_app.config, client=request.remote_addr, known=known
            )
            db.session.commit()
            return slots.render_in_layout("public/reports/received.html", submission=submission)
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
        except TooManyRequests as error:
            db.session.rollback()
            # The form comes back as the resident typed it, with when they may send it at the top.
            form.form_errors.append(error.message)
            page = render_template(
                "public/reports/new.html", form=form, categories=known.categories
            )
            return with_retry_after((page, 429), error)
    status = 400 if form.errors else 200
    return render_template(
        "public/reports/new.html", form=form, categories=known.categories
    ), status


_CHOICES = "portal_report_form_choices"


def _choices(known):
    """(category options, area options) in the page's language, built once per language and `known`."""
    held = current_app.extensions.setdefault(_CHOICES, {})
    language = current_language()
    entry = held.get(language)
    if entry is None or entry[0] is not known:
        entry = held[language] = (
            known,
            choices((c.code, category_name(c)) for c in known.categories),
            choices((a.number, a.label) for a in known.areas),
        )
    return entry[1], entry[2]


def _blank_form_applies():
    # The empty form is the same page for every anonymous visitor of a language, but for their CSRF token
    # and submission key: no query (the language switch links back to it), no flashed message, no staff menu.
    return not request.query_string and slots.anonymous_page()


def _blank_form():
    """The empty report form, rendered once per language and version of the categories and areas, with
    slots where each visitor gets their own CSRF token and submission key."""
    versions = caching.read_versions()  # outside the session: the form's GET opens no transaction
    key = (
        "report form",
        current_language(),
        tuple(versions.get(d, 0) for d in reference_data.DOMAINS),
    )
    return slots.fill(
        key, _render_blank_form, token=generate_csrf(), submission_key=reports.new_submission_key()
    )


def _render_blank_form(slot):
    known = reference_data.current()
    form = _report_form(known)
    form.submission_key.data = slot["submission_key"]
    page = render_template("public/reports/new.html", form=form, categories=known.categories)
    return page.replace(generate_csrf(), slot["token"])


@bp.route("/reports/track", methods=["GET", "POST"])
def reports_track():
    """Enter the reference number and receipt code."""
    form = TrackForm()
    if form.validate_on_submit():
        result = reports.track(
            form.reference.data, form.code.data, request.remote_addr, current_app.config
        )
        db.session.commit()  # keep the count of wrong codes
        if result.supporter:
            secret = current_app.config["SECRET_KEY"]
            return redirect(supporters.support_path(secret, result.report, result.supporter))
        if result.report:
            token = reports.link_token(current_app.config["SECRET_KEY"], result.report)
            return redirect(
                url_for("public.reports_follow", reference=result.report.reference, token=token)
            )
        form.form_errors.append(result.message)
        return render_template("public/reports/track.html", form=form), result.status
    return render_template("public/reports/track.html", form=form), 400 if form.errors else 200


def _follow_page(report, token, **forms):
    forms.setdefault("information_form", InformationForm())
    forms.setdefault("rating_form", RatingForm())
    forms.setdefault("appeal_form", AppealForm())
    return render_template(
        "public/reports/follow.html",
        report=report,
        token=token,
        timeline=reports.public_timeline(report),
        **forms,
    )


@bp.get("/reports/track/<reference>/<token>")
def reports_follow(reference, token):
    """The resident's private view of their report."""
    report = reports.open_link(reference, token, current_app.config)
    return _follow_page(report, token)


RESIDENT_ACTIONS = {
    "information": (
        InformationForm,
        "information_form",
        lambda r, f, c: reports.add_information(
            r,
            f.text.data,
            read_files(request.files.getlist(f.evidence.name), evidence.MAX_BYTES),
            c,
        ),
    ),
    "rating": (
        RatingForm,
        "rating_form",
        lambda r, f, c: reports.rate(r, f.rating.data, f.comment.data),
    ),
    "appeal": (AppealForm, "appeal_form", lambda r, f, c: reports.appeal(r, f.reason.data, c)),
}


@bp.post("/reports/track/<reference>/<token>/<action>")
def reports_follow_act(reference, token, action):
    """Add information, rate, or appeal, from the private view."""
    if action not in RESIDENT_ACTIONS:
        abort(404)
    form_class, name, perform = RESIDENT_ACTIONS[action]
    report, form = reports.open_link(reference, token, current_app.config), form_class()
    if form.validate_on_submit():
        try:
            perform(report, form, current_app.config)
            db.session.commit()
            flash(_("Thank you: your report has been updated."), "info")
            return redirect(url_for("public.reports_follow", reference=reference, token=token))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _follow_page(report, token, **{name: form}), 400


@bp.get("/reports")
def reports_index():
    """Public supervision: every report's category, area, unit, status, dates and public replies."""
    filters = supervision.filters_from(request.args)
    page = supervision.list_reports(filters, numbers.page_number(request.args.get("page")))
    return render_template(
        "public/reports/index.html",
        page=page,
        filters=filters,
        options=supervision.filter_options(),
        points=_map_markers(filters),
    )


def _map_markers(filters):
    """The map's markers (public points only, from the policy) as plain data for the page, or [] without a map."""
    if not current_app.config.get("MAP_TILES"):
        return []
    return [
        {
            "lat": point.latitude,
            "lon": point.longitude,
            "title": f"{point.reference} · {category_name(point.category)} · "
            f"{handling.status_label(point.status)}",
            "url": url_for("public.reports_show", reference=point.reference),
        }
        for point in supervision.map_points(filters)
    ]


@bp.get("/reports/<reference>")
def reports_show(reference):
    """A report as the public sees it: no description, files or identity."""
    report = supervision.get_public(reference)
    supporting, litigation = organisations.on_report(report)
    return render_template(
        "public/reports/show.html",
        report=report,
        voices=supporters.voices(report),
        supporting=supporting,
        litigation=litigation,
    )


@bp.get("/reports/nearby")
def reports_nearby():
    """Similar open reports near a point or in an area: a page of its own without JavaScript, and with
    `fragment=1` the list the report form shows as the resident picks a category and a point."""
    known, args, found, error = reference_data.current(), request.args, [], None
    if args.get("category"):
        try:
            found = supporters.nearby(
                args["category"],
                args.get("area"),
                args.get("lat"),
                args.get("long"),
                current_app.config,
                known=known,
            )
        except ValidationFailed as failed:
            error = failed
    page = "public/reports/_nearby.html" if args.get("fragment") else "public/reports/nearby.html"
    return render_template(page, found=found, error=error, args=args, known=known), (
        400 if error else 200
    )


def _support_form():
    form = SupportForm()
    if not form.submission_key.data:
        form.submission_key.data = reports.new_submission_key()
    return form


@bp.route("/reports/<reference>/support", methods=["GET", "POST"])
def reports_support(reference):
    """Add one's voice (支持/附议) to an open report; on success the supporter's own receipt."""
    report, form = supporters.supportable(reference), _support_form()
    if form.validate_on_submit():
        try:
            support = supporters.support(
                reference, support_input(form), current_app.config, client=request.remote_addr
            )
            db.session.commit()
            return render_template("public/reports/supported.html", support=support)
        except (ValidationFailed, TooManyRequests) as error:
            db.session.rollback()
            attach_error(form, error)
            if isinstance(error, TooManyRequests):
                return with_retry_after((_support_page(report, form), 429), error)
    return _support_page(report, form), 400 if form.errors or form.form_errors else 200


def _support_page(report, form):
    return render_template(
        "public/reports/support.html",
        report=report,
        form=form,
        refusal=supporters.refusal(report),
        voices=supporters.voices(report),
    )


def support_input(form):
    """The support form's data as a SupportInput."""
    return supporters.SupportInput(
        submission_key=form.submission_key.data,
        name=form.name.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        visibility=IdentityVisibility(
            form.visibility.data or IdentityVisibility.ADMINISTRATORS.value
        ),
        note=form.note.data or "",
    )


@bp.get("/reports/<reference>/support/<token>")
def reports_supporter(reference, token):
    """A supporter's private view of the report: its public timeline, and where it went if merged."""
    report, _supporter = supporters.open_link(reference, token, current_app.config)
    return render_template(
        "public/reports/supporter.html",
        report=report,
        timeline=reports.public_timeline(report),
        voices=supporters.voices(report),
    )
