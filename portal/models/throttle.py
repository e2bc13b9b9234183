"""Fixed-window counters for rate limits, kept in the database so all workers share them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class RateLimitHit(db.Model):
    """How many times `key` was used in the window starting at `window_start`."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (sa.UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(160))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(default=0)
