"""Models and hand-reviewed migrations must describe the same schema."""

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
