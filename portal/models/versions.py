"""Versions of the public data, one row per domain, bumped in the transaction of every change to it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class DataVersion(db.Model):
    """How many committed changes a domain of public data has had, and when the last one was committed."""

    __tablename__ = "data_versions"

    domain: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
