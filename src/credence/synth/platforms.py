"""The consent registry and the private sources whose rows count only with consent.

The Hemall marketplace, the Yidai lending platform, the Jinhe rural bank and the Lancheng
utility company share a customer's records only once the customer consents to it.

Platform rows carry a ``consent_ref``: the id of the subject's grant in the registry, with the
platform's source id as its scope.
"""

from __future__ import annotations

from typing import Final

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec

ORG, PER = "organization", "person"
MARKETPLACE, LENDER, BANKER = "hemall-marketplace", "yidai-lending", "jinhe-rural-bank"
UTILITY_CO = "lancheng-utility-company"
# Share of people and of firms that use each platform (the bank lends to the self-employed only;
# for the utility company: the customers who agreed to share their billing records).
PLATFORM_SHARES: Final = {
    MARKETPLACE: (0.25, 0.4), LENDER: (0.18, 0.0), BANKER: (0.05, 0.35), UTILITY_CO: (0.6, 0.7),
}

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
    description="Hemall online marketplace: disputes, deliveries, refunds, platform sanctions",
    level="private", stream="commercial", category="contract", fmt="parquet",
    subject_kinds=(PER, ORG), consent_required=True,
    plans=(
        Plan("commerce.contract.dispute", PER, 0.1, platform=MARKETPLACE, amount=(3000, 1.1)),
        Plan("commerce.delivery.on_time_12m", PER, 1.0, weight="virtue", platform=MARKETPLACE),
        Plan("commerce.refund.refused", PER, 0.03, platform=MARKETPLACE, amount=(500, 1.0)),
        Plan("ecommerce.reviews.fake", PER, 0.01, platform=MARKETPLACE),
        Plan("ecommerce.listing.counterfeit", PER, 0.01, platform=MARKETPLACE,
             amount=(1000, 1.0)),
        Plan("ecommerce.return.fraud", PER, 0.01, platform=MARKETPLACE, amount=(800, 1.0)),
        Plan("ecommerce.buyer.good_standing", PER, 1.0, weight="virtue", platform=MARKETPLACE),
        Plan("commerce.contract.dispute", ORG, 0.3, platform=MARKETPLACE, amount=(20000, 1.2)),
        Plan("commerce.delivery.on_time_12m", ORG, 1.5, weight="virtue", platform=MARKETPLACE),
        Plan("commerce.delivery.late", ORG, 0.5, platform=MARKETPLACE),
        Plan("commerce.refund.refused", ORG, 0.1, platform=MARKETPLACE, amount=(2000, 1.0)),
        Plan("ecommerce.reviews.fake", ORG, 0.05, platform=MARKETPLACE),
        Plan("ecommerce.listing.counterfeit", ORG, 0.04, platform=MARKETPLACE,
             amount=(5000, 1.2)),
        Plan("ecommerce.shop.suspended", ORG, 0.02, platform=MARKETPLACE),
        Plan("ecommerce.seller.excellent", ORG, 0.5, weight="virtue", platform=MARKETPLACE),
    ),
    layout=Layout(
        key=(("ticket_id", "HM{seq:09d}"),), subject_kind="party_type",
        subject_kind_values={"P": PER, "E": ORG}, code="cert_no",
        hints={"name": "display_name"}, kind="event_type",
        kind_values={
            "DISPUTE_LOST": "commerce.contract.dispute", "LATE_DELIVERY": "commerce.delivery.late",
            "ONTIME_12M": "commerce.delivery.on_time_12m",
            "REFUND_REFUSED": "commerce.refund.refused", "FAKE_REVIEWS": "ecommerce.reviews.fake",
            "COUNTERFEIT": "ecommerce.listing.counterfeit",
            "SHOP_SUSPENDED": "ecommerce.shop.suspended", "RETURN_FRAUD": "ecommerce.return.fraud",
            "TOP_SELLER": "ecommerce.seller.excellent",
            "GOOD_BUYER": "ecommerce.buyer.good_standing",
        },
        date="event_date", amount="order_value", consent="consent_ref",
    ),
)

LENDING = SourceSpec(
    source=LENDER,
    description="Yidai consumer lending platform: overdue loans and credit lines, on-time streaks",
    level="private", stream="commercial", category="loan", fmt="csv", subject_kinds=(PER,),
    consent_required=True,
    plans=(
        Plan("loan.repayment.overdue", PER, 0.4, platform=LENDER, amount=(8000, 1.0),
             attributes={"days_overdue": (30, 60, 90, 120, 180)}),
        Plan("loan.repayment.on_time_12m", PER, 1.0, weight="virtue", platform=LENDER,
             attributes={"days_overdue": (0,)}),
        Plan("loan.credit_line.overdue", PER, 0.2, platform=LENDER, amount=(3000, 1.0),
             attributes={"days_overdue": (30, 60, 90)}),
        Plan("loan.default.written_off", PER, 0.02, platform=LENDER, amount=(20000, 1.0),
             attributes={"days_overdue": (180, 360)}),
        Plan("loan.application.false", PER, 0.005, platform=LENDER, amount=(30000, 0.8)),
        Plan("loan.repayment.early_settled", PER, 0.3, weight="virtue", platform=LENDER,
             amount=(10000, 1.0), attributes={"days_overdue": (0,)}),
    ),
    layout=Layout(
        key=(("loan_id", "YD{seq:08d}"), ("period", "{year}{month:02d}")), code="borrower_id",
        hints={"name": "borrower_name"}, kind="repayment_status",
        kind_values={"M1+": "loan.repayment.overdue", "OK12": "loan.repayment.on_time_12m",
                     "CL1+": "loan.credit_line.overdue", "WO": "loan.default.written_off",
                     "FRAUD": "loan.application.false", "EARLY": "loan.repayment.early_settled"},
        date="status_date", date_format="%Y%m%d", amount="overdue_amount",
        attributes={"days_overdue": "days_overdue"}, consent="consent_no",
    ),
)

BANK = SourceSpec(
    source=BANKER,
    description="Jinhe rural commercial bank: business loans and commercial acceptance bills",
    level="private", stream="commercial", category="loan", fmt="jsonl", subject_kinds=(ORG, PER),
    consent_required=True,
    plans=(
        Plan("loan.business.overdue", ORG, 0.2, platform=BANKER, amount=(150000, 1.5)),
        Plan("loan.business.default", ORG, 0.03, platform=BANKER, amount=(500000, 1.0)),
        Plan("loan.business.on_time_12m", ORG, 1.5, weight="virtue", platform=BANKER),
        Plan("bill.acceptance.overdue", ORG, 0.05, platform=BANKER, amount=(100000, 1.2)),
        Plan("loan.business.overdue", PER, 0.3, self_employed=True, platform=BANKER,
             amount=(30000, 1.0)),
        Plan("loan.business.default", PER, 0.03, self_employed=True, platform=BANKER,
             amount=(100000, 1.0)),
        Plan("loan.business.on_time_12m", PER, 1.0, weight="virtue", self_employed=True,
             platform=BANKER),
    ),
    layout=Layout(
        key=(("contract_no", "JH{year}{seq:07d}"),), subject_kind="customer_class",
        subject_kind_values={"CORP": ORG, "SOLE": PER}, code="customer_cert",
        hints={"name": "customer_name"}, kind="credit_event",
        kind_values={"OVERDUE": "loan.business.overdue", "DEFAULT": "loan.business.default",
                     "PERFORMING_12M": "loan.business.on_time_12m",
                     "BILL_DISHONOURED": "bill.acceptance.overdue"},
        date="event_day", amount="principal_cny", consent="authorisation_ref",
    ),
)

UTILITY = SourceSpec(
    source=UTILITY_CO,
    description="Lancheng water, power and gas company: arrears, cut-offs, theft, on-time years",
    level="private", stream="commercial", category="utility", fmt="parquet",
    subject_kinds=(PER, ORG), consent_required=True,
    plans=(
        Plan("utility.payment.arrears", PER, 0.15, platform=UTILITY_CO, amount=(300, 0.9)),
        Plan("utility.payment.on_time_12m", PER, 0.8, weight="virtue", platform=UTILITY_CO),
        Plan("utility.supply.disconnected", PER, 0.03, platform=UTILITY_CO),
        Plan("utility.electricity.theft", PER, 0.003, platform=UTILITY_CO),
        Plan("utility.payment.arrears", ORG, 0.15, platform=UTILITY_CO, amount=(3000, 1.5)),
        Plan("utility.payment.on_time_12m", ORG, 1.0, weight="virtue", platform=UTILITY_CO),
        Plan("utility.supply.disconnected", ORG, 0.03, platform=UTILITY_CO),
        Plan("utility.electricity.theft", ORG, 0.007, platform=UTILITY_CO),
        Plan("utility.gas.unsafe_use", ORG, 0.04, platform=UTILITY_CO,
             industries=("food", "manufacturing", "chemical")),
    ),
    layout=Layout(
        key=(("notice_id", "UT{year}{seq:07d}"),), subject_kind="account_type",
        subject_kind_values={"R": PER, "B": ORG}, code="customer_id",
        hints={"name": "customer_name", "address": "service_address",
               "district": "service_district"},
        kind="status",
        kind_values={"ARREARS": "utility.payment.arrears",
                     "PAID_12M": "utility.payment.on_time_12m",
                     "CUT_OFF": "utility.supply.disconnected",
                     "THEFT": "utility.electricity.theft", "GAS_UNSAFE": "utility.gas.unsafe_use"},
        date="notice_date", amount="amount_due", consent="sharing_consent",
    ),
)
