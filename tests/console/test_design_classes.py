"""Console pages use the design system's classes only: a flagged comment is marked with a badge that says so, and
nothing is drawn with the old `urgency` or `status-*` classes that the style sheet no longer has."""

import re

from portal.models import CommentState
from tests.console.test_comments_console import comments_path, submit
from tests.console.test_consultations_console import UNIT, make_consultation
from tests.helpers import staff_client, submit_report

OLD = re.compile(r'class="[^"]*\b(urgency|status-[\w-]+)')


def test_a_flagged_comment_is_marked_with_a_badge(app):
    """In the queue and on the comments tab: "flagged 3 times" is a badge; no page has an old class."""
    wjq = staff_client(app, "wjq", UNIT)
    consultation_id = make_consultation(app, publish=True)
    submit(app, consultation_id, "被多次举报的意见。", state=CommentState.FLAGGED)
    submit_report(app.test_client())
    shz = staff_client(app, "shz")
    pages = {
        path: wjq.get(path).get_data(as_text=True)
        for path in ("/console/comments", comments_path(consultation_id))
    }
    for path, page in pages.items():
        assert re.search(r'<span class="badge badge-overdue">flagged 3 times</span>', page), path
    pages["/console/reports"] = shz.get("/console/reports").get_data(as_text=True)
    for path, page in pages.items():
        assert not OLD.search(page), (path, OLD.search(page).group(0))
