"""Service navigation per role. Items appear only where the policy grants the permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from desist import policy
from desist.policy import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, url name, permissions any of which shows the item)
_NAV: list[tuple[str, str, tuple[Perm, ...]]] = [
    ("Home", "core:home", (Perm.HOME_VIEW,)),
    ("Subjects", "people:list", (Perm.SUBJECT_VIEW,)),
    ("Cases", "cases:list", (Perm.CASE_VIEW,)),
    ("SPO register", "orders:list", (Perm.ORDER_VIEW,)),
    ("Risk reviews", "risk:reviews", (Perm.RISK_VIEW,)),
    ("Tasks", "tasks:list", (Perm.TASK_VIEW,)),
    ("Case reviews", "reviews:list", (Perm.REVIEW_VIEW,)),
    ("Programme referrals", "programme:referrals", (Perm.REFERRAL_VIEW,)),
    ("Engagement", "programme:engagement", (Perm.ENGAGEMENT_VIEW,)),
    ("Your week", "programme:calendar", (Perm.SESSION_MANAGE,)),
    ("Waiting list", "programme:waiting_list", (Perm.REFERRAL_MANAGE,)),
    ("Supervision", "programme:supervision", (Perm.SESSION_MANAGE,)),
    ("Programme settings", "programme:settings", (Perm.PROGRAMME_SETTINGS,)),
    ("Advocacy caseload", "safeguarding:caseload", (Perm.ADVOCACY_VIEW,)),
    ("Alerts", "sharing:inbox", (Perm.ALERT_RECEIVE,)),
    (
        "Disclosures",
        "sharing:disclosures",
        (Perm.DISCLOSURE_VIEW_ALL, Perm.DISCLOSURE_VIEW_OWN_ORG),
    ),
    ("Emergency access", "sharing:break_glass", (Perm.BREAK_GLASS_REQUEST,)),
    ("Break-glass reviews", "sharing:break_glass_reviews", (Perm.BREAK_GLASS_REVIEW,)),
    ("Instruments", "risk:instruments", (Perm.INSTRUMENT_MANAGE,)),
    ("Oversight", "evaluation:oversight", (Perm.OVERSIGHT_DASHBOARD,)),
    ("Programme dashboard", "evaluation:programme_dashboard", (Perm.PROGRAMME_DASHBOARD,)),
    ("Evaluation", "evaluation:report", (Perm.EVALUATION_VIEW,)),
    ("Audit log", "audit:list", (Perm.AUDIT_VIEW_ALL, Perm.AUDIT_VIEW_OWN_ORG)),
    ("Retention", "retention:queue", (Perm.RETENTION_REVIEW,)),
    ("Subject access", "sar:list", (Perm.SAR_MANAGE,)),
    ("Accounts", "accounts:manage_list", (Perm.ACCOUNTS_MANAGE,)),
    ("API keys", "accounts:api_keys", (Perm.API_KEYS_MANAGE,)),
    ("Webhooks", "events:subscriptions", (Perm.WEBHOOKS_MANAGE,)),
]


def nav_for(request: HttpRequest) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    perms = policy.permissions_for(user)
    entries = [(label, reverse(name)) for label, name, needs in _NAV if perms.intersection(needs)]
    # The current item is the one whose address is the longest prefix of the path, so
    # /programme/engagement/ marks "Engagement", not "Programme referrals" at /programme/.
    matches = [url for _, url in entries if url != "/" and request.path.startswith(url)]
    current = max(matches, key=len) if matches else ("/" if request.path == "/" else None)
    items = [NavItem(label=label, url=url, active=url == current) for label, url in entries]
    return items


def context(request: HttpRequest) -> dict[str, Any]:
    return {"nav_items": nav_for(request), "desist_env": settings.DESIST_ENV}
