"""Bringing a migrated database to a working state: reference data, the policy, routing."""

from portal.policy.importer import import_policy
from portal.services import disclosures
from portal.services.categories import seed_categories
from portal.services.routing import seed_rules
from portal.services.units import seed_areas


def bootstrap(policy_text):
    """Seed areas, import the policy, seed report and disclosure categories and routing rules; all idempotent."""
    seed_areas()
    result = import_policy(policy_text)
    seed_categories()
    disclosures.seed_categories()
    seed_rules()
    return result
