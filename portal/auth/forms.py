"""Login form."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.forms import Form


class LoginForm(Form):
    """Username and password."""

    names = {"username": _l("your username"), "password": _l("your password")}

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Log in"))


class LogoutForm(Form):
    """An empty form: logging out is a POST with a CSRF token."""

    submit = SubmitField(_l("Log out"))


class PasswordForm(Form):
    """A staff member's own password change: the current password, then the new one twice."""

    names = {
        "current_password": _l("your current password"),
        "new_password": _l("the new password"),
        "new_password_again": _l("the new password again"),
    }

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=256)]
    )
    new_password = PasswordField(
        _l("New password (at least 12 characters)"), validators=[DataRequired(), Length(max=256)]
    )
    new_password_again = PasswordField(
        _l("New password again"), validators=[DataRequired(), Length(max=256)]
    )
    submit = SubmitField(_l("Change password"))
