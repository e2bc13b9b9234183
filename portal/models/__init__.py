"""The database models, split by domain; importing this package registers them all."""
from portal.models.accounts import ApiKey, User
from portal.models.audit import AuditRecord
from portal.models.clocks import HolidayOverride
from portal.models.consultations import (
    Comment,
    CommentContact,
    CommentDecision,
    CommentFlag,
    CommentState,
    Consultation,
    ConsultationAttachment,
    ConsultationKind,
    ConsultationState,
    Hearing,
    Paragraph,
    Project,
    ProjectStage,
    Registration,
    RegistrationStatus,
    Subscription,
)
from portal.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureCategory,
    DisclosureState,
    DisclosureVersion,
    Observation,
)
from portal.models.outbox import MailMessage
from portal.models.policy import (
    Chapter,
    Comparison,
    Goal,
    Measure,
    PolicyDocument,
    Task,
    TaskKind,
    TaskUnit,
    TaskUnitRole,
)
from portal.models.reports import (
    PUBLIC_EVENTS,
    Category,
    EventKind,
    Evidence,
    ExtensionState,
    IdentityVisibility,
    Report,
    ReportCopy,
    ReportEvent,
    ReporterIdentity,
    ReportSource,
    ReportStatus,
    RoutingRule,
)
from portal.models.search import SearchOutbox
from portal.models.throttle import RateLimitHit
from portal.models.units import Area, Unit, UnitAlias, UnitKind
from portal.models.versions import DataVersion

__all__ = [
    "Comment", "CommentContact", "CommentDecision", "CommentFlag", "CommentState", "Consultation",
    "ConsultationAttachment", "ConsultationKind", "ConsultationState", "Hearing", "Paragraph", "Project", "ProjectStage",
    "Registration", "RegistrationStatus", "Subscription",
    "Disclosure", "DisclosureAttachment", "DisclosureCategory", "DisclosureState", "DisclosureVersion", "Observation",
    "SearchOutbox",
    "PUBLIC_EVENTS", "ApiKey", "Area", "AuditRecord", "Category", "Chapter", "Comparison", "EventKind",
    "DataVersion", "Evidence", "ExtensionState", "Goal", "HolidayOverride", "IdentityVisibility", "MailMessage", "Measure",
    "PolicyDocument", "RateLimitHit", "Report", "ReportCopy", "ReportEvent", "ReportSource",
    "ReportStatus", "ReporterIdentity", "RoutingRule", "Task", "TaskKind", "TaskUnit", "TaskUnitRole",
    "Unit", "UnitAlias", "UnitKind", "User",
]
