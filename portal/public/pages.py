"""The pages every government site owes its readers: the privacy notice (个人信息保护告知), the accessibility
statement, and the site information in every page's footer (owner, contact, filing numbers), all configured."""

import re

from flask import current_app, render_template

from portal.public import bp
from portal.services.subscriptions import CONFIRMATION_DAYS

MIIT_FILING_SEARCH = "https://beian.miit.gov.cn/"
# The public security filing is looked up by the number's digits (e.g. 新公网安备 65010202000123号).
PUBLIC_SECURITY_SEARCH = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"


def site_information(config):
    """The footer's site information from the configuration; a value not configured is '' and not shown."""
    filing = config.get("PUBLIC_SECURITY_FILING", "").strip()
    code = "".join(re.findall(r"\d", filing))
    return {
        "owner": config.get("SITE_OWNER", "").strip(),
        "contact": config.get("SITE_CONTACT", "").strip(),
        "icp_number": config.get("ICP_NUMBER", "").strip(),
        "icp_url": MIIT_FILING_SEARCH,
        "public_security_filing": filing,
        "public_security_url": PUBLIC_SECURITY_SEARCH.format(code=code) if code else "",
        "licence": config.get("DATA_LICENCE", ""),
        "licence_url": config.get("DATA_LICENCE_URL", ""),
    }


@bp.app_context_processor
def site():
    """`site` for base.html's footer and the pages that name the owner or the contact."""
    return {"site": site_information(current_app.config)}


@bp.get("/privacy")
def privacy():
    """个人信息保护告知: what each form collects, why, who sees it, how long it is kept, and the person's rights."""
    return render_template("public/pages/privacy.html", confirmation_days=CONFIRMATION_DAYS)


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement: the standard aimed at, what is tested, known limits, how to report a problem."""
    return render_template("public/pages/accessibility.html")
