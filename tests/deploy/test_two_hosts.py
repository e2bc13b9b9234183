"""Two app hosts in two network namespaces behind one nginx, on one PostgreSQL database (deploy/two_hosts.py).

Run by `make two-hosts` (CI calls it after the PostgreSQL suite), not by `make test`: it needs root (for
`ip netns`), nginx and PostgreSQL's Unix socket, and takes about a minute of the machine's two cores.
"""

import os

import pytest

from deploy import two_hosts

# The figures: 16 clients for 30 s. TWO_HOSTS_SECONDS shortens (or lengthens) the load run.
SECONDS = float(os.environ.get("TWO_HOSTS_SECONDS", 30))
CLIENTS = 16

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("PORTAL_TEST_TWO_HOSTS") != "1",
        reason="runs through `make two-hosts` (root, ip, nginx and PostgreSQL); PORTAL_TEST_TWO_HOSTS=1 selects it",
    ),
    pytest.mark.skipif(bool(two_hosts.missing()), reason=two_hosts.missing() or "ready"),
]


def test_two_hosts_share_everything_and_one_dying_loses_no_acknowledged_report():
    """Each step of a report's, a comment's and a registration's journey on the other host than the one before;
    failed logins and wrong receipt codes counted over both hosts; under load, host A killed with SIGKILL:
    every acknowledged report stored once, at most one failed request per client."""
    result = two_hosts.run_all(seconds=SECONDS, clients=CLIENTS)
    check = result.check
    assert check["lost"] == check["duplicated"] == check["markers_recorded_twice"] == 0
    assert len(result.acknowledged) > 0 and result.acknowledged_after > 0
    assert result.failed <= CLIENTS
