"""Every event kind of the synthetic city with its data category.

One table for all sources, so a kind always carries the same category wherever it comes from,
and the starter ruleset's requirements can be checked against it.
"""

from __future__ import annotations

from typing import Final

KIND_CATEGORIES: Final[dict[str, str]] = {
    "consent.granted": "consent",
    "consent.withdrawn": "consent",
    "tax.filing.late": "tax",
    "tax.filing.on_time": "tax",
    "tax.payment.arrears": "tax",
    "tax.credit.a_grade": "tax",
    "market.penalty.warning": "admin_penalty",
    "market.penalty.fine": "admin_penalty",
    "market.penalty.serious": "admin_penalty",
    "quality.product.substandard": "admin_penalty",
    "market.annual_report.late": "enterprise_disclosure",
    "labor.wage.arrears": "labor",
    "social_insurance.contribution.arrears": "labor",
    "env.penalty.general": "admin_penalty",
    "env.penalty.serious": "admin_penalty",
    "env.credit.green": "environment",
    "food.penalty.general": "admin_penalty",
    "food.penalty.serious": "admin_penalty",
    "court.judgment.civil": "court_judgment",
    "court.judgment.unfulfilled": "court_judgment",
    "tax.evasion.judgment": "court_judgment",
    "traffic.violation.minor": "admin_penalty",
    "traffic.violation.general": "admin_penalty",
    "traffic.violation.serious": "admin_penalty",
    "volunteer.service.hours": "volunteer",
    "volunteer.award": "volunteer",
    "charity.donation": "charity",
    "blood.donation": "blood_donation",
    "utility.payment.arrears": "utility",
    "utility.payment.on_time_12m": "utility",
    "commerce.contract.dispute": "contract",
    "commerce.delivery.on_time_12m": "contract",
    "loan.repayment.overdue": "loan",
    "loan.repayment.on_time_12m": "loan",
}
