"""environmental social organisations, volunteer activities, supported cases, litigation requests

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

Written by hand. Four new tables, nothing existing changes:

- organisations: the register's applications (pending / verified / refused), contact encrypted at rest,
  what the organisation publishes of it, and the hash of its management-link token;
- organisation_activities: volunteer activities of a verified organisation (the public calendar);
- organisation_supports: a verified organisation supports a public case;
- litigation_requests: a request for a closed case's record for public-interest litigation, the
  handling unit's answer and the litigation's outcome.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("registration_authority", sa.String(length=100), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.Text(), nullable=False),
        sa.Column("publish_name", sa.Boolean(), nullable=False),
        sa.Column("publish_phone", sa.Boolean(), nullable=False),
        sa.Column("publish_email", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            _enum("organisationstatus", "pending", "verified", "refused"),
            nullable=False,
        ),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_organisations_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_organisations_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("token", name=op.f("uq_organisations_token")),
    )
    op.create_index(op.f("ix_organisations_area_id"), "organisations", ["area_id"], unique=False)
    op.create_index(
        op.f("ix_organisations_credit_code"), "organisations", ["credit_code"], unique=False
    )
    op.create_index(op.f("ix_organisations_status"), "organisations", ["status"], unique=False)
    op.create_table(
        "organisation_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            _enum("activitykind", "cleanup", "monitoring", "education", "planting", "other"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("signup", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_organisation_activities_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_activities_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_activities")),
    )
    op.create_index(
        op.f("ix_organisation_activities_organisation_id"),
        "organisation_activities",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_organisation_activities_starts_at"),
        "organisation_activities",
        ["starts_at"],
        unique=False,
    )
    op.create_table(
        "organisation_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_supports_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_organisation_supports_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_supports")),
        sa.UniqueConstraint(
            "organisation_id",
            "report_id",
            name=op.f("uq_organisation_supports_organisation_id_report_id"),
        ),
    )
    op.create_index(
        op.f("ix_organisation_supports_organisation_id"),
        "organisation_supports",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_organisation_supports_report_id"),
        "organisation_supports",
        ["report_id"],
        unique=False,
    )
    op.create_table(
        "litigation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            _enum("litigationstatus", "requested", "provided", "refused"),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            _enum("litigationoutcome", "filed", "court", "judgment", "settled"),
            nullable=True,
        ),
        sa.Column("outcome_text", sa.Text(), nullable=False),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_litigation_requests_answered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_litigation_requests_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_litigation_requests_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_litigation_requests_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_requests")),
    )
    for column in ("organisation_id", "report_id", "unit_id"):
        op.create_index(
            op.f(f"ix_litigation_requests_{column}"),
            "litigation_requests",
            [column],
            unique=False,
        )


def downgrade():
    for column in ("organisation_id", "report_id", "unit_id"):
        op.drop_index(op.f(f"ix_litigation_requests_{column}"), table_name="litigation_requests")
    op.drop_table("litigation_requests")
    op.drop_index(op.f("ix_organisation_supports_report_id"), table_name="organisation_supports")
    op.drop_index(
        op.f("ix_organisation_supports_organisation_id"), table_name="organisation_supports"
    )
    op.drop_table("organisation_supports")
    op.drop_index(
        op.f("ix_organisation_activities_starts_at"), table_name="organisation_activities"
    )
    op.drop_index(
        op.f("ix_organisation_activities_organisation_id"), table_name="organisation_activities"
    )
    op.drop_table("organisation_activities")
    op.drop_index(op.f("ix_organisations_status"), table_name="organisations")
    op.drop_index(op.f("ix_organisations_credit_code"), table_name="organisations")
    op.drop_index(op.f("ix_organisations_area_id"), table_name="organisations")
    op.drop_table("organisations")
