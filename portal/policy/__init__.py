"""The importer of the policy document the portal serves."""

from importlib import resources


def bundled_text():
    """The policy document shipped with the portal."""
    return resources.files("portal.policy").joinpath("data/policy.txt").read_text(encoding="utf-8")


def bundled_divisions():
    """The 14 师(市) shipped with the portal, as (number, division, city) rows."""
    text = (
        resources.files("portal.policy").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    )
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            number, name, city = (line.split("\t") + ["", ""])[:3]
            rows.append((int(number), name.strip(), city.strip() or None))
    return rows
