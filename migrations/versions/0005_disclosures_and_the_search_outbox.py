"""disclosures and the search outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

Reviewed by hand: disclosure categories (editable, seeded by `portal init`), disclosures with their
task links, immutable published versions (unique number per disclosure), attachments (server-made
`path`, unique) and goal observations (one value per disclosure, indicator and year). Children go
with their disclosure (ON DELETE CASCADE); nothing here holds personal data. `search_outbox` lists
documents to re-index, written in the transaction of the change. Enums are short strings as before;
datetimes are aware (UTC).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "disclosure_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("takes_observations", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_disclosure_categories_code")),
    )
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "published",
                "withdrawn",
                name="disclosurestate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_disclosures_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["disclosure_categories.id"],
            name=op.f("fk_disclosures_category_id_disclosure_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_disclosures_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_disclosures_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosures_area_id"), ["area_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_disclosures_category_id"), ["category_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disclosures_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosures_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "disclosure_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_disclosure_attachments_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_disclosure_attachments_disclosure_id_disclosures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_attachments")),
        sa.UniqueConstraint("path", name=op.f("uq_disclosure_attachments_path")),
    )
    with op.batch_alter_table("disclosure_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_attachments_disclosure_id"), ["disclosure_id"], unique=False
        )

    op.create_table(
        "disclosure_tasks",
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_disclosure_tasks_disclosure_id_disclosures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_disclosure_tasks_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("disclosure_id", "task_id", name=op.f("pk_disclosure_tasks")),
    )
    op.create_table(
        "disclosure_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_disclosure_versions_disclosure_id_disclosures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_disclosure_versions_published_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_versions")),
        sa.UniqueConstraint(
            "disclosure_id", "number", name=op.f("uq_disclosure_versions_disclosure_id_number")
        ),
    )
    with op.batch_alter_table("disclosure_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_versions_disclosure_id"), ["disclosure_id"], unique=False
        )

    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_observations_disclosure_id_disclosures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_observations_indicator_id_indicators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
        sa.UniqueConstraint(
            "disclosure_id",
            "indicator_id",
            "year",
            name=op.f("uq_observations_disclosure_id_indicator_id_year"),
        ),
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_observations_disclosure_id"), ["disclosure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_observations_indicator_id"), ["indicator_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observations_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_observations_disclosure_id"))

    op.drop_table("observations")
    with op.batch_alter_table("disclosure_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_versions_disclosure_id"))

    op.drop_table("disclosure_versions")
    op.drop_table("disclosure_tasks")
    with op.batch_alter_table("disclosure_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_attachments_disclosure_id"))

    op.drop_table("disclosure_attachments")
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosures_unit_id"))
        batch_op.drop_index(batch_op.f("ix_disclosures_state"))
        batch_op.drop_index(batch_op.f("ix_disclosures_category_id"))
        batch_op.drop_index(batch_op.f("ix_disclosures_area_id"))

    op.drop_table("disclosures")
    op.drop_table("search_outbox")
    op.drop_table("disclosure_categories")
