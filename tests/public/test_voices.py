"""Pages of voices: similar reports nearby (with and without JavaScript), adding one's voice, tracking it,
and staff merging a duplicate in the console."""

import re

from portal.extensions import db
from tests.helpers import (
    act,
    csrf_token,
    hidden_value,
    queued_mail,
    receipt_of,
    report_forms,
    staff_client,
    submit_report,
    tracking_path,
)

POINT = {"latitude": "44.305123", "longitude": "86.041234"}


def accepted_report(app, staff, **fields):
    """A water report in 第八师 with a point, accepted (public point rounded); (reference, code)."""
    reference, code = submit_report(app.test_client(), **POINT, **fields)
    response = act(staff, reference, "accept", public_location="rounded")
    assert response.status_code == 302
    return reference, code


def support_form(client, reference):
    page = client.get(f"/reports/{reference}/support").get_data(as_text=True)
    return hidden_value(page, "csrf_token"), hidden_value(page, "submission_key")


def add_voice(client, reference, key=None, **fields):
    token, fresh = support_form(client, reference)
    data = {"csrf_token": token, "submission_key": key or fresh, "visibility": "administrators"}
    data.update(fields)
    return client.post(f"/reports/{reference}/support", data=data)


def test_nearby_page_without_javascript_lists_the_open_case_with_an_add_my_voice_link(app):
    staff = staff_client(app)
    reference, _code = accepted_report(app, staff)
    client = app.test_client()
    client.get("/language/en")
    page = client.get("/reports/nearby?category=water&area=8&lat=44.3052&long=86.0410")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Similar open reports nearby" in text and reference in text
    assert f'href="/reports/{reference}/support"' in text
    assert re.search(r"about \d+ m away", text)
    # The fragment the report form fetches: the list alone, no layout.
    fragment = client.get(
        "/reports/nearby?category=water&area=8&lat=44.3052&long=86.0410&fragment=1"
    ).get_data(as_text=True)
    assert reference in fragment and "<html" not in fragment
    # The blank page is a form; another category finds nothing.
    assert client.get("/reports/nearby").status_code == 200
    none = client.get("/reports/nearby?category=air&area=8").get_data(as_text=True)
    assert "No similar open report nearby" in none


def test_nearby_bad_numbers_are_a_400_naming_the_field(app):
    client = app.test_client()
    client.get("/language/en")
    for query, words in (
        ("category=water&area=8&lat=95&long=86", "latitude is from -90 to 90"),
        ("category=water&area=8&lat=44&long=", "both latitude and longitude"),
        ("category=water&area=abc", "area"),
        ("category=nothing&area=8", "Choose what you are reporting"),
    ):
        response = client.get(f"/reports/nearby?{query}&fragment=1")
        assert response.status_code == 400, query
        assert words in response.get_data(as_text=True), query


def test_adding_a_voice_gives_an_own_receipt_that_tracks_the_case_once(app):
    client = app.test_client()
    client.get("/language/en")
    reference, _code = submit_report(app.test_client(), email="first@example.org")
    token, key = support_form(client, reference)
    data = {
        "csrf_token": token,
        "submission_key": key,
        "visibility": "handling_unit",
        "name": "王五",
        "phone": "13900139000",
        "email": "wang@example.org",
        "note": "晚上十点以后气味最重",
    }
    first = client.post(f"/reports/{reference}/support", data=data)
    again = client.post(f"/reports/{reference}/support", data=data)  # the same form sent again
    assert first.status_code == again.status_code == 200
    shown_reference, code = receipt_of(first.get_data(as_text=True))
    assert shown_reference == reference and receipt_of(again.get_data(as_text=True))[1] == code
    assert "already been sent" in again.get_data(as_text=True)
    public = client.get(f"/reports/{reference}").get_data(as_text=True)
    assert "Also reported by 1 resident" in public
    for secret in ("王五", "13900139000", "wang@example.org", "晚上十点"):
        assert secret not in public
    path = tracking_path(client, reference, code)
    assert path.startswith(f"/reports/{reference}/support/")
    page = client.get(path).get_data(as_text=True)
    assert "You added your voice to this report" in page and "Report received and routed" in page
    assert "Add information" not in page
    with app.app_context():
        assert len(queued_mail("wang@example.org")) == 1


def test_support_form_errors_name_the_field_and_closed_reports_refuse(app):
    client = app.test_client()
    client.get("/language/en")
    reference, _code = submit_report(app.test_client())
    bad = add_voice(client, reference, email="not-an-address")
    assert bad.status_code == 400 and "Enter your email address" in bad.get_data(as_text=True)
    staff = staff_client(app)
    response = act(
        staff,
        reference,
        "not-accept",
        reason="not_specific",
        explanation="没有可以核实的具体地点和事实。",
        confirm="yes",
    )
    assert response.status_code == 302
    page = client.get(f"/reports/{reference}/support").get_data(as_text=True)
    assert "no longer open" in page and 'name="note"' not in page
    refused = add_voice(client, reference)
    assert refused.status_code == 400
    assert client.get("/reports/JB-0000-999999/support").status_code == 404


def test_staff_merge_a_duplicate_after_confirming_and_its_reporter_sees_it(app):
    staff = staff_client(app)
    target, _code = accepted_report(app, staff)
    duplicate, code = submit_report(app.test_client(), email="dup@example.org")
    asked = act(staff, duplicate, "merge", target=target.lower())
    assert asked.status_code == 200 and "Confirm merge" in asked.get_data(as_text=True)
    done = act(staff, duplicate, "merge", target=target, confirm="yes")
    assert done.status_code == 302
    page, _token, _version = report_forms(staff, target)
    assert "Also reported by 1 resident" in page and f"from the merged report {duplicate}" in page
    resident = app.test_client()
    resident.get("/language/en")
    follow = resident.get(tracking_path(resident, duplicate, code)).get_data(as_text=True)
    assert f"This report was merged into {target}" in follow
    assert f'href="/reports/{target}"' in follow and "Rate the handling" not in follow
    public = resident.get(f"/reports/{duplicate}").get_data(as_text=True)
    assert f"This report was merged into {target}" in public
    with app.app_context():
        assert len(queued_mail("dup@example.org")) == 2  # its receipt, then the merge


def test_merge_into_another_units_report_is_refused_on_the_field(app):
    staff = staff_client(app)
    other, _code = submit_report(app.test_client(), area="1")  # 第一师's unit handles it
    duplicate, _code = submit_report(app.test_client())
    refused = act(staff, duplicate, "merge", target=other, confirm="yes")
    assert refused.status_code == 400
    assert "handled by another unit" in refused.get_data(as_text=True)


def test_another_unit_cannot_merge_a_report_it_does_not_handle(app):
    reference, _code = submit_report(app.test_client())
    stranger = staff_client(app, username="sjj", unit="兵团审计局")
    token = csrf_token(stranger, "/reports/track")
    response = stranger.post(
        f"/console/reports/{reference}/merge",
        data={"csrf_token": token, "version": "1", "target": reference, "confirm": "yes"},
    )
    assert response.status_code == 404
    with app.app_context():
        db.session.remove()


def test_the_support_form_without_csrf_token_is_refused_and_adds_nothing(app):
    client = app.test_client()
    reference, _code = submit_report(app.test_client())
    _token, key = support_form(client, reference)
    response = client.post(
        f"/reports/{reference}/support",
        data={"submission_key": key, "visibility": "administrators"},
    )
    assert response.status_code == 400
    assert "Also reported by" not in client.get(f"/reports/{reference}").get_data(as_text=True)
