"""The local databases of Lancheng, each spelled its own way, in ingest order.

Rates are events per eligible subject over ten years. Penalties are weighted by risk, good deeds
by virtue; private platforms only see their members, after they joined.
"""

from __future__ import annotations

from typing import Final

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import CONSENT_REGISTRY, LENDING, MARKET_PLATFORM, ORG, PER

_COURT = ("澜城市中级人民法院民事审判第一庭", "澜城市中级人民法院民事审判第二庭")
_PERSONAL_CASES = ("contract", "loan")
_MAKERS = ("manufacturing", "chemical", "construction", "food")

_MARKET_KINDS = (
    Plan("market.penalty.warning", ORG, 0.5),
    Plan("market.penalty.fine", ORG, 0.3, amount=(20000, 1.0)),
    Plan("market.penalty.serious", ORG, 0.03, amount=(200000, 0.8)),
    Plan("quality.product.substandard", ORG, 0.12, industries=("retail", "manufacturing", "food"),
         amount=(10000, 1.0)),
    Plan("market.annual_report.late", ORG, 0.15),
)


def _in_district(plans: tuple[Plan, ...], district: str) -> tuple[Plan, ...]:
    return tuple(
        Plan(p.kind, p.subject_kind, p.rate, p.weight, p.industries, (district,),
             amount=p.amount)
        for p in plans
    )


DONGHU_MARKET = SourceSpec(
    source="donghu-market-regulator",
    description="Donghu district market regulation bureau: administrative penalties on firms",
    level="district", stream="administrative", category="admin_penalty", fmt="csv",
    subject_kinds=(ORG,), plans=_in_district(_MARKET_KINDS, "donghu"),
    layout=Layout(
        key=(("decision_no", "东市监罚〔{year}〕{seq}号"),), code="credit_code",
        hints={"name": "party_name", "address": "reg_address"}, kind="penalty_type",
        kind_values={"警告": "market.penalty.warning", "罚款": "market.penalty.fine",
                     "吊销许可证": "market.penalty.serious",
                     "产品质量不合格": "quality.product.substandard",
                     "年报逾期": "market.annual_report.late"},
        date="decision_date", date_format="%Y/%m/%d", amount="fine_cny",
        category="data_category",
    ),
)

XISHAN_MARKET = SourceSpec(
    source="xishan-market-regulator",
    # An older system: some rows name the firm by legacy id only; no annual-report data.
    description="Xishan district market regulation bureau: administrative penalties on firms",
    level="district", stream="administrative", category="admin_penalty", fmt="jsonl",
    subject_kinds=(ORG,), plans=_in_district(_MARKET_KINDS[:4], "xishan"), resolve_share=0.04,
    layout=Layout(
        key=(("case_id", "XS-{year}-{seq:05d}"),), code="uscc",
        hints={"name": "firm_name", "address": "address", "legacy_id": "reg_no"},
        kind="action",
        kind_values={"W": "market.penalty.warning", "F": "market.penalty.fine",
                     "S": "market.penalty.serious", "Q": "quality.product.substandard",
                     "F2": "market.penalty.fine"},
        date="date", amount="penalty_amount",
    ),
)
TAX = SourceSpec(
    source="city-tax-bureau",
    description="City tax bureau: filings, arrears and A-grade taxpayers (firms, self-employed)",
    level="city", stream="administrative", category="tax", fmt="parquet", subject_kinds=(ORG, PER),
    plans=(
        Plan("tax.filing.late", ORG, 0.5),
        Plan("tax.filing.on_time", ORG, 2.5, weight="flat"),
        Plan("tax.payment.arrears", ORG, 0.15, amount=(30000, 1.2)),
        Plan("tax.credit.a_grade", ORG, 0.25, weight="virtue"),
        Plan("tax.filing.late", PER, 0.6, self_employed=True),
        Plan("tax.filing.on_time", PER, 2.0, weight="flat", self_employed=True),
        Plan("tax.payment.arrears", PER, 0.15, self_employed=True, amount=(8000, 1.2)),
    ),
    layout=Layout(
        key=(("tax_office", "澜税{dcode}"), ("doc_no", "{year}{seq:07d}")),
        subject_kind="taxpayer_type", subject_kind_values={"ORG": ORG, "IND": PER},
        code="taxpayer_id", hints={"name": "taxpayer_name"}, kind="event_code",
        kind_values={"LATE_FILING": "tax.filing.late", "ON_TIME_FILING": "tax.filing.on_time",
                     "ARREARS": "tax.payment.arrears", "A_GRADE": "tax.credit.a_grade"},
        date="event_date", date_format="%Y%m%d", amount="amount_cny",
    ),
)

LABOUR = SourceSpec(
    source="city-social-insurance",
    description="City human resources and social security bureau: wage and contribution arrears",
    level="city", stream="administrative", category="labor", fmt="csv", subject_kinds=(ORG, PER),
    plans=(
        Plan("labor.wage.arrears", ORG, 0.06, amount=(40000, 1.1)),
        Plan("social_insurance.contribution.arrears", ORG, 0.1, amount=(15000, 1.0)),
        Plan("social_insurance.contribution.arrears", PER, 0.12, self_employed=True,
             amount=(5000, 0.8)),
    ),
    layout=Layout(
        key=(("notice_no", "LS{year}{seq:06d}"),), subject_kind="party_type",
        subject_kind_values={"单位": ORG, "个人": PER}, code="id_code",
        hints={"name": "party_name"}, kind="event", date="notice_date", amount="arrears_cny",
    ),
)

ENVIRONMENT = SourceSpec(
    source="province-environment-bureau",
    description="Provincial ecology and environment department: penalties and green ratings",
    level="province", stream="administrative", category="admin_penalty", fmt="jsonl",
    subject_kinds=(ORG,),
    plans=(
        Plan("env.penalty.general", ORG, 0.3, industries=_MAKERS, amount=(50000, 1.0)),
        Plan("env.penalty.serious", ORG, 0.04, industries=_MAKERS, amount=(500000, 0.8)),
        Plan("env.credit.green", ORG, 0.15, weight="virtue", industries=_MAKERS),
    ),
    layout=Layout(
        key=(("doc_no", "澜环罚〔{year}〕{seq}号"),), code="unified_code",
        hints={"name": "enterprise", "address": "site_address"}, kind="kind",
        date="decided_on", amount="fine", category="data_category",
    ),
)

FOOD_DRUG = SourceSpec(
    source="province-food-drug-admin",
    description="Provincial food and drug administration: food safety penalties",
    level="province", stream="administrative", category="admin_penalty", fmt="parquet",
    subject_kinds=(ORG,),
    plans=(
        Plan("food.penalty.general", ORG, 0.4, industries=("food",), amount=(20000, 1.0)),
        Plan("food.penalty.serious", ORG, 0.05, industries=("food",), amount=(200000, 0.8)),
    ),
    layout=Layout(
        key=(("case_no", "澜食药罚{year}{seq:05d}"),), code="credit_code",
        hints={"name": "operator_name", "address": "operator_address"},
        kind="violation_class",
        kind_values={"一般": "food.penalty.general", "严重": "food.penalty.serious"},
        date="penalty_date", date_format="%Y-%m-%d", amount="fine_cny",
    ),
)

COURT = SourceSpec(
    source="city-intermediate-court",
    description="City intermediate people's court: judgments and unfulfilled judgments",
    level="city", stream="judicial", category="court_judgment", fmt="jsonl",
    subject_kinds=(PER, ORG),
    plans=(
        Plan("court.judgment.civil", PER, 0.02, amount=(30000, 1.2),
             attributes={"fulfilled": (True,), "court": _COURT, "case_type": _PERSONAL_CASES}),
        Plan("court.judgment.unfulfilled", PER, 0.006, amount=(60000, 1.1),
             attributes={"fulfilled": (False,), "court": _COURT, "case_type": _PERSONAL_CASES}),
        Plan("court.judgment.civil", ORG, 0.15, amount=(100000, 1.3),
             attributes={"fulfilled": (True,), "court": _COURT, "case_type": ("contract",)}),
        Plan("court.judgment.unfulfilled", ORG, 0.04, amount=(150000, 1.2),
             attributes={"fulfilled": (False,), "court": _COURT, "case_type": ("contract",)}),
        Plan("tax.evasion.judgment", ORG, 0.012, amount=(300000, 1.0),
             attributes={"fulfilled": (True, False), "court": ("澜城市中级人民法院刑事审判庭",),
                         "case_type": ("tax",)}),
    ),
    layout=Layout(
        key=(("case_no", "({year})澜01民初{seq}号"),), subject_kind="party_type",
        subject_kind_values={"自然人": PER, "法人": ORG}, code="id_number",
        hints={"name": "party_name"}, kind="outcome", date="judgment_date",
        amount="amount_cny",
        attributes={"fulfilled": "fulfilled", "court": "court", "case_type": "case_type"},
    ),
)

TRAFFIC = SourceSpec(
    source="jiangbin-traffic-police",
    description="Jiangbin district traffic police: violations (older rows by name and birth date)",
    level="district", stream="administrative", category="admin_penalty", fmt="csv",
    subject_kinds=(PER,), resolve_share=0.03,
    plans=(
        Plan("traffic.violation.minor", PER, 0.35, amount=(150, 0.3),
             attributes={"points_deducted": (0, 1, 2)}),
        Plan("traffic.violation.general", PER, 0.08, amount=(500, 0.4),
             attributes={"points_deducted": (3, 6)}),
        Plan("traffic.violation.serious", PER, 0.008, amount=(2000, 0.5),
             attributes={"points_deducted": (12,)}),
    ),
    layout=Layout(
        key=(("ticket_no", "JB{year}{seq:07d}"),), code="id_card_no",
        hints={"name": "driver_name", "birth_date": "birth_date"}, kind="violation_level",
        kind_values={"轻微": "traffic.violation.minor", "一般": "traffic.violation.general",
                     "严重": "traffic.violation.serious"},
        date="violation_time", date_format="%Y-%m-%d %H:%M:%S", amount="fine_cny",
        attributes={"points_deducted": "points"},
    ),
)

VOLUNTEER = SourceSpec(
    source="city-volunteer-federation",
    description="City volunteer and charity federation: service hours, awards and donations",
    level="city", stream="social", category="volunteer", fmt="jsonl", subject_kinds=(PER, ORG),
    plans=(
        Plan("volunteer.service.hours", PER, 0.6, weight="virtue", amount=(12, 0.8)),
        Plan("volunteer.award", PER, 0.01, weight="virtue"),
        Plan("charity.donation", PER, 0.15, weight="virtue", amount=(500, 1.2)),
        Plan("charity.donation", ORG, 0.2, weight="virtue", amount=(20000, 1.2)),
    ),
    layout=Layout(
        key=(("entry_id", "VF{year}{seq:06d}"),), subject_kind="party_type",
        subject_kind_values={"个人": PER, "单位": ORG}, code="id_code", hints={"name": "name"},
        kind="activity",
        kind_values={"志愿服务": "volunteer.service.hours", "表彰": "volunteer.award",
                     "慈善捐赠": "charity.donation"},
        date="date", amount="amount", category="data_category",
    ),
)

BLOOD = SourceSpec(
    source="city-blood-center",
    description="City blood center: voluntary blood donations",
    level="city", stream="social", category="blood_donation", fmt="csv", subject_kinds=(PER,),
    plans=(Plan("blood.donation", PER, 0.08, weight="virtue",
                attributes={"volume_ml": (200, 300, 400)}),),
    layout=Layout(
        key=(("donation_no", "BD{year}{seq:06d}"),), code="donor_id",
        hints={"name": "donor_name"}, date="donated_on", date_format="%d/%m/%Y",
        attributes={"volume_ml": "volume_ml"},
    ),
)

UTILITY = SourceSpec(
    source="city-utility-company",
    description="Lancheng water and power company: arrears and twelve months paid on time",
    level="city", stream="commercial", category="utility", fmt="parquet",
    subject_kinds=(PER, ORG),
    plans=(
        Plan("utility.payment.arrears", PER, 0.1, amount=(300, 0.8)),
        Plan("utility.payment.on_time_12m", PER, 0.6, weight="virtue"),
        Plan("utility.payment.arrears", ORG, 0.1, amount=(3000, 1.0)),
        Plan("utility.payment.on_time_12m", ORG, 0.8, weight="virtue"),
    ),
    layout=Layout(
        key=(("notice_id", "UT{year}{seq:07d}"),), subject_kind="account_type",
        subject_kind_values={"R": PER, "B": ORG}, code="customer_id",
        hints={"name": "customer_name", "address": "service_address"}, kind="status",
        kind_values={"ARREARS": "utility.payment.arrears",
                     "PAID_12M": "utility.payment.on_time_12m"},
        date="notice_date", amount="amount_due",
    ),
)

# Ingest order: consents first, so private rows find their consent already loaded.
SOURCES: Final = (
    CONSENT_REGISTRY, DONGHU_MARKET, XISHAN_MARKET, TAX, LABOUR, ENVIRONMENT, FOOD_DRUG, COURT,
    TRAFFIC, VOLUNTEER, BLOOD, UTILITY, MARKET_PLATFORM, LENDING,
)
