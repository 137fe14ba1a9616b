"""Safety and environment regulators: the provincial environment and food-and-drug departments,
and the city emergency management bureau (work safety and fire inspections).

Their penalties fall on the industries they inspect; annual ratings (environmental credit, food
hygiene, work-safety standardisation) come to most firms and lean towards the virtuous.
"""

from __future__ import annotations

from typing import Final

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import ORG

MAKERS: Final = ("manufacturing", "chemical", "construction", "food")
_HAZARDOUS = ("manufacturing", "chemical", "construction", "logistics")

ENVIRONMENT = SourceSpec(
    source="province-environment-bureau",
    description="Provincial ecology and environment department: penalties and credit ratings",
    level="province", stream="administrative", category="admin_penalty", fmt="jsonl",
    subject_kinds=(ORG,), resolve_share=0.05,  # older rows: the firm by name and site only
    plans=(
        Plan("env.penalty.general", ORG, 0.3, industries=MAKERS, amount=(50000, 1.2)),
        Plan("env.penalty.serious", ORG, 0.04, industries=MAKERS, amount=(500000, 1.0)),
        Plan("env.emission.exceeded", ORG, 0.15, industries=MAKERS),
        Plan("env.water.discharge_exceeded", ORG, 0.1, industries=MAKERS),
        Plan("env.discharge.unpermitted", ORG, 0.02, industries=MAKERS),
        Plan("env.monitoring.falsified", ORG, 0.005, industries=MAKERS),
        Plan("env.eia.missing", ORG, 0.03, industries=MAKERS),
        Plan("env.waste.illegal_dumping", ORG, 0.01, industries=MAKERS),
        Plan("env.noise.violation", ORG, 0.2, industries=MAKERS),
        Plan("env.rectification.overdue", ORG, 0.05, industries=MAKERS),
        Plan("env.credit.green", ORG, 0.15, weight="virtue", industries=MAKERS),
        Plan("env.credit.blue", ORG, 0.6, weight="flat", industries=MAKERS),
        Plan("env.credit.warning", ORG, 0.1, industries=MAKERS),
        Plan("env.credit.poor", ORG, 0.03, industries=MAKERS),
    ),
    layout=Layout(
        key=(("doc_no", "澜环罚〔{year}〕{seq}号"),), code="unified_code",
        hints={"name": "enterprise", "address": "site_address", "district": "site_district"},
        kind="kind", date="decided_on", amount="fine", category="data_category",
    ),
)

FOOD_DRUG = SourceSpec(
    source="province-food-drug-admin",
    description="Provincial food and drug administration: food safety penalties, hygiene grades",
    level="province", stream="administrative", category="admin_penalty", fmt="parquet",
    subject_kinds=(ORG,),
    plans=(
        Plan("food.inspection.warning", ORG, 0.5, industries=("food",)),
        Plan("food.penalty.general", ORG, 0.4, industries=("food",), amount=(20000, 1.0)),
        Plan("food.penalty.serious", ORG, 0.05, industries=("food",), amount=(200000, 1.2)),
        Plan("food.sample.substandard", ORG, 0.15, industries=("food", "retail")),
        Plan("food.licence.missing", ORG, 0.03, industries=("food",)),
        Plan("food.additive.misuse", ORG, 0.02, industries=("food",)),
        Plan("food.hygiene.rating_poor", ORG, 0.15, industries=("food",)),
        Plan("food.hygiene.rating_excellent", ORG, 0.5, weight="virtue", industries=("food",)),
    ),
    layout=Layout(
        key=(("case_no", "澜食药罚{year}{seq:05d}"),), code="credit_code",
        hints={"name": "operator_name", "address": "operator_address",
               "district": "operator_district"},
        kind="violation_class",
        kind_values={
            "一般": "food.penalty.general", "严重": "food.penalty.serious",
            "警告": "food.inspection.warning", "抽检不合格": "food.sample.substandard",
            "无证经营": "food.licence.missing", "超范围使用添加剂": "food.additive.misuse",
            "量化分级差": "food.hygiene.rating_poor",
            "量化分级优秀": "food.hygiene.rating_excellent",
        },
        date="penalty_date", date_format="%Y-%m-%d", amount="fine_cny", category="data_category",
    ),
)

EMERGENCY = SourceSpec(
    source="city-emergency-management",
    description="City emergency management bureau: work safety, fire safety, accidents",
    level="city", stream="administrative", category="admin_penalty", fmt="csv",
    subject_kinds=(ORG,),
    plans=(
        Plan("safety.inspection.warning", ORG, 0.4, industries=_HAZARDOUS),
        Plan("safety.hazard.unremedied", ORG, 0.2, industries=_HAZARDOUS),
        Plan("safety.penalty.fine", ORG, 0.1, industries=_HAZARDOUS, amount=(30000, 1.0)),
        Plan("safety.licence.missing", ORG, 0.01, industries=("chemical", "construction")),
        Plan("safety.special_equipment.violation", ORG, 0.05, industries=_HAZARDOUS),
        Plan("safety.fire.violation", ORG, 0.15),
        Plan("safety.fire.serious", ORG, 0.01),
        Plan("safety.hazardous_chemicals.violation", ORG, 0.1, industries=("chemical",)),
        Plan("safety.accident.general", ORG, 0.02, industries=_HAZARDOUS),
        Plan("safety.accident.larger", ORG, 0.003, industries=_HAZARDOUS),
        Plan("safety.accident.major", ORG, 0.0008, industries=_HAZARDOUS),
        Plan("safety.standardization.certified", ORG, 0.3, weight="virtue",
             industries=_HAZARDOUS),
    ),
    layout=Layout(
        key=(("doc_no", "澜应急罚〔{year}〕{seq}号"),), code="credit_code",
        hints={"name": "unit_name", "address": "unit_address", "district": "district"},
        kind="matter",
        kind_values={
            "WARN": "safety.inspection.warning", "HAZARD": "safety.hazard.unremedied",
            "FINE": "safety.penalty.fine", "NO_LICENSE": "safety.licence.missing",
            "SPECIAL_EQUIP": "safety.special_equipment.violation",
            "FIRE": "safety.fire.violation", "FIRE_SERIOUS": "safety.fire.serious",
            "HAZCHEM": "safety.hazardous_chemicals.violation",
            "ACCIDENT_GENERAL": "safety.accident.general",
            "ACCIDENT_LARGER": "safety.accident.larger", "ACCIDENT_MAJOR": "safety.accident.major",
            "STANDARDISED": "safety.standardization.certified",
        },
        date="decision_date", date_format="%d.%m.%Y", amount="fine_cny",
        category="data_category",
    ),
)
