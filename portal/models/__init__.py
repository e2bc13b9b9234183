"""The database models, split by domain; importing this package registers them all."""
from portal.models.accounts import User
from portal.models.policy import (
    Chapter,
    Comparison,
    Indicator,
    Measure,
    PolicyDocument,
    Task,
    TaskKind,
    TaskUnit,
    TaskUnitRole,
)
from portal.models.units import Area, Unit, UnitAlias, UnitKind

__all__ = [
    "Area",
    "Chapter",
    "Comparison",
    "Indicator",
    "Measure",
    "PolicyDocument",
    "Task",
    "TaskKind",
    "TaskUnit",
    "TaskUnitRole",
    "Unit",
    "UnitAlias",
    "UnitKind",
    "User",
]
