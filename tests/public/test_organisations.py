"""Environmental social organisations (issue 15 §3): the register, verification by 兵团民政局, the volunteer
calendar, reports supported by organisations, and public-interest litigation requests."""

import re

import pytest

from portal.extensions import db
from portal.services import organisations
from tests.helpers import (
    act,
    field_error,
    hidden_value,
    queued_mail,
    staff_client,
    submit_report,
)

CODE = "52660000MJ0000001"  # 17 characters; the check character is computed below
CONTACT = "li.hua@example.org"
SECRET_PHONE = "13912345678"


def valid_code(first17=CODE):
    """A credit code with a correct check character."""
    return first17 + organisations.check_digit(first17)


def apply_form(client, **fields):
    page = client.get("/organisations/apply").get_data(as_text=True)
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "credit_code": valid_code(),
        "name": "石河子绿洲环保志愿者协会",
        "registration_authority": "第八师民政局",
        "area": "8",
        "description": "组织志愿者开展河道清理、水质监测和环保宣传。",
        "contact_name": "李华",
        "contact_phone": SECRET_PHONE,
        "contact_email": CONTACT,
        "publish_name": "y",
    }
    data.update(fields)
    return client.post(
        "/organisations/apply", data={k: v for k, v in data.items() if v is not None}
    )


def the_organisation(app):
    import sqlalchemy as sa

    from portal.models import Organisation

    with app.app_context():
        return db.session.scalar(sa.select(Organisation).order_by(Organisation.id.desc())).id


def verifier(app, username="mzj"):
    return staff_client(app, username=username, unit="兵团民政局")


def verify(app, staff, organisation_id):
    page = staff.get(f"/console/organisations/{organisation_id}").get_data(as_text=True)
    token = re.search(r'id="verify-csrf" name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = staff.post(
        f"/console/organisations/{organisation_id}/verify", data={"csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    with app.app_context():
        mail = queued_mail(CONTACT)[-1]
        return re.search(r"/organisations/manage/[a-z0-9]+", mail.body).group(0)


def verified(app):
    """An organisation applied and verified: (id, management path)."""
    assert apply_form(app.test_client()).status_code == 302
    organisation_id = the_organisation(app)
    return organisation_id, verify(app, verifier(app), organisation_id)


def manage_post(client, path, action, **fields):
    page = client.get(path).get_data(as_text=True)
    token = hidden_value(page, f"{action}-csrf_token")
    data = {f"{action}-csrf_token": token, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"{path}/{action}", data=data)


@pytest.mark.parametrize(
    "code, valid",
    [
        ("91440300708461136T", True),
        ("91110000600037341L", True),
        ("91440300708461136A", False),  # wrong check character
        ("9144030070846113", False),  # too short
        ("91440300708461I36T", False),  # I is not in the alphabet
    ],
)
def test_credit_code_format_and_check_character(app_context, code, valid):
    """GB 32100-2015: 18 characters of 31 (no I, O, S, V, Z), the last a weighted mod-31 check."""
    if valid:
        assert organisations.credit_code(code.lower()) == code
    else:
        with pytest.raises(Exception) as refused:
            organisations.credit_code(code)
        assert refused.value.field == "credit_code"


def test_application_names_every_bad_field_and_a_pending_one_is_nowhere_public(app):
    client = app.test_client()
    client.get("/language/en")
    bad = apply_form(client, credit_code="91440300708461136A", name="", contact_email="nope")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "check its last character" in field_error(page, "credit_code")
    assert field_error(page, "name") and field_error(page, "contact_email")
    assert apply_form(client).status_code == 302
    again = apply_form(client)
    assert again.status_code == 400
    assert "already" in field_error(again.get_data(as_text=True), "credit_code")
    organisation_id = the_organisation(app)
    anyone = app.test_client()
    assert "石河子绿洲" not in anyone.get("/organisations").get_data(as_text=True)
    assert anyone.get(f"/organisations/{organisation_id}").status_code == 404
    assert "石河子绿洲" not in anyone.get("/feeds/activities.atom").get_data(as_text=True)
    assert "石河子绿洲" not in anyone.get("/search?q=环保志愿者协会").get_data(as_text=True)


def test_only_civil_affairs_staff_or_a_site_administrator_verify(app):
    assert apply_form(app.test_client()).status_code == 302
    organisation_id = the_organisation(app)
    other = staff_client(app)  # 第八师石河子市
    assert other.get("/console/organisations").status_code == 403
    assert other.post(f"/console/organisations/{organisation_id}/verify").status_code in (400, 403)
    admin = staff_client(app, username="root", unit="兵团建设局", role="site_admin")
    assert admin.get("/console/organisations").status_code == 200
    civil = verifier(app)
    listing = civil.get("/console/organisations").get_data(as_text=True)
    assert "石河子绿洲环保志愿者协会" in listing and "Waiting for verification" in listing
    # The verifier reads the contact; the public page shows only what was chosen (the name).
    assert SECRET_PHONE in civil.get(f"/console/organisations/{organisation_id}").get_data(
        as_text=True
    )
    verify(app, civil, organisation_id)
    public = app.test_client().get(f"/organisations/{organisation_id}").get_data(as_text=True)
    assert "石河子绿洲环保志愿者协会" in public and "李华" in public
    assert SECRET_PHONE not in public and CONTACT not in public
    listing = app.test_client().get("/organisations?area=8").get_data(as_text=True)
    assert "石河子绿洲环保志愿者协会" in listing
    assert "石河子绿洲" not in app.test_client().get("/organisations?area=1").get_data(as_text=True)


def test_refused_with_a_reason_stays_private_and_the_old_link_stops_working(app):
    organisation_id, path = verified(app)
    civil = verifier(app, "mzj2")
    page = civil.get(f"/console/organisations/{organisation_id}").get_data(as_text=True)
    token = hidden_value(page, "csrf_token")
    empty = civil.post(
        f"/console/organisations/{organisation_id}/refuse", data={"csrf_token": token}
    )
    assert empty.status_code == 400 and field_error(empty.get_data(as_text=True), "reason")
    refused = civil.post(
        f"/console/organisations/{organisation_id}/refuse",
        data={"csrf_token": token, "reason": "登记证书已注销。"},
    )
    assert refused.status_code == 302
    assert app.test_client().get(f"/organisations/{organisation_id}").status_code == 404
    assert app.test_client().get(path).status_code == 404
    for public in (
        "/organisations",
        "/organisations/activities",
        "/feeds/activities.atom",
        "/data",
    ):
        assert "石河子绿洲" not in app.test_client().get(public).get_data(as_text=True), public
    with app.app_context():
        assert "登记证书已注销" in queued_mail(CONTACT)[-1].body


def test_management_link_token_is_derived_and_only_its_hash_is_stored(app):
    organisation_id, path = verified(app)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        from portal.models import Organisation

        stored = db.session.get(Organisation, organisation_id).token
        assert stored == organisations.hash_token(token) and token not in stored
    assert app.test_client().get(path).status_code == 200
    assert app.test_client().get(path[:-1] + "x").status_code == 404


def test_activity_appears_on_the_calendar_the_organisation_page_ics_and_feed(app):
    organisation_id, path = verified(app)
    client = app.test_client()
    client.get("/language/en")
    bad = manage_post(client, path, "activity", title="", day="2030-02-30", area="8")
    assert bad.status_code == 400
    assert field_error(bad.get_data(as_text=True), "activity-title")
    assert field_error(bad.get_data(as_text=True), "activity-day")
    good = manage_post(
        client,
        path,
        "activity",
        kind="cleanup",
        title="玛纳斯河河道清理",
        day="2030-04-22",
        at="09:30",
        area="8",
        place="玛纳斯河大桥东侧",
        description="清理河岸垃圾,请自带手套。",
        signup="0993-1234567",
    )
    assert good.status_code == 302
    calendar = app.test_client().get("/organisations/activities").get_data(as_text=True)
    assert "玛纳斯河河道清理" in calendar and "2030-04-22 09:30" in calendar
    assert "玛纳斯河河道清理" in app.test_client().get(
        f"/organisations/{organisation_id}"
    ).get_data(as_text=True)
    ics = app.test_client().get("/organisations/activities.ics")
    assert ics.content_type.startswith("text/calendar")
    assert "DTSTART:20300422T013000Z" in ics.get_data(as_text=True)
    feed = app.test_client().get("/feeds/activities.atom").get_data(as_text=True)
    assert "玛纳斯河河道清理" in feed
    # The contact is never published unless chosen (here only the person's name was).
    for public in (calendar, feed, ics.get_data(as_text=True)):
        assert SECRET_PHONE not in public and CONTACT not in public
    # The management page shows the organisation's own details, its area selected.
    manage = app.test_client().get(path).get_data(as_text=True)
    assert re.search(r'<option selected value="8">|<option value="8" selected', manage)


def closed_case(app):
    reference, _code = submit_report(app.test_client())
    staff = staff_client(app)
    with app.app_context():
        from portal.models import User

        db.session.execute(
            db.update(User).where(User.username == "shz").values(email="unit8@example.org")
        )
        db.session.commit()
    assert act(staff, reference, "accept").status_code == 302
    assert (
        act(staff, reference, "close", result="已责令企业整改。", confirm="yes").status_code == 302
    )
    return reference, staff


def test_support_and_litigation_flow_shown_on_the_case_and_refused_across_units(app):
    organisation_id, path = verified(app)
    reference, staff = closed_case(app)
    open_reference, _code = submit_report(app.test_client())
    client = app.test_client()
    client.get("/language/en")
    assert manage_post(client, path, "support", reference=reference).status_code == 302
    missing = manage_post(client, path, "litigation", reference=reference, reason="")
    assert field_error(missing.get_data(as_text=True), "litigation-reason")
    still_open = manage_post(client, path, "litigation", reference=open_reference, reason="起诉")
    assert "closed report" in field_error(still_open.get_data(as_text=True), "litigation-reference")
    asked = manage_post(
        client, path, "litigation", reference=reference, reason="拟就河道污染提起环境公益诉讼。"
    )
    assert asked.status_code == 302
    with app.app_context():
        told = queued_mail("unit8@example.org")
        assert told and "/console/litigation/" in told[-1].body
    twice = manage_post(client, path, "litigation", reference=reference, reason="再次申请。")
    assert "waiting for its answer" in field_error(
        twice.get_data(as_text=True), "litigation-reference"
    )
    report = app.test_client()
    report.get("/language/en")
    page = report.get(f"/reports/{reference}").get_data(as_text=True)
    assert "Supported by" in page and "石河子绿洲环保志愿者协会" in page
    assert "拟就河道污染提起环境公益诉讼" in page and "Answer due" in page
    # Another unit neither sees nor answers the request.
    other = staff_client(app, username="jsj", unit="兵团建设局")
    assert other.get("/console/litigation").get_data(as_text=True).count(reference) == 0
    with app.app_context():
        from portal.models import LitigationRequest

        request_id = db.session.scalars(db.select(LitigationRequest.id)).one()
    assert other.get(f"/console/litigation/{request_id}").status_code == 404
    other_token = hidden_value(other.get("/console/").get_data(as_text=True), "csrf_token")
    cross = other.post(
        f"/console/litigation/{request_id}",
        data={"csrf_token": other_token, "decision": "refuse", "text": "无权限"},
    )
    assert cross.status_code == 404
    # The handling unit answers.
    page = staff.get(f"/console/litigation/{request_id}").get_data(as_text=True)
    token = hidden_value(page, "csrf_token")
    nothing = staff.post(f"/console/litigation/{request_id}", data={"csrf_token": token})
    assert nothing.status_code == 400 and field_error(nothing.get_data(as_text=True), "decision")
    answered = staff.post(
        f"/console/litigation/{request_id}",
        data={
            "csrf_token": token,
            "decision": "provide",
            "text": "已提供案件办理记录及现场检查笔录复印件。",
        },
    )
    assert answered.status_code == 302
    outcome = manage_post(
        client,
        path,
        "outcome",
        request=str(request_id),
        outcome="filed",
        text="已向石河子市人民法院起诉。",
    )
    assert outcome.status_code == 302
    page = report.get(f"/reports/{reference}").get_data(as_text=True)
    assert "Record provided" in page and "现场检查笔录" in page
    assert "Filed with the court" in page and "石河子市人民法院" in page
    with app.app_context():
        import sqlalchemy as sa

        from portal.models import AuditRecord

        actions = set(db.session.scalars(sa.select(AuditRecord.action)))
        assert {
            "organisation.applied",
            "organisation.verified",
            "organisation.supported",
            "litigation.requested",
            "litigation.answered",
            "litigation.outcome",
        } <= actions


def test_pages_in_chinese(app):
    organisation_id, _path = verified(app)
    client = app.test_client()
    client.get("/language/zh")
    assert "环保社会组织" in client.get("/organisations").get_data(as_text=True)
    assert "志愿活动" in client.get("/organisations/activities").get_data(as_text=True)
    assert "统一社会信用代码" in client.get(f"/organisations/{organisation_id}").get_data(
        as_text=True
    )


def test_the_organisation_edits_its_public_details_and_bad_input_is_named(app):
    organisation_id, path = verified(app)
    client = app.test_client()
    client.get("/language/en")
    details = {
        "name": "石河子绿洲环保志愿者协会",
        "registration_authority": "第八师民政局",
        "area": "8",
        "description": "新的简介:增加了湿地鸟类观测。",
        "contact_name": "李华",
        "contact_phone": SECRET_PHONE,
        "contact_email": CONTACT,
    }
    bad = manage_post(client, path, "details", **{**details, "name": "", "contact_phone": "x"})
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert field_error(page, "details-name") and field_error(page, "details-contact_phone")
    assert manage_post(client, path, "details", **details, publish_email="y").status_code == 302
    public = app.test_client().get(f"/organisations/{organisation_id}").get_data(as_text=True)
    assert "湿地鸟类观测" in public and CONTACT in public  # now chosen
    assert "李华" not in public and SECRET_PHONE not in public  # no longer chosen
