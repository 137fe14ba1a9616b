"""The consent registry and the two private platforms whose rows count only with consent.

Platform rows carry a ``consent_ref``: the id of the subject's grant in the registry, with the
platform's source id as its scope.
"""

from __future__ import annotations

from typing import Final

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec

ORG, PER = "organization", "person"
MARKETPLACE, LENDER = "hemall-marketplace", "yidai-lending"
# Share of people and of firms that use each platform.
PLATFORM_SHARES: Final = {MARKETPLACE: (0.25, 0.4), LENDER: (0.18, 0.0)}

CONSENT_REGISTRY = SourceSpec(
    source="city-consent-registry",
    description="City consent registry: opt-ins to scoring and to private-platform data sharing",
    level="city", stream="social", category="consent", fmt="csv", subject_kinds=(PER, ORG),
    layout=Layout(
        key=(("consent_id", ""),), subject_kind="subject_type",
        subject_kind_values={"PERSON": PER, "ORG": ORG}, code="subject_code",
        hints={"name": "subject_name"}, kind="action",
        kind_values={"GRANT": "consent.granted", "WITHDRAW": "consent.withdrawn"},
        date="effective_date", attributes={"scope": "scope"},
    ),
)

MARKET_PLATFORM = SourceSpec(
    source=MARKETPLACE,
    description="Hemall online marketplace: lost contract disputes and on-time delivery streaks",
    level="private", stream="commercial", category="contract", fmt="parquet",
    subject_kinds=(PER, ORG), consent_required=True,
    plans=(
        Plan("commerce.contract.dispute", PER, 0.1, platform=MARKETPLACE, amount=(3000, 1.1)),
        Plan("commerce.delivery.on_time_12m", PER, 1.0, weight="virtue", platform=MARKETPLACE),
        Plan("commerce.contract.dispute", ORG, 0.3, platform=MARKETPLACE, amount=(20000, 1.2)),
        Plan("commerce.delivery.on_time_12m", ORG, 1.5, weight="virtue", platform=MARKETPLACE),
    ),
    layout=Layout(
        key=(("ticket_id", "HM{seq:09d}"),), subject_kind="party_type",
        subject_kind_values={"P": PER, "E": ORG}, code="cert_no",
        hints={"name": "display_name"}, kind="event_type",
        kind_values={"DISPUTE_LOST": "commerce.contract.dispute",
                     "ONTIME_12M": "commerce.delivery.on_time_12m"},
        date="event_date", amount="order_value", consent="consent_ref",
    ),
)

LENDING = SourceSpec(
    source=LENDER,
    description="Yidai consumer lending platform: overdue repayments and on-time streaks",
    level="private", stream="commercial", category="loan", fmt="csv", subject_kinds=(PER,),
    consent_required=True,
    plans=(
        Plan("loan.repayment.overdue", PER, 0.4, platform=LENDER, amount=(8000, 1.0),
             attributes={"days_overdue": (30, 60, 90, 120, 180)}),
        Plan("loan.repayment.on_time_12m", PER, 1.0, weight="virtue", platform=LENDER,
             attributes={"days_overdue": (0,)}),
    ),
    layout=Layout(
        key=(("loan_id", "YD{seq:08d}"), ("period", "{year}{month:02d}")), code="borrower_id",
        hints={"name": "borrower_name"}, kind="repayment_status",
        kind_values={"M1+": "loan.repayment.overdue", "OK12": "loan.repayment.on_time_12m"},
        date="status_date", date_format="%Y%m%d", amount="overdue_amount",
        attributes={"days_overdue": "days_overdue"}, consent="consent_no",
    ),
)
