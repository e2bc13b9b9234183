"""Search as the portal uses it: what to (re)index is written to the outbox with the change itself.

The index is a rebuildable cache of the database (see portal/search/); only public fields go in.
"""
from portal.extensions import db
from portal.models import SearchOutbox


def enqueue(kind, key):
    """Ask for the document `kind`:`key` to be re-read into the index (or dropped) after this transaction commits."""
    db.session.add(SearchOutbox(kind=kind, key=str(key)))
