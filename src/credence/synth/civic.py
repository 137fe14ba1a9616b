"""Civic life: volunteering, donations, blood donation and public commendations.

Good deeds are drawn by virtue: a few people volunteer, give and donate blood often, most rarely.
Only what people register or what public bodies decide is recorded; nothing is observed.
"""

from __future__ import annotations

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import ORG, PER
from credence.synth.regulators import MAKERS

VOLUNTEER = SourceSpec(
    source="city-volunteer-federation",
    description="City volunteer and charity federation: service hours, ratings, awards, donations",
    level="city", stream="social", category="volunteer", fmt="jsonl", subject_kinds=(PER, ORG),
    plans=(
        Plan("volunteer.service.hours", PER, 0.6, weight="virtue", amount=(12, 0.9)),
        Plan("volunteer.service.hours", ORG, 0.3, weight="virtue", amount=(200, 0.8)),
        Plan("volunteer.emergency.service", PER, 0.03, weight="virtue", amount=(20, 0.5)),
        Plan("volunteer.award", PER, 0.01, weight="virtue"),
        Plan("volunteer.star_rating", PER, 0.05, weight="virtue",
             attributes={"stars": (1, 1, 1, 2, 2, 3, 3, 4, 5)}),
        Plan("charity.donation", PER, 0.15, weight="virtue", amount=(500, 1.4)),
        Plan("charity.donation", ORG, 0.2, weight="virtue", amount=(20000, 1.4)),
        Plan("charity.disaster_relief", PER, 0.05, weight="virtue", amount=(300, 1.0)),
        Plan("charity.disaster_relief", ORG, 0.1, weight="virtue", amount=(50000, 1.0)),
        Plan("charity.pledge.unfulfilled", ORG, 0.005, amount=(100000, 1.0)),
    ),
    layout=Layout(
        key=(("entry_id", "VF{year}{seq:06d}"),), subject_kind="party_type",
        subject_kind_values={"个人": PER, "单位": ORG}, code="id_code",
        hints={"name": "name", "district": "community_district"}, kind="activity",
        kind_values={
            "志愿服务": "volunteer.service.hours", "应急志愿服务": "volunteer.emergency.service",
            "表彰": "volunteer.award", "星级评定": "volunteer.star_rating",
            "慈善捐赠": "charity.donation", "救灾捐赠": "charity.disaster_relief",
            "承诺捐赠未兑现": "charity.pledge.unfulfilled",
        },
        date="date", amount="amount", category="data_category",
        attributes={"stars": "star_level"},
    ),
)

BLOOD = SourceSpec(
    # No district: donors give their identity number, not where they live.
    source="city-blood-center",
    description="City blood center: voluntary blood and platelet donations, donors' awards",
    level="city", stream="social", category="blood_donation", fmt="csv", subject_kinds=(PER,),
    plans=(
        Plan("blood.donation", PER, 0.08, weight="virtue",
             attributes={"volume_ml": (200, 300, 400)}),
        Plan("blood.donation.platelets", PER, 0.02, weight="virtue"),
        Plan("blood.donation.award", PER, 0.01, weight="virtue",
             attributes={"award_level": ("bronze",) * 3 + ("silver",) * 2 + ("gold",)}),
    ),
    layout=Layout(
        key=(("donation_no", "BD{year}{seq:06d}"),), code="donor_id",
        hints={"name": "donor_name"}, kind="donation_type",
        kind_values={"全血": "blood.donation", "血小板": "blood.donation.platelets",
                     "无偿献血奖": "blood.donation.award"},
        date="donated_on", date_format="%d/%m/%Y",
        attributes={"volume_ml": "volume_ml", "award_level": "award_level"},
    ),
)

COMMENDATION = SourceSpec(
    source="city-commendation-office",
    description="City commendation office: honours conferred on people and firms",
    level="city", stream="social", category="commendation", fmt="csv", subject_kinds=(PER, ORG),
    plans=(
        Plan("honour.national_title", PER, 0.0003, weight="virtue"),
        Plan("honour.bravery", PER, 0.002, weight="virtue"),
        Plan("honour.fire_rescue", PER, 0.002, weight="virtue"),
        Plan("honour.charity_award", PER, 0.003, weight="virtue"),
        Plan("honour.charity_award", ORG, 0.02, weight="virtue"),
        Plan("honour.quality_award", ORG, 0.02, weight="virtue",
             industries=("manufacturing", "food", "retail")),
        Plan("honour.environment_award", ORG, 0.02, weight="virtue", industries=MAKERS),
        Plan("honour.work_safety_award", ORG, 0.03, weight="virtue",
             industries=("manufacturing", "chemical", "construction", "logistics")),
        Plan("honour.food_safety_award", ORG, 0.05, weight="virtue", industries=("food",)),
        Plan("honour.contract_abiding", ORG, 0.1, weight="virtue"),
    ),
    layout=Layout(
        key=(("honour_no", "澜表{year}{seq:05d}"),), subject_kind="recipient_type",
        subject_kind_values={"P": PER, "O": ORG}, code="recipient_id",
        hints={"name": "recipient", "district": "district"}, kind="honour",
        date="conferred_on", date_format="%Y-%m-%d",
    ),
)
