"""Sector bureaus: construction, road transport, public tenders and intellectual property.

Each sees the firms of its sector (builders, hauliers, bidders, makers of brands and patents);
the intellectual property office also fines people who sell counterfeit brands or pirated works.
"""

from __future__ import annotations

from typing import Final

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import ORG, PER

_BUILDERS = ("construction",)
_HAULIERS = ("logistics",)
_BIDDERS = ("construction", "services", "manufacturing", "retail")
BRANDS: Final = ("manufacturing", "retail", "services", "chemical")

CONSTRUCTION = SourceSpec(
    source="city-construction-bureau",
    description="City housing and urban-rural construction bureau: builders' conduct",
    level="city", stream="administrative", category="admin_penalty", fmt="jsonl",
    subject_kinds=(ORG,),
    plans=(
        Plan("construction.site_safety.violation", ORG, 0.5, industries=_BUILDERS),
        Plan("construction.permit.missing", ORG, 0.05, industries=_BUILDERS),
        Plan("construction.quality.defect", ORG, 0.2, industries=_BUILDERS, amount=(50000, 1.0)),
        Plan("construction.quality.accident", ORG, 0.005, industries=_BUILDERS),
        Plan("construction.qualification.exceeded", ORG, 0.05, industries=_BUILDERS),
        Plan("construction.qualification.fraud", ORG, 0.01, industries=_BUILDERS),
        Plan("construction.subcontract.illegal", ORG, 0.05, industries=_BUILDERS),
        Plan("construction.building.unauthorised", ORG, 0.01),
        Plan("construction.conduct.good_record", ORG, 0.5, weight="virtue", industries=_BUILDERS),
    ),
    layout=Layout(
        key=(("record_id", "JS{year}-{seq:05d}"),), code="enterprise_code",
        hints={"name": "enterprise_name", "address": "enterprise_address",
               "district": "project_district"},
        kind="behaviour", date="recorded_on", amount="penalty_cny", category="data_category",
    ),
)

TRANSPORT = SourceSpec(
    source="city-transport-bureau",
    description="City transport bureau: road transport operators' violations and credit grades",
    level="city", stream="administrative", category="admin_penalty", fmt="parquet",
    subject_kinds=(ORG,),
    plans=(
        Plan("transport.overload", ORG, 0.6, industries=_HAULIERS),
        Plan("transport.driver_hours.violation", ORG, 0.4, industries=_HAULIERS),
        Plan("transport.vehicle.uninspected", ORG, 0.2, industries=_HAULIERS),
        Plan("transport.permit.missing", ORG, 0.03, industries=_HAULIERS),
        Plan("transport.dangerous_goods.violation", ORG, 0.03,
             industries=("logistics", "chemical")),
        Plan("transport.accident.liability", ORG, 0.03, industries=_HAULIERS),
        Plan("transport.credit.aaa", ORG, 0.5, weight="virtue", industries=_HAULIERS),
        Plan("transport.credit.poor", ORG, 0.1, industries=_HAULIERS),
    ),
    layout=Layout(
        key=(("case_ref", "YZ{year}{seq:06d}"),), code="operator_code",
        hints={"name": "operator", "district": "licence_district"}, kind="item",
        kind_values={
            "超限超载": "transport.overload", "疲劳驾驶": "transport.driver_hours.violation",
            "未年审": "transport.vehicle.uninspected", "无证经营": "transport.permit.missing",
            "危货违规": "transport.dangerous_goods.violation",
            "事故责任": "transport.accident.liability", "AAA": "transport.credit.aaa",
            "B级": "transport.credit.poor",
        },
        date="item_date", category="data_category",
    ),
)

TRADING_CENTER = SourceSpec(
    source="city-public-resources-trading",
    description="City public resources trading center: bidding misconduct and public contracts",
    level="city", stream="administrative", category="admin_penalty", fmt="csv",
    subject_kinds=(ORG,),
    plans=(
        Plan("bidding.collusion", ORG, 0.008, industries=_BIDDERS),
        Plan("bidding.false_documents", ORG, 0.01, industries=_BIDDERS),
        Plan("bidding.award.declined", ORG, 0.03, industries=_BIDDERS),
        Plan("procurement.complaint.false", ORG, 0.01, industries=_BIDDERS),
        Plan("procurement.contract.breach", ORG, 0.03, industries=_BIDDERS,
             amount=(80000, 1.0)),
        Plan("procurement.contract.excellent", ORG, 0.3, weight="virtue", industries=_BIDDERS),
    ),
    layout=Layout(
        key=(("notice_id", "GGZY-{year}-{seq:05d}"),), code="bidder_code",
        hints={"name": "bidder_name", "district": "bidder_district"}, kind="record_type",
        kind_values={
            "串通投标": "bidding.collusion", "提供虚假材料": "bidding.false_documents",
            "放弃中标": "bidding.award.declined", "虚假投诉": "procurement.complaint.false",
            "合同违约": "procurement.contract.breach",
            "履约优秀": "procurement.contract.excellent",
        },
        date="publish_date", date_format="%Y/%m/%d", amount="contract_cny",
        category="data_category",
    ),
)

IP_OFFICE = SourceSpec(
    source="city-intellectual-property-office",
    description="City intellectual property office: infringement penalties and granted patents",
    level="city", stream="administrative", category="admin_penalty", fmt="jsonl",
    subject_kinds=(ORG, PER),
    plans=(
        Plan("ip.trademark.infringement", ORG, 0.04, industries=BRANDS, amount=(30000, 1.2)),
        Plan("ip.patent.passing_off", ORG, 0.01, industries=("manufacturing", "chemical")),
        Plan("ip.copyright.piracy", ORG, 0.01, industries=("services", "retail")),
        Plan("ip.trade_secret.infringement", ORG, 0.005, industries=BRANDS),
        Plan("ip.infringement.repeated", ORG, 0.003, industries=BRANDS),
        Plan("ip.patent.abnormal_application", ORG, 0.02, industries=BRANDS),
        Plan("ip.trademark.squatting", ORG, 0.01),
        Plan("ip.patent.granted", ORG, 0.5, weight="virtue",
             industries=("manufacturing", "chemical", "services")),
        Plan("ip.trademark.infringement", PER, 0.002, self_employed=True, amount=(5000, 1.0)),
        Plan("ip.copyright.piracy", PER, 0.001),
    ),
    layout=Layout(
        key=(("case_no", "澜知执〔{year}〕{seq}号"),), subject_kind="party_kind",
        subject_kind_values={"legal": ORG, "natural": PER}, code="party_id",
        hints={"name": "party_name", "district": "district"}, kind="case_kind",
        date="closed_on", amount="fine", category="data_category",
    ),
)
