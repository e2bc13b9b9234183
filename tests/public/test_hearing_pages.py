"""Hearing pages for residents: the hearing, registering (code, waitlist), looking up and cancelling by code."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import RateLimitHit, Registration, RegistrationStatus
from portal.services import hearings
from tests.helpers import field_error, hidden_value, summary_of
from tests.public.test_consultation_pages import add_hearing, draft, english, opened, page_of, staff

CODE = re.compile(r'id="registration-code">([A-Z2-7]{4}(?:-[A-Z2-7]{4}){4})<')
REGISTRANT_PHONE, REGISTRANT_EMAIL = "13755556666", "planted-registrant@example.org"


@pytest.fixture
def hearing(app):
    """An open consultation with a one-seat hearing taking registrations, and one whose registration closed."""
    with app.app_context():
        consultation = opened(staff(), draft(title="第六师湿地保护规划(草案)"))
        hearing = add_hearing(consultation, seats=1)
        closed = add_hearing(
            consultation, closes_in=timedelta(minutes=-5), place="五家渠市会展中心"
        )
        db.session.commit()
        return {"consultation": consultation.id, "hearing": hearing.id, "closed": closed.id}


def register(client, hearing_id, **fields):
    """POST the registration form with the session's CSRF token (the lookup page always has a form)."""
    token = hidden_value(client.get("/hearings/registration").get_data(as_text=True), "csrf_token")
    data = {
        "csrf_token": token,
        "name": "赵登记人",
        "phone": REGISTRANT_PHONE,
        "email": REGISTRANT_EMAIL,
        **fields,
    }
    return client.post(f"/hearings/{hearing_id}/registrations", data=data)


def code_of(response):
    """The registration code shown on the confirmation page."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return CODE.search(response.get_data(as_text=True)).group(1)


def lookup(client, code):
    """POST a code to the lookup form; returns the response."""
    token = hidden_value(client.get("/hearings/registration").get_data(as_text=True), "csrf_token")
    return client.post("/hearings/registration", data={"csrf_token": token, "code": code})


def statuses(app, hearing_id):
    """The registrations' statuses of a hearing, in registration order."""
    with app.app_context():
        return db.session.scalars(
            sa.select(Registration.status)
            .where(Registration.hearing_id == hearing_id)
            .order_by(Registration.id)
        ).all()


def test_hearing_page_shows_the_session_and_the_form(client, hearing):
    """Date, place, seats left, deadline, eligibility, and the registration form with its contact note."""
    page = page_of(english(client), f"/hearings/{hearing['hearing']}")
    for text in (
        "五家渠市政务服务中心三楼会议室",
        "1 of 1",
        "五家渠市居民",
        "Registration deadline",
        "第六师湿地保护规划(草案)",
    ):
        assert text in page, text
    assert f'action="/hearings/{hearing["hearing"]}/registrations"' in page
    assert 'name="viewpoint"' in page and "at least one of the two" in page
    page_of(client, "/hearings/99999", 404)


def test_registration_shows_the_code_and_a_full_session_waitlists(app, client, hearing):
    """The first registrant gets the seat, the second the waitlist; codes are shown once, never cached."""
    english(client)
    first = register(client, hearing["hearing"])
    assert (
        first.headers["Cache-Control"] == "no-store"
        and first.headers["Referrer-Policy"] == "same-origin"
    )
    first_page = first.get_data(as_text=True)
    assert (
        code_of(first)
        and "You are registered for the hearing" in first_page
        and "Confirmed" in first_page
    )
    assert "How to cancel" in first_page
    full = page_of(client, f"/hearings/{hearing['hearing']}")
    assert "All seats are taken" in full and "0 of 1" in full
    second = register(client, hearing["hearing"], name="钱候补", phone="13700007777", email="")
    assert code_of(second) != code_of(first)
    assert "You are on the waitlist for the hearing" in second.get_data(as_text=True)
    third = register(client, hearing["hearing"], name="孙候补", phone="13700008888", email="")
    assert re.search(r'id="waitlist-position">2<', third.get_data(as_text=True))
    assert re.search(
        r'id="waitlist-position">1<', lookup(client, code_of(second)).get_data(as_text=True)
    )
    assert (
        statuses(app, hearing["hearing"])
        == [RegistrationStatus.CONFIRMED] + [RegistrationStatus.WAITLISTED] * 2
    )


def test_cancel_by_code_moves_the_first_waitlisted_up(app, client, hearing):
    """Looking up a code shows its status; cancelling releases the seat to the waitlist."""
    english(client)
    code = code_of(register(client, hearing["hearing"]))
    register(client, hearing["hearing"], name="钱候补", phone="13700007777", email="")
    found = lookup(client, code)
    assert found.status_code == 200 and found.headers["Cache-Control"] == "no-store"
    page = found.get_data(as_text=True)
    assert (
        "Confirmed" in page
        and "五家渠市政务服务中心三楼会议室" in page
        and "Cancel my registration" in page
    )
    token = hidden_value(page, "csrf_token")
    cancelled = client.post(
        "/hearings/registration/cancel", data={"csrf_token": token, "code": code}
    )
    assert cancelled.status_code == 302 and cancelled.headers["Location"].endswith(
        f"/hearings/{hearing['hearing']}"
    )
    assert "Your registration has been cancelled" in page_of(client, cancelled.headers["Location"])
    assert statuses(app, hearing["hearing"]) == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.CONFIRMED,
    ]
    assert "Cancelled" in lookup(client, code).get_data(as_text=True)
    again = client.post("/hearings/registration/cancel", data={"csrf_token": token, "code": code})
    assert again.status_code == 409 and "already cancelled" in again.get_data(as_text=True)


def test_wrong_codes_get_a_message_and_are_counted(app, client, hearing):
    """A wrong code says so (404) and is counted per client; past the limit the lookup answers 429."""
    app.config["TRACK_LIMIT"] = 2
    english(client)
    wrong = lookup(client, "AAAA-BBBB-CCCC-DDDD-EEEE")
    assert wrong.status_code == 404 and "No registration matches this code." in wrong.get_data(
        as_text=True
    )
    token = hidden_value(wrong.get_data(as_text=True), "csrf_token")
    assert (
        client.post(
            "/hearings/registration/cancel",
            data={"csrf_token": token, "code": "AAAA-BBBB-CCCC-DDDD-FFFF"},
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.sum(RateLimitHit.count))) == 2
    code = code_of(register(client, hearing["hearing"]))
    blocked = lookup(client, code)  # even the right code waits until the window has passed
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.get_data(as_text=True)
    assert lookup(client, "").status_code == 400


def test_closed_registration_is_explained_not_offered(client, hearing):
    """Past the deadline the page says registration is closed; a POST gets 409 with the deadline."""
    page = page_of(english(client), f"/hearings/{hearing['closed']}")
    assert "Registration for this hearing is closed." in page and 'name="viewpoint"' not in page
    refused = register(client, hearing["closed"])
    assert (
        refused.status_code == 409
        and "Registration for this hearing closed at" in refused.get_data(as_text=True)
    )


def test_speaking_needs_a_viewpoint(app, client, hearing):
    """Wanting to speak without a viewpoint summary is refused on the viewpoint field (400)."""
    response = register(english(client), hearing["hearing"], wants_to_speak="y", viewpoint="")
    assert response.status_code == 400
    error = re.search(
        r'<p class="field-error" id="viewpoint-error">([^<]*)</p>', response.get_data(as_text=True)
    )
    assert error and "To speak, summarise your viewpoint in 10 to 2,000 characters" in error.group(
        1
    )
    assert statuses(app, hearing["hearing"]) == []


def test_every_error_of_a_registration_comes_back_at_once(app, client, hearing):
    """No name, a bad phone, a bad address and no viewpoint to speak: four messages after one submit, in Chinese,
    each under its field and naming it once."""
    response = register(
        client,
        hearing["hearing"],
        name=" ",
        phone="138-abc",
        email="a@b",
        wants_to_speak="y",
        viewpoint="",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field, name in (
        ("name", "姓名"),
        ("phone", "联系电话"),
        ("email", "电子邮箱"),
        ("viewpoint", "发言要点"),
    ):
        error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
        assert error and error.group(1).count(name) == 1, (field, error and error.group(1))
    assert statuses(app, hearing["hearing"]) == []


def test_an_empty_registration_lists_every_error_in_a_summary(app, client, hearing):
    """Sent empty, the form comes back with a summary at the top listing both problems at once, the name and the
    missing contact, each linking to its field and naming it once; each is also shown under its field."""
    response = register(client, hearing["hearing"], name="", phone="", email="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    listed = summary_of(page)
    assert listed == [("name", "请填写姓名。"), ("phone", "请填写联系电话或电子邮箱。")], listed
    for anchor, message in listed:
        assert field_error(page, anchor) == message
    assert page.index('class="error-summary"') < page.index('id="register-title"')
    assert statuses(app, hearing["hearing"]) == []


def test_registrants_contacts_never_appear_on_public_pages(app, client, hearing):
    """The planted phone and email of a registrant appear on no hearing or consultation page."""
    response = register(client, hearing["hearing"])
    code = code_of(response)
    pages = [
        response.get_data(as_text=True),
        lookup(client, code).get_data(as_text=True),
        page_of(client, f"/hearings/{hearing['hearing']}"),
        page_of(client, f"/consultations/{hearing['consultation']}"),
        page_of(client, "/consultations"),
    ]
    with app.app_context():
        assert hearings.find(code).email == REGISTRANT_EMAIL  # planted indeed
    for page in pages:
        assert REGISTRANT_PHONE not in page and REGISTRANT_EMAIL not in page
