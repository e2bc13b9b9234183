"""Disclosures (环境信息公开) for anyone: the list, a disclosure with its versions, one version, the changes
between two versions, and attached files. Drafts do not exist here; a withdrawn disclosure is a tombstone that
shows its reason and keeps its versions readable."""

from flask import current_app, render_template, request

from portal.downloads import send_attachment
from portal.models import DisclosureState
from portal.public import bp
from portal.rendering import render_markdown
from portal.services import attachments, disclosures, policy
from portal.templating import category_name


def _filter_options():
    choices = policy.filter_choices()
    return {
        "category": [(c.code, category_name(c)) for c in disclosures.list_categories()],
        "unit": choices["units"],
        "area": choices["areas"],
        "year": [(str(year), str(year)) for year in disclosures.public_years()],
        "measure": choices["measures"],
    }


@bp.get("/disclosures")
def disclosures_index():
    """Published and withdrawn disclosures, newest publication date first, filtered by category, unit, area, year."""
    filters = {name: request.args.get(name, "") for name in disclosures.PUBLIC_FILTERS}
    page = disclosures.list_public(
        filters, request.args.get("page"), current_app.config["PER_PAGE"]
    )
    return render_template(
        "public/disclosures/index.html",
        page=page,
        filters=filters,
        options=_filter_options(),
        counts=disclosures.version_counts(page.items),
    )


@bp.get("/disclosures/<int:disclosure_id>")
def disclosures_show(disclosure_id):
    """A disclosure: its text, facts, related tasks, files, observations and versions; or its tombstone."""
    disclosure = disclosures.POLICY.get_public(disclosure_id)
    groups, shared_source = disclosures.observation_groups(disclosure)
    return render_template(
        "public/disclosures/show.html",
        disclosure=disclosure,
        body=render_markdown(disclosure.body),
        groups=groups,
        shared_source=shared_source,
    )


@bp.get("/disclosures/<int:disclosure_id>/versions/<int:number>")
def disclosures_version(disclosure_id, number):
    """One published version's title, text and note, as it was published."""
    disclosure = disclosures.POLICY.get_public(disclosure_id)
    shown = disclosures.version(disclosure, number)
    return render_template(
        "public/disclosures/version.html",
        disclosure=disclosure,
        shown=shown,
        body=render_markdown(shown.body),
    )


@bp.get("/disclosures/<int:disclosure_id>/diff")
def disclosures_diff(disclosure_id):
    """The changes between two versions (?from=&to=, by default the last two); a bad number is a 400 naming it."""
    disclosure = disclosures.POLICY.get_public(disclosure_id)
    latest = disclosure.versions[-1].number
    older, newer = request.args.get("from", max(latest - 1, 1)), request.args.get("to", latest)
    return render_template(
        "public/disclosures/diff.html",
        disclosure=disclosure,
        result=disclosures.diff(disclosure, older, newer),
    )


@bp.get("/disclosures/<int:disclosure_id>/attachments/<int:attachment_id>")
def disclosure_attachments_download(disclosure_id, attachment_id):
    """Download a file of a public disclosure under a name made by the server; drafts' files do not exist."""
    found = attachments.public_download(
        disclosure_id, attachment_id, current_app.config["FILES_DIR"], attachments.Owner.DISCLOSURE
    )
    return send_attachment(*found, private=False)


@bp.context_processor
def disclosure_labels():
    """The label helpers and enums the disclosure templates use."""
    return {
        "disclosure_state_label": disclosures.state_label,
        "disclosure_category_label": category_name,
        "disclosure_observation_text": disclosures.observation_text,
        "DisclosureState": DisclosureState,
        "DisclosureChange": disclosures.Change,
    }
