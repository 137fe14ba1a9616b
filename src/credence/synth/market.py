"""The market regulators of Lancheng: two district bureaus and the city bureau for the rest.

All three record the same kinds of decision (penalties, product quality, registration and
disclosure, consumer protection); each spells them its own way. Donghu writes Chinese labels,
Xishan's older system short codes (and no disclosure data), the city bureau canonical kinds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import ORG

_GOODS = ("retail", "manufacturing", "food")
_SHOPS = ("retail", "food", "services")

# Penalties and product quality: every regulator has these.
_PENALTY_PLANS: Final = (
    Plan("market.penalty.warning", ORG, 0.5),
    Plan("market.penalty.fine", ORG, 0.3, amount=(20000, 1.2)),
    Plan("market.penalty.confiscation", ORG, 0.05, amount=(30000, 1.0)),
    Plan("market.licence.suspended", ORG, 0.02),
    Plan("market.penalty.serious", ORG, 0.02, amount=(200000, 1.2)),
    Plan("market.business.ordered_closed", ORG, 0.008),
    Plan("market.inspection.obstructed", ORG, 0.02),
    Plan("quality.product.substandard", ORG, 0.12, industries=_GOODS, amount=(10000, 1.2)),
    Plan("quality.product.counterfeit", ORG, 0.03, industries=_GOODS, amount=(30000, 1.2)),
    Plan("quality.recall.failure", ORG, 0.01, industries=("manufacturing",)),
    Plan("quality.certification.violation", ORG, 0.03, industries=("manufacturing", "retail")),
    Plan("quality.metrology.violation", ORG, 0.08, industries=("retail", "food")),
    Plan("quality.spot_check.passed", ORG, 1.0, weight="flat", industries=_GOODS),
    Plan("quality.standard.leader", ORG, 0.03, weight="virtue", industries=("manufacturing",)),
)

# Registration, disclosure and consumer protection: not in Xishan's older system.
_CONDUCT_PLANS: Final = (
    Plan("market.annual_report.late", ORG, 0.15),
    Plan("market.annual_report.missing", ORG, 0.06),
    Plan("market.annual_report.on_time", ORG, 6.0, weight="flat"),
    Plan("market.address.unreachable", ORG, 0.04),
    Plan("market.registration.change_late", ORG, 0.1),
    Plan("market.disclosure.false", ORG, 0.01),
    Plan("market.registration.false", ORG, 0.005),
    Plan("market.licence.expired_operation", ORG, 0.04),
    Plan("market.licence.obtained_by_fraud", ORG, 0.004),
    Plan("consumer.complaint.upheld", ORG, 0.6, industries=_SHOPS),
    Plan("consumer.prepaid_card.default", ORG, 0.01, industries=("retail", "services")),
    Plan("consumer.fraud.penalty", ORG, 0.01, industries=_SHOPS),
    Plan("consumer.pledge.trusted", ORG, 0.4, weight="virtue", industries=_SHOPS),
    Plan("price.violation", ORG, 0.05, amount=(20000, 1.2)),
    Plan("price.gouging.emergency", ORG, 0.003, industries=("retail", "food")),
    Plan("advert.false", ORG, 0.05, amount=(50000, 1.2)),
    Plan("competition.unfair", ORG, 0.02),
)

# Monopoly cases are the city bureau's alone.
_CITY_ONLY: Final = (Plan("market.monopoly.violation", ORG, 0.003, amount=(2000000, 1.0)),)

_OTHER_DISTRICTS: Final = ("nanhe", "beiyuan", "zhongshan", "jiangbin")


def _in(districts: tuple[str, ...], plans: tuple[Plan, ...]) -> tuple[Plan, ...]:
    return tuple(replace(plan, districts=districts) for plan in plans)


DONGHU_MARKET = SourceSpec(
    source="donghu-market-regulator",
    description="Donghu district market regulation bureau: penalties, quality, disclosure",
    level="district", stream="administrative", category="admin_penalty", fmt="csv",
    subject_kinds=(ORG,), plans=_in(("donghu",), _PENALTY_PLANS + _CONDUCT_PLANS),
    layout=Layout(
        key=(("decision_no", "东市监罚〔{year}〕{seq}号"),), code="credit_code",
        hints={"name": "party_name", "address": "reg_address", "district": "reg_district"},
        kind="penalty_type",
        kind_values={
            "警告": "market.penalty.warning", "罚款": "market.penalty.fine",
            "没收违法所得": "market.penalty.confiscation", "暂扣许可证": "market.licence.suspended",
            "吊销许可证": "market.penalty.serious", "责令关闭": "market.business.ordered_closed",
            "拒绝检查": "market.inspection.obstructed",
            "产品质量不合格": "quality.product.substandard",
            "假冒伪劣": "quality.product.counterfeit", "未履行召回": "quality.recall.failure",
            "认证违规": "quality.certification.violation",
            "计量违规": "quality.metrology.violation", "抽检合格": "quality.spot_check.passed",
            "标准领跑者": "quality.standard.leader", "年报逾期": "market.annual_report.late",
            "未报年报": "market.annual_report.missing", "年报按时": "market.annual_report.on_time",
            "地址失联": "market.address.unreachable",
            "变更登记逾期": "market.registration.change_late",
            "公示虚假": "market.disclosure.false", "虚假登记": "market.registration.false",
            "许可过期经营": "market.licence.expired_operation",
            "骗取许可": "market.licence.obtained_by_fraud",
            "投诉成立": "consumer.complaint.upheld",
            "预付卡违约": "consumer.prepaid_card.default", "欺诈消费者": "consumer.fraud.penalty",
            "放心消费承诺": "consumer.pledge.trusted", "价格违法": "price.violation",
            "哄抬价格": "price.gouging.emergency", "虚假广告": "advert.false",
            "不正当竞争": "competition.unfair",
        },
        date="decision_date", date_format="%Y/%m/%d", amount="fine_cny",
        category="data_category",
    ),
)

XISHAN_MARKET = SourceSpec(
    source="xishan-market-regulator",
    # An older system: a quarter of its rows name the firm by legacy number, name and address
    # only (variously spelt); no disclosure data.
    description="Xishan district market regulation bureau: administrative penalties on firms",
    level="district", stream="administrative", category="admin_penalty", fmt="jsonl",
    subject_kinds=(ORG,), plans=_in(("xishan",), _PENALTY_PLANS), resolve_share=0.25,
    layout=Layout(
        key=(("case_id", "XS-{year}-{seq:05d}"),), code="uscc",
        hints={"name": "firm_name", "address": "address", "legacy_id": "reg_no",
               "district": "district"},
        kind="action",
        kind_values={
            "W": "market.penalty.warning", "F": "market.penalty.fine",
            "C": "market.penalty.confiscation", "LS": "market.licence.suspended",
            "S": "market.penalty.serious", "X": "market.business.ordered_closed",
            "OB": "market.inspection.obstructed", "Q": "quality.product.substandard",
            "QF": "quality.product.counterfeit", "QR": "quality.recall.failure",
            "QC": "quality.certification.violation", "QM": "quality.metrology.violation",
            "QP": "quality.spot_check.passed", "QL": "quality.standard.leader",
            "F2": "market.penalty.fine",
        },
        date="date", amount="penalty_amount", category="data_class",
    ),
)

CITY_MARKET = SourceSpec(
    source="city-market-regulator",
    description="City market regulation bureau: the districts without their own system",
    level="city", stream="administrative", category="admin_penalty", fmt="parquet",
    subject_kinds=(ORG,),
    plans=_in(_OTHER_DISTRICTS, _PENALTY_PLANS + _CONDUCT_PLANS) + _CITY_ONLY,
    layout=Layout(
        key=(("doc_no", "澜市监{dcode}〔{year}〕{seq}号"),), code="unified_social_credit_code",
        hints={"name": "entity_name", "address": "domicile", "district": "district_id"},
        kind="event_kind", date="decided_on", amount="amount_cny", category="category",
    ),
)
