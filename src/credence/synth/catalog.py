"""The local databases of Lancheng, in ingest order.

Each source lives with its neighbours (market regulators, city bureaus, safety and environment
regulators, sector bureaus, the court and traffic police, civic bodies, private sources); this
module only puts them in the order a city would load them.
"""

from __future__ import annotations

from typing import Final

from credence.synth.bureaus import HOUSING_FUND, LABOUR, STATISTICS, TAX
from credence.synth.civic import BLOOD, COMMENDATION, VOLUNTEER
from credence.synth.district_court import NANHE_COURT
from credence.synth.justice import COURT, TRAFFIC
from credence.synth.market import CITY_MARKET, DONGHU_MARKET, XISHAN_MARKET
from credence.synth.platforms import BANK, CONSENT_REGISTRY, LENDING, MARKET_PLATFORM, UTILITY
from credence.synth.regulators import EMERGENCY, ENVIRONMENT, FOOD_DRUG
from credence.synth.sectors import CONSTRUCTION, IP_OFFICE, TRADING_CENTER, TRANSPORT

# Ingest order: consents first, so private rows find their consent already loaded; a source
# holding copies of another's records comes after it.
SOURCES: Final = (
    CONSENT_REGISTRY,
    DONGHU_MARKET, XISHAN_MARKET, CITY_MARKET,
    TAX, LABOUR, HOUSING_FUND, STATISTICS,
    ENVIRONMENT, FOOD_DRUG, EMERGENCY,
    CONSTRUCTION, TRANSPORT, TRADING_CENTER, IP_OFFICE,
    COURT, NANHE_COURT, TRAFFIC,
    VOLUNTEER, BLOOD, COMMENDATION,
    MARKET_PLATFORM, LENDING, BANK, UTILITY,
)  # fmt: skip
