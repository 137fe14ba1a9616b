"""Inspection planning, "double random, one public": random firms, random inspectors, a public plan.

``draw_plan`` draws; ``store`` keeps and publishes plans. Only organisations are ever drawn.
"""

from credence.inspection.draw import DEFAULT_BASE_RATE, draw_plan, inspection_rate, inspectors_from
from credence.inspection.models import InspectionPlan, PlanItem, PublicPlan

__all__ = [
    "DEFAULT_BASE_RATE",
    "InspectionPlan",
    "PlanItem",
    "PublicPlan",
    "draw_plan",
    "inspection_rate",
    "inspectors_from",
]
