"""one word per concept: indicators become goals, hearing sessions become hearings

Revision ID: 0011_one_word_per_concept
Revises: 0010
Create Date: 2026-12-07

Written by hand. The public pages already said "goal" and "hearing"; now the tables do too:
`indicators` → `goals` (with `observations.indicator_id` → `goal_id`) and `hearing_sessions` →
`hearings` (with `registrations.session_id` → `hearing_id`). Every index, constraint and (on
PostgreSQL) id sequence named after the old words is renamed, so that an upgraded database and a new
one have the same names. No row changes.

PostgreSQL renames in place. SQLite cannot rename a constraint, and rebuilding a parent table in
place is not safe there: the app's connections enforce foreign keys, so dropping the old parent would
delete (`registrations`: ON DELETE CASCADE) or refuse for its children's rows. So on SQLite the new
parent is created and filled, each child is rebuilt pointing at it (`batch_alter_table`; nothing
references the children), and only then is the old parent, referenced by nothing any more, dropped.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_one_word_per_concept"
down_revision = "0010"
branch_labels = None
depends_on = None


def _goal_columns(table):
    """The columns and constraints of the goals table as revision 0001 made them, named for `table`."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "comparison",
            sa.Enum("le", "ge", "eq", "reduce_by", name="comparison", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("target_value", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=20), nullable=False),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=f"fk_{table}_task_id_tasks"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("task_id", "position", name=f"uq_{table}_task_id_position"),
    ]


def _hearing_columns(table):
    """The columns and constraints of the hearings table as revision 0003 made them, named for `table`."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("registration_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("attendance_count", sa.Integer(), nullable=True),
        sa.Column("minutes_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=f"fk_{table}_consultation_id_consultations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


# Each rename: the parent table (its columns, its indexed column) and the child whose foreign key points
# at it (the column, ON DELETE, and the unique constraint that includes the column, if any).
GOALS = {
    "parent": ("indicators", "goals"),
    "columns": _goal_columns,
    "indexed": "task_id",
    "child": "observations",
    "column": ("indicator_id", "goal_id"),
    "ondelete": None,
    "unique": ("disclosure_id", "{column}", "year"),
}
HEARINGS = {
    "parent": ("hearing_sessions", "hearings"),
    "columns": _hearing_columns,
    "indexed": "consultation_id",
    "child": "registrations",
    "column": ("session_id", "hearing_id"),
    "ondelete": "CASCADE",
    "unique": None,
}


def _columns(spec, old):
    """(the child's column now, its new name): forward when `old` is the parent's old name, else backward."""
    return spec["column"] if old == spec["parent"][0] else spec["column"][::-1]


def _names(spec, parent, new_parent):
    """(kind, owner, name now, new name) of every constraint, index and sequence that names the old words."""
    child, (column, new_column) = spec["child"], _columns(spec, parent)
    pairs = [
        ("constraint", parent, f"pk_{parent}", f"pk_{new_parent}"),
        ("index", parent, f"ix_{parent}_{spec['indexed']}", f"ix_{new_parent}_{spec['indexed']}"),
        ("sequence", parent, f"{parent}_id_seq", f"{new_parent}_id_seq"),
        (
            "constraint",
            child,
            f"fk_{child}_{column}_{parent}",
            f"fk_{child}_{new_column}_{new_parent}",
        ),
        ("index", child, f"ix_{child}_{column}", f"ix_{child}_{new_column}"),
    ]
    # The parent's own foreign keys and unique constraints, named after it.
    for constraint in spec["columns"](parent):
        if isinstance(constraint, (sa.ForeignKeyConstraint, sa.UniqueConstraint)):
            pairs.append(
                (
                    "constraint",
                    parent,
                    constraint.name,
                    constraint.name.replace(parent, new_parent, 1),
                )
            )
    if spec["unique"]:
        before = "_".join(spec["unique"]).format(column=column)
        after = "_".join(spec["unique"]).format(column=new_column)
        pairs.append(("constraint", child, f"uq_{child}_{before}", f"uq_{child}_{after}"))
    return pairs


def _rename_in_place(spec, old, new):
    """PostgreSQL: rename the table, the child's column, and every constraint, index and sequence."""
    column, new_column = _columns(spec, old)
    op.rename_table(old, new)
    op.alter_column(spec["child"], column, new_column_name=new_column)
    for kind, table, before, after in _names(spec, old, new):
        if kind == "constraint":
            # The parent's own constraints: the table has its new name already.
            owner = new if table == old else table
            op.execute(f"ALTER TABLE {owner} RENAME CONSTRAINT {before} TO {after}")
        elif kind == "index":
            op.execute(f"ALTER INDEX {before} RENAME TO {after}")
        else:
            op.execute(f"ALTER SEQUENCE {before} RENAME TO {after}")


def _rebuild(spec, old, new):
    """SQLite: a new parent filled from the old, the child rebuilt pointing at it, then the old parent dropped."""
    column, new_column = _columns(spec, old)
    child, indexed = spec["child"], spec["indexed"]
    columns = spec["columns"](new)
    op.create_table(new, *columns)
    names = ", ".join(c.name for c in columns if isinstance(c, sa.Column))
    op.execute(f"INSERT INTO {new} ({names}) SELECT {names} FROM {old}")
    with op.batch_alter_table(new, schema=None) as batch_op:
        batch_op.create_index(f"ix_{new}_{indexed}", [indexed], unique=False)
    with op.batch_alter_table(child, schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint(f"fk_{child}_{column}_{old}", type_="foreignkey")
        if spec["unique"]:
            batch_op.drop_constraint(
                f"uq_{child}_" + "_".join(spec["unique"]).format(column=column), type_="unique"
            )
        batch_op.drop_index(f"ix_{child}_{column}")
        batch_op.alter_column(
            column, new_column_name=new_column, existing_type=sa.Integer(), existing_nullable=False
        )
    # A second rebuild: within the first, the renamed column is still known by its old name, and
    # constraints and indexes naming the new one would be left out.
    with op.batch_alter_table(child, schema=None, recreate="always") as batch_op:
        batch_op.create_foreign_key(
            f"fk_{child}_{new_column}_{new}", new, [new_column], ["id"], ondelete=spec["ondelete"]
        )
        if spec["unique"]:
            unique = [c.format(column=new_column) for c in spec["unique"]]
            batch_op.create_unique_constraint(f"uq_{child}_" + "_".join(unique), unique)
        batch_op.create_index(f"ix_{child}_{new_column}", [new_column], unique=False)
    with op.batch_alter_table(old, schema=None) as batch_op:
        batch_op.drop_index(f"ix_{old}_{indexed}")
    op.drop_table(old)


def _move(spec, old, new):
    """Rename the parent `old` to `new` and its child's column with it, as the dialect allows."""
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(spec, old, new)
    else:
        _rename_in_place(spec, old, new)


def upgrade():
    for spec in (GOALS, HEARINGS):
        _move(spec, *spec["parent"])


def downgrade():
    for spec in (HEARINGS, GOALS):
        _move(spec, *spec["parent"][::-1])
