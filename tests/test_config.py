"""Configuration from PORTAL_* variables."""

import pytest

from portal import config

IDENTITY_KEY = "A" * 43 + "="  # 32 bytes, base64url


def test_data_dir_and_database_default_together(tmp_path):
    """PORTAL_DATA_DIR moves the SQLite database with it."""
    settings = config.load(environ={"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/portal.db"


def test_database_url_overrides(tmp_path):
    """PORTAL_DATABASE_URL selects another database."""
    url = "postgresql+psycopg://portal@127.0.0.1/portal"
    settings = config.load(
        environ={
            "PORTAL_ENV": "development",
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_DATABASE_URL": url,
        }
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == url


def test_production_requires_a_secret_key(tmp_path):
    """Without PORTAL_SECRET_KEY the portal refuses to start in production."""
    with pytest.raises(config.ConfigError, match="PORTAL_SECRET_KEY"):
        config.load(environ={"PORTAL_DATA_DIR": str(tmp_path)})
    settings = config.load(
        environ={
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_SECRET_KEY": "k" * 40,
            "PORTAL_IDENTITY_KEY": IDENTITY_KEY,
        }
    )
    assert settings["SECRET_KEY"] == "k" * 40 and settings["SESSION_COOKIE_SECURE"]


def test_production_requires_an_identity_key(tmp_path):
    """Without PORTAL_IDENTITY_KEY the portal refuses to start in production, and writes no key of its own."""
    with pytest.raises(config.ConfigError, match="PORTAL_IDENTITY_KEY"):
        config.load(environ={"PORTAL_DATA_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "k" * 40})
    assert not (tmp_path / "identity_key").exists()


def test_development_keeps_a_generated_identity_key(tmp_path):
    """Outside production an identity key is generated once (mode 0600) and reused: identities stay readable."""
    environ = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)}
    assert (
        config.load(environ=environ)["IDENTITY_KEY"] == config.load(environ=environ)["IDENTITY_KEY"]
    )
    assert (tmp_path / "identity_key").stat().st_mode & 0o077 == 0


def test_development_keeps_a_generated_key(tmp_path):
    """In development a key is generated once and reused, so sessions survive restarts."""
    environ = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)}
    assert config.load(environ=environ)["SECRET_KEY"] == config.load(environ=environ)["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_bad_numbers_are_named(tmp_path):
    """A non-numeric setting names the variable."""
    with pytest.raises(config.ConfigError, match="PORTAL_LOGIN_MAX_FAILURES"):
        config.load(
            environ={
                "PORTAL_ENV": "development",
                "PORTAL_DATA_DIR": str(tmp_path),
                "PORTAL_LOGIN_MAX_FAILURES": "many",
            }
        )


@pytest.mark.parametrize("hour", ["24", "-1"])
def test_an_open_data_hour_outside_the_day_is_refused(tmp_path, hour):
    """The hour the bulk files of /data are written must be one of the day's (0 to 23)."""
    environ = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)}
    with pytest.raises(config.ConfigError, match="PORTAL_OPEN_DATA_HOUR"):
        config.load(environ={**environ, "PORTAL_OPEN_DATA_HOUR": hour})
    assert config.load(environ=environ)["OPEN_DATA_DIR"] == str(tmp_path.resolve() / "open-data")
