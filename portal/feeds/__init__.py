"""Syndication feeds (Atom 1.0), /feeds."""
from flask import Blueprint

bp = Blueprint("feeds", __name__)

from portal.feeds import consultations  # noqa: E402,F401
