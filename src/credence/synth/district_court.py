"""The Nanhe district court: an older case system, and copies of the city court's judgments.

Most of its rows name the party by name, birth (or founding) day and address only, without an
identity number: resolution has to find who they are. It also keeps its own copy of the city
intermediate court's judgments against Nanhe parties (the same decision held at two levels),
which must count once.
"""

from __future__ import annotations

from typing import Final

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import ORG, PER

_HERE: Final = ("nanhe",)
_CIVIL: Final = {"fulfilled": (True,), "case_type": ("contract", "loan", "neighbour")}
_UNPAID: Final = {"fulfilled": (False,), "case_type": ("contract", "loan")}

NANHE_COURT = SourceSpec(
    source="nanhe-district-court",
    description="Nanhe district people's court: small civil cases, and its copies of the city "
    "court's judgments against Nanhe parties (older rows carry no identity number)",
    level="district", stream="judicial", category="court_judgment", fmt="csv",
    subject_kinds=(PER, ORG), resolve_share=0.6,
    plans=(
        Plan("court.judgment.civil", PER, 0.06, districts=_HERE, amount=(8000, 1.0),
             attributes=_CIVIL),
        Plan("court.judgment.unfulfilled", PER, 0.02, districts=_HERE, amount=(12000, 1.0),
             attributes=_UNPAID),
        Plan("court.enforcement.fulfilled_late", PER, 0.02, districts=_HERE, amount=(9000, 1.0),
             attributes={"fulfilled": (True,), "case_type": ("enforcement",)}),
        Plan("court.judgment.civil", ORG, 0.3, districts=_HERE, amount=(40000, 1.2),
             attributes={"fulfilled": (True,), "case_type": ("contract",)}),
        Plan("court.judgment.labor_dispute", ORG, 0.15, districts=_HERE, amount=(20000, 1.0),
             attributes={"fulfilled": (True,), "case_type": ("labor",)}),
    ),
    copy_of="city-intermediate-court", copy_share=0.6, copy_districts=_HERE,
    copy_kinds=(
        "court.judgment.civil", "court.judgment.unfulfilled", "court.judgment.labor_dispute",
        "court.enforcement.dishonest_debtor", "court.enforcement.fulfilled_late",
    ),
    layout=Layout(
        key=(("case_no", "({year})澜0103民初{seq}号"),), subject_kind="party_kind",
        subject_kind_values={"自然人": PER, "法人": ORG}, code="id_no",
        hints={"name": "party", "birth_date": "born_or_founded", "address": "domicile",
               "district": "district"},
        kind="outcome", date="judged_on", date_format="%Y年%m月%d日", amount="amount_cny",
        attributes={"fulfilled": "fulfilled", "case_type": "case_type"},
    ),
)  # fmt: skip
