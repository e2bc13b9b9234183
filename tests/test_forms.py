"""Every form of the portal, submitted empty and with nonsense, in Chinese and English: each message is a
sentence in the page's language naming its field exactly once; no WTForms default ("This field is
required.", "该字段是必填字段。", "Not a valid choice.", the CSRF ones) and no hidden field's name reaches a user."""

import importlib
import pkgutil
import re

import pytest
import wtforms
from babel.messages.mofile import read_mo
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

import portal
from portal.forms import STALE, Form, SubForm, message_name, wtforms_messages

CJK = re.compile(r"[\u3400-\u9fff]")
HIDDEN = ("HiddenField", "CSRFTokenField")
LANGUAGES = ("zh_Hans_CN", "en")


def portal_form_classes():
    """Every form class defined in the portal's modules (all of them imported)."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm, wtforms.Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("portal.") and sub not in (Form, SubForm):
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = portal_form_classes()


def wtforms_defaults():
    """WTForms' messages in English and in its own Chinese catalogue, which must never be shown."""
    with open(f"{messages_path()}/zh/LC_MESSAGES/wtforms.mo", "rb") as mo:
        chinese = {str(m.string) for m in read_mo(mo) if m.id and isinstance(m.string, str)}
    english = set(wtforms_messages()) | {
        "The CSRF token is missing.",
        "The CSRF token has expired.",
        "The CSRF token is invalid.",
        "The CSRF tokens do not match.",
        "The CSRF session token is missing.",
    }
    return english | chinese


DEFAULTS = wtforms_defaults()
TELLTALES = ("This field", "该字段", "CSRF", "Not a valid", "Invalid", "无效的选择", "%(")


def nonsense(field):
    """A value each kind of field refuses: far too long text, an unknown choice, a word for a number or date."""
    if field.type in ("IntegerField", "DateField", "DateTimeLocalField", "DateTimeField"):
        return "abc"
    if field.type in ("SelectField", "RadioField", "SelectMultipleField"):
        return "no-such-choice"
    return "x" * 100_001


def submission(form_class, app, kind):
    """The form data a browser would send: every field empty, or every field nonsense."""
    with app.test_request_context():
        form = form_class(formdata=None)
        data = {}
        for field in walk(form):
            if field.type in (
                "SubmitField",
                "BooleanField",
                "FileField",
                "MultipleFileField",
                "FieldList",
                "FormField",
            ):
                continue
            data[field.name] = "" if kind == "empty" else nonsense(field)
    return data


def walk(form):
    """A form's fields, those of its sub-forms included."""
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                yield from walk(entry.form) if entry.type == "FormField" else [entry]
        elif field.type == "FormField":
            yield from walk(field.form)
        else:
            yield field


def validated(form_class, app, language, data):
    """Build the form on a POST of `data` in `language`, give choice fields an option, validate; the form."""
    with app.test_request_context(
        method="POST", data=data, headers={"Cookie": f"portal_lang={language}"}
    ):
        form = form_class()
        for field in walk(form):
            if (
                field.type in ("SelectField", "RadioField", "SelectMultipleField")
                and field.choices is None
            ):
                field.choices = [("1", "one")]
        form.validate()
        messages = [
            (field, str(error))
            for field in walk(form)
            for error in field.errors
            if isinstance(error, str)
        ]
        return (
            form,
            messages,
            [str(e) for e in form.form_errors],
            str(STALE),
            {field.name: message_name(form, field.name, field.label.text) for field in walk(form)},
        )


def test_every_form_uses_the_portal_base():
    """A form that bypassed portal.forms.Form would show WTForms' own messages again."""
    assert len(FORMS) > 40
    strays = [c.__qualname__ for c in FORMS if not issubclass(c, (Form, SubForm))]
    assert not strays, f"forms not built on portal.forms.Form (or SubForm): {strays}"


def test_questions_as_labels_have_a_name_for_messages(app):
    """'Enter “What did you see, hear or smell?”' is no sentence: a field labelled by a question has a name."""
    missing = []
    with app.test_request_context(headers={"Cookie": "portal_lang=en"}):
        for form_class in FORMS:
            form = form_class(formdata=None)
            for field in walk(form):
                if (
                    str(field.label.text).rstrip().endswith("?")
                    and field.type not in ("SubmitField", "BooleanField")
                    and field.name not in form.names
                    and field.short_name not in form.names
                ):
                    missing.append(f"{form_class.__qualname__}.{field.name}")
    assert not missing, f"question labels without Form.names entries: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["empty", "nonsense"])
@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__qualname__)
def test_every_message_names_its_field_once_in_the_page_language(app, form_class, kind, language):
    """Each field's message contains the field's name exactly once; hidden fields say the page is stale."""
    form, messages, top, stale, names = validated(
        form_class, app, language, submission(form_class, app, kind)
    )
    for field, message in messages:
        where = f"{form_class.__qualname__}.{field.name} ({language}, {kind}): {message!r}"
        assert message not in DEFAULTS and not any(t in message for t in TELLTALES), where
        if field.type in HIDDEN:
            assert message == stale, where
            continue
        name = names[field.name]
        assert message.casefold().count(name.casefold()) == 1, f"{where} should name {name!r} once"
        rest = message.replace(name, "")
        if language == "en":
            assert not CJK.search(rest), where
        else:
            assert CJK.search(rest), where
    for message in top:
        assert (
            message not in DEFAULTS
            and "Version" not in message
            and "csrf" not in message.casefold()
        ), message
    assert top.count(stale) <= 1


@pytest.mark.parametrize(
    "language, stale",
    [
        ("en", "This page is out of date: reload it and try again."),
        ("zh_Hans_CN", "本页内容已过期：请刷新页面后重试。"),
    ],
)
def test_a_missing_version_and_token_are_one_sentence_at_the_top(app, language, stale):
    """A console action without its version or CSRF token: no 'Version: 该字段是必填字段', one sentence on top."""
    from portal.console.report_forms import ReplyForm

    form, messages, top, _stale, _names = validated(
        ReplyForm, app, language, {"text": "我们已派人现场核查。"}
    )
    assert top == [stale]
    assert all(message == stale for _field, message in messages)


@pytest.mark.parametrize(
    "language, stale",
    [
        ("en", "This page is out of date: reload it and try again."),
        ("zh_Hans_CN", "本页内容已过期：请刷新页面后重试。"),
    ],
)
def test_a_console_action_without_its_version_says_the_page_is_stale(app, language, stale):
    """The report page's reply without its version flashed "Version: 该字段是必填字段。; 答复举报人（公开）: …"; now one
    sentence per problem, in the page's language, naming no hidden field."""
    from tests.helpers import report_forms, staff_client, submit_report, summary_of

    reference, _code = submit_report(app.test_client())
    staff = staff_client(app, "shz", "第八师石河子市", english=language == "en")
    _page, token, _version = report_forms(staff, reference)
    response = staff.post(f"/console/reports/{reference}/reply", data={"csrf_token": token})
    assert (
        response.status_code == 400
    )  # the report page again, the reply form with its error summary
    summary = summary_of(response.get_data(as_text=True))
    reply = "Enter the reply to the resident." if language == "en" else "请填写答复内容。"
    assert summary == [(None, stale), ("reply-text", reply)], summary


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "This page is out of date: go back, reload it and try again."),
        ("zh_Hans_CN", "本页内容已过期：请返回并刷新页面后重试。"),
    ],
)
def test_a_form_sent_without_its_csrf_token_says_what_to_do(client, language, message):
    """A stale or missing CSRF token (an old tab) is a 400 page that says what to do, not "Bad request"."""
    client.get(f"/language/{language}")
    response = client.post("/reports/track", data={"reference": "JB-2026-000001", "code": "x"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
