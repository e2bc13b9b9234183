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
