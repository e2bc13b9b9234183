"""One page of a list, as every paged list of the portal (console, public pages, audit) hands it to a template.

A neutral module: services and views of every domain import it, so it imports nothing of the portal.
"""
import math
from dataclasses import dataclass


@dataclass
class Page:
    """One page of a list."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        """How many pages there are (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))
