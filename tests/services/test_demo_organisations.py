"""`portal demo`'s sample organisations: one verified with activities, a supported report and a litigation
request; one pending, which is nowhere public."""

import re

from portal.extensions import db
from portal.services import demo


def test_demo_adds_a_verified_organisation_with_activities_and_litigation_and_a_pending_one(
    demo_app, demo_lines
):
    app, lines = demo_app, demo_lines
    with app.app_context():
        again = demo.load_demo(app.config)
        db.session.commit()
    assert any("(pending verification)" in line for line in lines)
    manage = next(line for line in lines if "(verified), managed at" in line)
    assert not any("sample organisation" in line for line in again)  # idempotent
    client = app.test_client()
    listing = client.get("/organisations").get_data(as_text=True)
    assert "石河子绿洲环保志愿者协会" in listing and "五家渠湿地" not in listing
    assert "玛纳斯河河岸垃圾清理" in client.get("/organisations/activities").get_data(as_text=True)
    path = re.search(r"/organisations/manage/\w+", manage).group(0)
    assert client.get(path).status_code == 200
    closed = re.search(r"(\S+)\s+\S+\s+closed sample", "\n".join(lines)).group(1)
    report = client.get(f"/reports/{closed}").get_data(as_text=True)
    assert "石河子绿洲环保志愿者协会" in report and "拟就该排污行为提起环境公益诉讼" in report
