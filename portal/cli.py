"""`flask --app wsgi portal …`: init, check, rotate-identity-key, reindex, create-user and the account commands,
create-api-key, send-mail, tick, export-data, demo, backup, restore."""

import sys
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from portal.errors import DomainError
from portal.extensions import db
from portal.policy.parser import PolicyFormatError

portal = AppGroup("portal", help="Set up and look after the portal.")
# The PostgreSQL advisory lock ("init") that lets one `portal init` at a time work on a database.
INIT_LOCK = 0x696E6974


def register_commands(app):
    """Add the `portal` command group to `app`."""
    app.cli.add_command(portal)


def migration_state():
    """(current revisions, head revisions) of the database and the migrations folder."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, heads


@portal.command("init")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Import this revision of the policy instead of the bundled one.",
)
def init_command(policy_path):
    """Migrate, import the policy, seed categories and routing rules (running it again changes nothing)."""
    from flask_migrate import upgrade

    from portal.policy import bundled_text
    from portal.services.setup import bootstrap

    Path(current_app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    with one_init_at_a_time():
        upgrade()
        text = policy_path.read_text(encoding="utf-8") if policy_path else bundled_text()
        try:
            result = bootstrap(text)
            db.session.commit()
        except PolicyFormatError as error:
            db.session.rollback()
            raise click.ClickException(f"policy not imported: {error}") from None
        state = "imported" if result.changed else "unchanged"
        click.echo(
            f"policy {state}: {result.chapters} chapters, {result.measures} measures, "
            f"{result.tasks} tasks, {result.units} units named, {result.goals} goals"
        )
        click.echo(prepare_search_index())


@contextmanager
def one_init_at_a_time():
    """On PostgreSQL, hold the database's init lock for the block: app hosts started together wait in turn."""
    # Every gunicorn runs init before serving (deploy/gunicorn.conf.py). Hosts started at once on a new or
    # upgraded database would run the same migrations together, and all but one fail and refuse to serve;
    # in turn, the later ones find the work done. A session lock, on a connection of its own: it spans
    # the commits inside, and ends with the process if that dies holding it.
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(sa.select(sa.func.pg_advisory_lock(INIT_LOCK)))
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(INIT_LOCK)))
            connection.commit()


def prepare_search_index():
    """Build the search index when there is none, else drain the outbox into it; a line saying what happened."""
    from portal.services import search

    config = current_app.config
    if search.index_exists(config):
        return drain_outbox()
    try:
        count = search.reindex(config)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return f"search index not built ({error.message}); run `flask --app wsgi portal reindex`"
    return f"search index built: {count} documents"


def drain_outbox():
    """Drain the search outbox until it is empty or the index does not answer; a line saying what happened."""
    from portal.services import search

    written = removed = 0
    for _round in range(100):
        drained = search.drain(current_app.config, timeout=search.COMMAND_TIMEOUT)
        written, removed = written + drained.written, removed + drained.removed
        if not drained.available or not drained.pending:
            break
    state = (
        ""
        if drained.available
        else " (index missing or locked: run `flask --app wsgi portal reindex` if missing)"
    )
    return f"search index updated: {written} documents written, {removed} removed, {drained.pending} waiting{state}"


def search_problems():
    """(problems, summary) of the search index against the database, for `check`."""
    from portal.services import search

    try:
        found = search.drift(current_app.config)
    except DomainError:
        return [
            f"search index missing at {search.location(current_app.config)} "
            "(run `flask --app wsgi portal reindex`)"
        ], ""
    problems = []
    if not found.consistent:

        def keys(items):
            more = f", … {len(items) - 5} more" if len(items) > 5 else ""
            return f" ({', '.join(items[:5])}{more})" if items else ""

        problems.append(
            f"search index differs from the database: {len(found.missing)} missing{keys(found.missing)}, "
            f"{len(found.extra)} extra{keys(found.extra)}"
            f"{', built without ' + ', '.join(found.outdated) if found.outdated else ''}"
            " (run `flask --app wsgi portal reindex`)"
        )
    return (
        problems,
        f"search index: {found.indexed} documents, {found.pending} waiting in the outbox",
    )


def identity_problems():
    """(problems, summary) of the stored identities: plaintext left, values no configured key reads."""
    from portal.services import identity_keys

    ring = current_app.extensions["identity_keyring"]
    with db.engine.connect() as connection:
        found = identity_keys.survey(connection, ring)
    return found.problems(ring), found.summary(ring)


@portal.command("check")
def check_command():
    """Check migrations, the imported policy, the search index and the encrypted identities; exit 1 if not right."""
    from portal.services.policy import summary

    problems = []
    try:
        current, heads = migration_state()
    except Exception as error:  # an unreachable database is a finding here, not a crash
        click.echo(f"FAIL database unreachable: {error}")
        sys.exit(1)
    if current != heads:
        problems.append(f"migrations at {sorted(current) or 'none'}, head is {sorted(heads)}")
    counts = summary() if not problems else {}
    if not problems and counts["measures"] == 0:
        problems.append("policy not imported (run `flask --app wsgi portal init`)")
    index = record = ""
    if current == heads:
        found, index = search_problems()
        problems += found
        found, record = history_problems()
        problems += found
        problems += orphan_problems()
        found, identities = identity_problems()
        problems += found
        index = f"{index}; {identities}"
    if problems:
        click.echo("FAIL " + "; ".join(problems))
        sys.exit(1)
    click.echo(
        f"OK migrations at head ({', '.join(sorted(heads))}); policy imported: {counts['chapters']} chapters, "
        f"{counts['measures']} measures, {counts['tasks']} tasks, {counts['units']} units, "
        f"{counts['goals']} goals; {index}; {record}"
    )


def history_problems():
    """(problems, summary) of the append-only record: its triggers and every hash chain, for `check`."""
    from portal.services import history

    problems = [
        f"{table} accepts UPDATE and DELETE: its append-only triggers are missing "
        "(recreate them as migration 0006 does)"
        for table in history.missing_guards()
    ]
    found = history.verify()
    problems += [f"history chain broken: {where}" for where in found.breaks]
    return problems, (
        f"history: {found.events} events in {found.reports} reports and {found.records} audit records, "
        "every chain intact"
    )


def orphan_problems():
    """Problems with the stored files, for `check`: unreferenced ones past the grace period, referenced ones missing."""
    import sqlalchemy as sa

    from portal.services import storage

    config = current_app.config
    referenced = storage.referenced_files(lambda sql: db.session.execute(sa.text(sql)).all())
    orphans = storage.find_orphans(
        config["FILES_DIR"], referenced, config["ORPHAN_FILE_GRACE_SECONDS"]
    ).paths
    missing = sorted(referenced - set(storage.stored_files(config["FILES_DIR"])))
    problems = []
    for found, what in (
        (orphans, "stored files no row refers to"),
        (missing, "files rows refer to are missing"),
    ):
        if found:
            more = f", … {len(found) - 5} more" if len(found) > 5 else ""
            fix = "; `portal tick` removes them" if found is orphans else ""
            problems.append(f"{len(found)} {what} ({', '.join(found[:5])}{more}{fix})")
    return problems


@portal.command("rotate-identity-key")
def rotate_identity_key_command():
    """Re-encrypt every identity under the first key of PORTAL_IDENTITY_KEY; then the older keys can go."""
    from portal.services import identity_keys

    ring = current_app.extensions["identity_keyring"]
    count = identity_keys.rotate(db.engine, ring)
    with db.engine.connect() as connection:
        left = {
            k: n
            for k, n in identity_keys.survey(connection, ring).by_key.items()
            if k != ring.primary_id
        }
    click.echo(
        f"re-encrypted the identities of {count} rows under key {ring.primary_id}; "
        + (f"still under other keys: {left}" if left else "no value needs the other keys any more")
    )
    if left:
        sys.exit(1)


@portal.command("reindex")
def reindex_command():
    """Rebuild the search index from the database in a new directory, then swap it in atomically."""
    from portal.services import search

    config = current_app.config
    try:
        with click.progressbar(length=search.estimate(), label="indexing", show_pos=True) as bar:
            count = search.reindex(config, progress=bar.update)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"search index not rebuilt: {error.message}") from None
    click.echo(f"search index rebuilt: {count} documents in {search.location(config)}")


@portal.command("create-user")
@click.argument("username")
@click.option(
    "--unit", "unit_name", required=True, help="The unit's name or alias, e.g. 兵团建设局."
)
@click.option(
    "--role",
    type=click.Choice(["staff", "unit_admin", "site_admin"]),
    default="staff",
    show_default=True,
)
@click.option("--display-name", default="", help="The name shown to colleagues.")
@click.option("--email", default="", help="Where to send notices of new reports.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(username, unit_name, role, display_name, email, password_stdin):
    """Add a staff account; the password is prompted for, or read from stdin."""
    from portal.services.accounts import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, unit_name, role, password, display_name, email)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"created {user.username} ({user.role.value}) in {user.unit.name}")


def _account_change(username, change):
    """Apply `change` to the account named `username` and commit; a ClickException naming the problem otherwise."""
    from portal.services.accounts import find_user

    try:
        user = find_user(username)
        change(user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    return user


@portal.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(username, password_stdin):
    """Give an account a new password (prompted twice, or read from stdin); ends all its sessions."""
    from portal.services.accounts import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _account_change(username, lambda user: set_password(user, password))
    click.echo(f"password set for {user.username}; every session of the account ended")


@portal.command("deactivate-user")
@click.argument("username")
def deactivate_user_command(username):
    """Refuse an account's logins and end all its sessions at once."""
    from portal.services.accounts import set_active

    user = _account_change(username, lambda user: set_active(user, False))
    click.echo(f"deactivated {user.username}; every session of the account ended")


@portal.command("activate-user")
@click.argument("username")
def activate_user_command(username):
    """Allow a deactivated account to log in again (its old sessions stay ended)."""
    from portal.services.accounts import set_active

    user = _account_change(username, lambda user: set_active(user, True))
    click.echo(f"activated {user.username}")


@portal.command("end-sessions")
@click.argument("username")
def end_sessions_command(username):
    """Log an account out of every browser (e.g. a lost phone); the password stays as it is."""
    from portal.services.accounts import end_sessions

    user = _account_change(username, end_sessions)
    click.echo(f"every session of {user.username} ended")


@portal.command("demo")
def demo_command():
    """Add sample data, every item marked 示例 (sample); never run on a production portal."""
    from portal.services.demo import load_demo

    created = load_demo(current_app.config)
    db.session.commit()
    for line in created:
        click.echo(line)
    click.echo(drain_outbox())
    click.echo(export_data())


@portal.command("send-mail")
@click.option("--limit", default=100, show_default=True, help="Send at most this many messages.")
def send_mail_command(limit):
    """Send queued email by SMTP (PORTAL_MAIL_SERVER), or write it under DATA_DIR/mail without one."""
    from portal.services.mail import send_pending

    sent, failed = send_pending(current_app.config, limit)
    # Counts only: recipients are reporters' contact details and never go to logs.
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        sys.exit(1)


@portal.command("tick")
def tick_command():
    """Close due consultations, queue hearing reminders and report notices and digests, drain the search
    outbox, remove orphan files and write the day's open data (cron)."""
    import sqlalchemy as sa

    from portal.models.types import utcnow
    from portal.services import (
        consultations,
        datasets,
        hearings,
        storage,
        subscriptions,
        task_reports,
    )

    now = utcnow()
    closed = consultations.close_due(now, current_app.config)
    reminded = hearings.send_reminders(now)
    db.session.commit()
    click.echo(f"consultations closed {len(closed)}, hearing reminders queued {reminded}")
    # Each batch commits with its record of the events it announced: a crash re-sends nothing.
    events = mails = 0
    for _round in range(100):
        handled, queued = subscriptions.queue_report_notices(current_app.config, now)
        db.session.commit()
        events, mails = events + handled, mails + queued
        if handled < subscriptions.NOTICE_BATCH:
            break
    digests = subscriptions.queue_digests(current_app.config, now)
    db.session.commit()
    click.echo(
        f"report events announced {events} in {mails} notices, daily digests queued {digests}"
    )
    task_reminders = task_reports.queue_reminders(current_app.config, now)
    db.session.commit()
    click.echo(f"task report reminders queued {task_reminders}")
    click.echo(drain_outbox())
    config = current_app.config
    referenced = storage.referenced_files(lambda sql: db.session.execute(sa.text(sql)).all())
    found = storage.find_orphans(
        config["FILES_DIR"], referenced, config["ORPHAN_FILE_GRACE_SECONDS"]
    )
    removed = storage.remove_orphans(config["FILES_DIR"], found.paths)
    click.echo(
        f"unreferenced stored files removed {removed}, {found.recent} younger than the grace period kept"
    )
    manifest = datasets.read_manifest(config["OPEN_DATA_DIR"])
    if datasets.due(manifest, now, config["OPEN_DATA_HOUR"], config["BABEL_DEFAULT_TIMEZONE"]):
        click.echo(export_data())


def export_data():
    """Write the bulk files of /data now; one line saying how many rows went into them."""
    from portal import open_data
    from portal.services import datasets
    from portal.urls import absolute_url

    config = current_app.config
    manifest = datasets.write_files(
        config["OPEN_DATA_DIR"], absolute_url, open_data.licence(config), config=config
    )
    rows = sum(entry["rows"] for entry in manifest["datasets"].values())
    return f"open data written: {len(manifest['datasets'])} datasets, {rows} rows"


@portal.command("export-data")
def export_data_command():
    """Write the open datasets of /data (CSV and JSON) now, instead of waiting for the nightly tick."""
    click.echo(export_data())


@portal.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_command(directory):
    """Back up the database and the stored files into DIRECTORY (new or empty) while the portal serves."""
    from portal.services import backup

    try:
        result = backup.backup(current_app.config, directory)
    except DomainError as error:
        raise click.ClickException(f"backup failed: {error.message}") from None
    manifest = result.manifest
    click.echo(
        f"backup written to {directory} in {result.seconds:.1f} s: {len(manifest['tables'])} tables, "
        f"{result.rows} rows, {len(manifest['files'])} files "
        f"({manifest['referenced_files']} referenced by the database), taken at {manifest['taken_at']}"
    )


@portal.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Replace a database and stored files that are not empty."
)
def restore_command(directory, force):
    """Restore a backup into an empty database and data directory, check it, and rebuild the search index."""
    from portal.services import backup

    db.session.remove()
    db.engine.dispose()
    try:
        result = backup.restore(current_app.config, directory, force=force)
    except DomainError as error:
        raise click.ClickException(f"restore failed: {error.message}") from None
    manifest = result.manifest
    click.echo(
        f"restored {result.rows} rows in {len(manifest['tables'])} tables and {len(manifest['files'])} "
        f"files from the backup taken at {manifest['taken_at']}, checked against its manifest, "
        f"in {result.seconds:.1f} s"
    )
    db.engine.dispose()
    Path(current_app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    reindex_command.callback()


@portal.command("create-api-key")
@click.argument("name")
def create_api_key_command(name):
    """Create an Open311 API key; the key is printed once and stored only as a hash."""
    from portal.services.api_keys import create_api_key

    try:
        _key, plaintext = create_api_key(name)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(plaintext)
