"""Models and hand-reviewed migrations must describe the same schema."""

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_models_and_migrations_do_not_drift(make_app):
    """A database built by the migrations matches the models exactly."""
    app = make_app(policy=False)
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ; write a migration: {differences}"


def test_migrations_downgrade_and_upgrade_again(make_app):
    """Every revision can be undone and redone."""
    from flask_migrate import downgrade, upgrade

    app = make_app(policy=False)
    with app.app_context():
        downgrade(revision="base")
        assert "units" not in db.inspect(db.engine).get_table_names()
        upgrade()
        assert "units" in db.inspect(db.engine).get_table_names()


def test_search_chunks_written_before_0015_get_the_keys_the_engine_computes(make_app):
    """Chunks indexed before the integer group keys get the very keys a new write would give them."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from portal.search.postgres import group_key

    app = make_app(policy=False)
    with app.app_context():
        downgrade(revision="0014")
        values = {"unit": ["兵团水利局", "兵团建设局"], "category": []}
        if db.engine.dialect.name != "postgresql":
            values = {name: json.dumps(value) for name, value in values.items()}
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO search_documents (key, kind, id, title, url, snippet)"
                    " VALUES ('task:1', 'task', '1', 't', '', '')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO search_chunks (key, chunk, chunks, vector, kind, newest, unit, category,"
                    " disclosure_category, area, year, title_vector) VALUES ('task:1', 0, 1, '', 'task', 0,"
                    " :unit, :category, NULL, '第一师', '2024', '')"
                ),
                values,
            )
        upgrade()
        with db.engine.connect() as connection:
            keys = connection.execute(
                sa.text("SELECT facets_key, unit_key, category_key FROM search_chunks")
            ).one()
    assert tuple(keys) == (
        group_key(["task", None, "第一师", "2024"]),
        group_key(["兵团建设局", "兵团水利局"]),
        group_key([]),
    )
