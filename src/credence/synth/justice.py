"""The court and the traffic police: judgments and their enforcement, and road violations.

Court records carry whether the judgment was fulfilled, the chamber and the case type; criminal
convictions are rare (a few in ten thousand people over ten years) and cluster on the riskiest.
"""

from __future__ import annotations

from typing import Any

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import ORG, PER
from credence.synth.regulators import MAKERS
from credence.synth.sectors import BRANDS

_CIVIL = ("澜城市中级人民法院民事审判第一庭", "澜城市中级人民法院民事审判第二庭")
_CRIMINAL = ("澜城市中级人民法院刑事审判庭",)
_ENFORCEMENT = ("澜城市中级人民法院执行局",)


def _case(court: tuple[str, ...], case_type: str, fulfilled: tuple[Any, ...]) -> dict[str, Any]:
    return {"fulfilled": fulfilled, "court": court, "case_type": (case_type,)}


def _crime(kind: str, org: float, per: float, case_type: str, **extra: Any) -> tuple[Plan, ...]:
    """A criminal offence for firms and people (a rate of 0 leaves that side out)."""
    attributes = _case(_CRIMINAL, case_type, (None,))
    plans = []
    if org:
        plans.append(Plan(f"court.criminal.{kind}", ORG, org, attributes=attributes, **extra))
    if per:
        plans.append(Plan(f"court.criminal.{kind}", PER, per, attributes=attributes))
    return tuple(plans)


_JUDGMENTS = (
    Plan("court.judgment.civil", PER, 0.02, amount=(30000, 1.2),
         attributes={"fulfilled": (True,), "court": _CIVIL, "case_type": ("contract", "loan")}),
    Plan("court.judgment.unfulfilled", PER, 0.006, amount=(60000, 1.1),
         attributes={"fulfilled": (False,), "court": _CIVIL, "case_type": ("contract", "loan")}),
    Plan("court.judgment.civil", ORG, 0.15, amount=(100000, 1.3),
         attributes=_case(_CIVIL, "contract", (True,))),
    Plan("court.judgment.unfulfilled", ORG, 0.03, amount=(150000, 1.2),
         attributes=_case(_CIVIL, "contract", (False,))),
    Plan("court.judgment.ip_infringement", ORG, 0.01, industries=BRANDS, amount=(300000, 1.0),
         attributes=_case(_CIVIL, "intellectual_property", (True,))),
    Plan("court.judgment.ip_infringement", PER, 0.0005, amount=(20000, 1.0),
         attributes=_case(_CIVIL, "intellectual_property", (True,))),
    Plan("court.judgment.labor_dispute", ORG, 0.08, amount=(40000, 1.0),
         attributes=_case(_CIVIL, "labor", (True,))),
    Plan("court.judgment.consumer", ORG, 0.03, industries=("retail", "food", "services"),
         amount=(10000, 1.0), attributes=_case(_CIVIL, "consumer", (True,))),
    Plan("court.judgment.environmental_public_interest", ORG, 0.003, industries=MAKERS,
         amount=(1000000, 1.0), attributes=_case(_CIVIL, "environment", (True, False))),
    Plan("court.arbitration.unfulfilled", ORG, 0.01, amount=(200000, 1.0),
         attributes=_case(_ENFORCEMENT, "arbitration", (False,))),
    Plan("court.arbitration.unfulfilled", PER, 0.002, amount=(30000, 1.0),
         attributes=_case(_ENFORCEMENT, "arbitration", (False,))),
)

_ENFORCEMENTS = tuple(
    Plan(f"court.enforcement.{kind}", subject, rate, amount=(amount, 1.0),
         attributes=_case(_ENFORCEMENT, "enforcement", (fulfilled,)))
    for kind, subject, rate, amount, fulfilled in (
        ("dishonest_debtor", PER, 0.003, 80000, False),
        ("dishonest_debtor", ORG, 0.01, 500000, False),
        ("consumption_restricted", PER, 0.004, 60000, False),
        ("consumption_restricted", ORG, 0.01, 300000, False),
        ("fulfilled_late", PER, 0.008, 30000, True),
        ("fulfilled_late", ORG, 0.04, 150000, True),
        ("obstruction_fine", PER, 0.001, 10000, False),
        ("obstruction_fine", ORG, 0.002, 50000, False),
        ("assets_undeclared", PER, 0.002, 50000, False),
        ("assets_undeclared", ORG, 0.005, 200000, False),
    )
)

_CRIMES = (
    Plan("tax.evasion.judgment", ORG, 0.012, amount=(300000, 1.2),
         attributes=_case(_CRIMINAL, "tax", (True, False))),
    Plan("tax.evasion.judgment", PER, 0.002, self_employed=True, amount=(150000, 1.0),
         attributes=_case(_CRIMINAL, "tax", (True, False))),
    Plan("court.criminal.fraud", PER, 0.001, amount=(40000, 1.2),
         attributes=_case(_CRIMINAL, "fraud", (None,))),
    *_crime("fraud", 0.001, 0, "fraud"),
    *_crime("contract_fraud", 0.001, 0.0005, "fraud"),
    *_crime("invoice_fraud", 0.001, 0.0003, "tax"),
    *_crime("counterfeit_goods", 0.001, 0.0003, "market"),
    *_crime("ip_infringement", 0.0008, 0.0002, "intellectual_property"),
    *_crime("bribery", 0.0008, 0.0003, "bribery"),
    *_crime("illegal_fundraising", 0.0008, 0.0002, "finance"),
    *_crime("pollution", 0.001, 0, "environment", industries=MAKERS),
    *_crime("unsafe_food", 0.002, 0.0002, "food", industries=("food",)),
    *_crime("wage_refusal", 0.001, 0.0002, "labor"),
    *_crime("refusing_enforcement", 0.0005, 0.0005, "enforcement"),
    *_crime("insurance_fraud", 0, 0.0005, "fraud"),
    *_crime("dangerous_driving", 0, 0.003, "traffic"),
)

COURT = SourceSpec(
    source="city-intermediate-court",
    description="City intermediate people's court: judgments, enforcement, criminal convictions",
    level="city", stream="judicial", category="court_judgment", fmt="jsonl",
    subject_kinds=(PER, ORG), plans=_JUDGMENTS + _ENFORCEMENTS + _CRIMES,
    layout=Layout(
        key=(("case_no", "({year})澜01民初{seq}号"),), subject_kind="party_type",
        subject_kind_values={"自然人": PER, "法人": ORG}, code="id_number",
        hints={"name": "party_name", "district": "domicile_district"}, kind="outcome",
        date="judgment_date", amount="amount_cny",
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
        Plan("traffic.fine.unpaid", PER, 0.03, amount=(200, 0.5)),
        Plan("traffic.accident.full_liability", PER, 0.02),
        Plan("traffic.licence.revoked", PER, 0.002, attributes={"points_deducted": (12,)}),
        Plan("traffic.hit_and_run", PER, 0.0005, attributes={"points_deducted": (12,)}),
        Plan("traffic.safe_driving.one_year", PER, 1.0, weight="virtue"),
        Plan("traffic.safe_driving.five_years", PER, 0.15, weight="virtue"),
    ),
    layout=Layout(
        key=(("ticket_no", "JB{year}{seq:07d}"),), code="id_card_no",
        hints={"name": "driver_name", "birth_date": "birth_date", "district": "hukou_district"},
        kind="violation_level",
        kind_values={
            "轻微": "traffic.violation.minor", "一般": "traffic.violation.general",
            "严重": "traffic.violation.serious", "罚款逾期": "traffic.fine.unpaid",
            "全责事故": "traffic.accident.full_liability", "吊销驾照": "traffic.licence.revoked",
            "肇事逃逸": "traffic.hit_and_run", "安全驾驶年": "traffic.safe_driving.one_year",
            "五年无违法": "traffic.safe_driving.five_years",
        },
        date="violation_time", date_format="%Y-%m-%d %H:%M:%S", amount="fine_cny",
        attributes={"points_deducted": "points"}, category="record_category",
    ),
)
