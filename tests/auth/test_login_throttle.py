"""Failed logins counted per (account, client address) and per address: no lockout from afar, no oracle."""

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import RateLimitHit
from tests.helpers import add_user, client_at, login, summary_of

WRONG = "wrong password!"


def refusal(response):
    """What a person sees of a refused login: status and the error summary's messages."""
    page = response.get_data(as_text=True)
    return response.status_code, [message for _, message in summary_of(page)]


def test_unknown_wrong_throttled_and_deactivated_answer_alike(make_app):
    """Unknown account, wrong password, an account throttled for this address, a deactivated account
    and a good password while throttled all get the same status and the same one message."""
    app = make_app(LOGIN_MAX_FAILURES=3)
    add_user(app)
    add_user(app, username="gone-staff")
    app.test_cli_runner().invoke(args=["portal", "deactivate-user", "gone-staff"])
    attacker = client_at(app, "198.51.100.7")
    unknown = refusal(login(attacker, username="nobody", password=WRONG))
    wrong = refusal(login(attacker, password=WRONG))
    login(attacker, password=WRONG)
    login(attacker, password=WRONG)
    throttled = refusal(login(attacker, password=WRONG))
    right_but_throttled = refusal(login(attacker))
    deactivated = refusal(login(client_at(app, "198.51.100.8"), username="gone-staff"))
    assert unknown == wrong == throttled == right_but_throttled == deactivated
    assert unknown == (400, ["用户名或密码错误。"]), unknown
    assert attacker.get("/console/").status_code == 302


def test_failures_elsewhere_do_not_lock_out_the_real_user(make_app):
    """Five wrong passwords from address A leave the account open to its owner at address B."""
    app = make_app(LOGIN_MAX_FAILURES=5)
    add_user(app)
    attacker = client_at(app, "198.51.100.7")
    for _ in range(6):
        login(attacker, password=WRONG)
    assert login(attacker).status_code == 400
    owner = client_at(app, "203.0.113.20")
    response = login(owner)
    assert response.status_code == 302 and owner.get("/console/").status_code == 200


def test_one_address_is_limited_over_all_accounts(make_app):
    """Guessing across many accounts from one address stops at the per-address limit, even for a good password."""
    app = make_app(LOGIN_MAX_FAILURES=5, LOGIN_ADDRESS_MAX_FAILURES=4)
    add_user(app)
    sprayer = client_at(app, "198.51.100.7")
    for number in range(4):
        login(sprayer, username=f"guess-{number}", password=WRONG)
    assert login(sprayer).status_code == 400
    assert login(client_at(app, "203.0.113.20")).status_code == 302


def test_counters_store_no_address_or_username(make_app):
    """The throttle table holds keyed hashes, never the client's address or the username tried."""
    app = make_app()
    add_user(app)
    login(client_at(app, "198.51.100.7"), password=WRONG)
    with app.app_context():
        keys = db.session.scalars(sa.select(RateLimitHit.key)).all()
    assert len(keys) == 2, keys
    assert all("198.51.100.7" not in key and "jsj-staff" not in key for key in keys), keys
    assert all(re.fullmatch(r"login-[a-z]+:[0-9a-f]{64}", key) for key in keys), keys


def test_a_good_login_forgets_the_owners_typos_but_not_the_address_count(make_app):
    """After logging in, the owner's earlier failures no longer count against the account at that address;
    the failures against other accounts from that address still do."""
    app = make_app(LOGIN_MAX_FAILURES=3, LOGIN_ADDRESS_MAX_FAILURES=5)
    add_user(app)
    owner = client_at(app, "203.0.113.20")
    login(owner, password=WRONG)
    login(owner, password=WRONG)
    assert login(owner).status_code == 302
    login(owner, password=WRONG)
    login(owner, password=WRONG)
    assert login(client_at(app, "203.0.113.20")).status_code == 302
    login(owner, password=WRONG)  # the address's fifth failure
    assert login(client_at(app, "203.0.113.20")).status_code == 400
