"""The city bureaus that collect money and returns: tax, social insurance, housing fund, statistics.

Each knows its payers' district (the tax office, the social-security office, the fund branch),
and writes it down as a hint. Rates are events per eligible subject over the ten years.
"""

from __future__ import annotations

from credence.synth.events import Plan
from credence.synth.layout import Layout, SourceSpec
from credence.synth.platforms import ORG, PER

TAX = SourceSpec(
    source="city-tax-bureau",
    description="City tax bureau: filings, arrears, evasion, invoices and tax-credit grades",
    level="city", stream="administrative", category="tax", fmt="parquet", subject_kinds=(ORG, PER),
    plans=(
        Plan("tax.filing.late", ORG, 0.5),
        Plan("tax.filing.on_time", ORG, 2.5, weight="flat"),
        Plan("tax.filing.missing", ORG, 0.1),
        Plan("tax.registration.late", ORG, 0.05),
        Plan("tax.filing.false_declaration", ORG, 0.04, amount=(30000, 1.2)),
        Plan("tax.payment.arrears", ORG, 0.15, amount=(30000, 1.5)),
        Plan("tax.payment.on_time_12m", ORG, 2.0, weight="virtue"),
        Plan("tax.evasion.admin", ORG, 0.02, amount=(80000, 1.2)),
        Plan("tax.credit.a_grade", ORG, 0.25, weight="virtue"),
        Plan("tax.credit.b_grade", ORG, 1.0, weight="flat"),
        Plan("tax.credit.c_grade", ORG, 0.1),
        Plan("tax.credit.d_grade", ORG, 0.02),
        Plan("tax.invoice.irregular", ORG, 0.3),
        Plan("tax.invoice.lost", ORG, 0.1, weight="flat"),
        Plan("tax.invoice.fake_received", ORG, 0.03),
        Plan("tax.invoice.false_issued", ORG, 0.02, amount=(50000, 1.3)),
        Plan("tax.filing.late", PER, 0.6, self_employed=True),
        Plan("tax.filing.on_time", PER, 2.0, weight="flat", self_employed=True),
        Plan("tax.filing.missing", PER, 0.1, self_employed=True),
        Plan("tax.filing.false_declaration", PER, 0.02, self_employed=True, amount=(5000, 1.0)),
        Plan("tax.payment.arrears", PER, 0.15, self_employed=True, amount=(8000, 1.2)),
        Plan("tax.payment.on_time_12m", PER, 1.5, weight="virtue", self_employed=True),
        Plan("tax.evasion.admin", PER, 0.01, self_employed=True, amount=(20000, 1.0)),
        Plan("tax.invoice.irregular", PER, 0.1, self_employed=True),
        Plan("tax.invoice.false_issued", PER, 0.005, self_employed=True, amount=(20000, 1.0)),
    ),
    layout=Layout(
        key=(("tax_office", "澜税{dcode}"), ("doc_no", "{year}{seq:07d}")),
        subject_kind="taxpayer_type", subject_kind_values={"ORG": ORG, "IND": PER},
        code="taxpayer_id", hints={"name": "taxpayer_name", "district": "tax_district"},
        kind="event_code",
        kind_values={
            "LATE_FILING": "tax.filing.late", "ON_TIME_FILING": "tax.filing.on_time",
            "NO_FILING": "tax.filing.missing", "LATE_REGISTRATION": "tax.registration.late",
            "FALSE_DECLARATION": "tax.filing.false_declaration",
            "ARREARS": "tax.payment.arrears", "PAID_12M": "tax.payment.on_time_12m",
            "EVASION": "tax.evasion.admin", "A_GRADE": "tax.credit.a_grade",
            "B_GRADE": "tax.credit.b_grade", "C_GRADE": "tax.credit.c_grade",
            "D_GRADE": "tax.credit.d_grade", "INVOICE_IRREGULAR": "tax.invoice.irregular",
            "INVOICE_LOST": "tax.invoice.lost", "INVOICE_FAKE_IN": "tax.invoice.fake_received",
            "INVOICE_FALSE_OUT": "tax.invoice.false_issued",
        },
        date="event_date", date_format="%Y%m%d", amount="amount_cny", category="record_class",
    ),
)

LABOUR = SourceSpec(
    source="city-social-insurance",
    description="City human resources and social security bureau: wages, contributions, labour",
    level="city", stream="administrative", category="labor", fmt="csv", subject_kinds=(ORG, PER),
    plans=(
        Plan("labor.wage.arrears", ORG, 0.06, amount=(40000, 1.3)),
        Plan("labor.wage.malicious_arrears", ORG, 0.005, amount=(300000, 1.0)),
        Plan("labor.contract.missing", ORG, 0.1),
        Plan("labor.working_hours.violation", ORG, 0.05),
        Plan("labor.dispute.arbitration_lost", ORG, 0.15, amount=(30000, 1.0)),
        Plan("labor.wage_deposit.missing", ORG, 0.05, industries=("construction",)),
        Plan("labor.child_labor.employed", ORG, 0.001),
        Plan("labor.wage.paid_on_time_12m", ORG, 1.5, weight="virtue"),
        Plan("social_insurance.contribution.arrears", ORG, 0.1, amount=(15000, 1.2)),
        Plan("social_insurance.registration.missing", ORG, 0.05),
        Plan("social_insurance.base.underreported", ORG, 0.08),
        Plan("social_insurance.benefit.fraud", ORG, 0.005),
        Plan("social_insurance.contribution.on_time_12m", ORG, 2.0, weight="virtue"),
        Plan("social_insurance.contribution.arrears", PER, 0.12, self_employed=True,
             amount=(5000, 0.8)),
        Plan("social_insurance.contribution.on_time_12m", PER, 1.5, weight="virtue",
             self_employed=True),
        Plan("social_insurance.benefit.fraud", PER, 0.002),
    ),
    layout=Layout(
        key=(("notice_no", "LS{year}{seq:06d}"),), subject_kind="party_type",
        subject_kind_values={"单位": ORG, "个人": PER}, code="id_code",
        hints={"name": "party_name", "district": "insured_district"}, kind="event",
        date="notice_date", amount="arrears_cny", category="data_category",
    ),
)

HOUSING_FUND = SourceSpec(
    source="city-housing-provident-fund",
    description="City housing provident fund center: contributions, fund loans, false withdrawals",
    level="city", stream="administrative", category="housing_fund", fmt="parquet",
    subject_kinds=(ORG, PER),
    plans=(
        Plan("housing_fund.contribution.arrears", ORG, 0.08, amount=(8000, 1.2)),
        Plan("housing_fund.registration.missing", ORG, 0.05),
        Plan("housing_fund.contribution.on_time_12m", ORG, 2.0, weight="virtue"),
        Plan("housing_fund.withdrawal.fraud", ORG, 0.003),
        Plan("housing_fund.loan.overdue", PER, 0.03, amount=(6000, 1.0)),
        Plan("housing_fund.loan.on_time_12m", PER, 0.5, weight="virtue"),
        Plan("housing_fund.withdrawal.fraud", PER, 0.002),
    ),
    layout=Layout(
        key=(("record_no", "GJJ{year}{seq:07d}"),), subject_kind="holder_type",
        subject_kind_values={"DW": ORG, "GR": PER}, code="cert_id",
        hints={"name": "holder_name", "district": "branch_district"}, kind="business_type",
        kind_values={
            "JCQJ": "housing_fund.contribution.arrears",
            "WDJ": "housing_fund.registration.missing",
            "JCAS": "housing_fund.contribution.on_time_12m",
            "PQTQ": "housing_fund.withdrawal.fraud", "DKYQ": "housing_fund.loan.overdue",
            "DKAS": "housing_fund.loan.on_time_12m",
        },
        date="business_date", date_format="%Y-%m-%d", amount="amount", category="data_type",
    ),
)

STATISTICS = SourceSpec(
    source="city-statistics-bureau",
    description="City statistics bureau: statistical returns filed late or false",
    level="city", stream="administrative", category="admin_penalty", fmt="csv",
    subject_kinds=(ORG,),
    plans=(
        Plan("statistics.report.late", ORG, 0.2),
        Plan("statistics.report.false", ORG, 0.01),
    ),
    layout=Layout(
        key=(("case_no", "澜统罚{year}{seq:04d}"),), code="org_credit_code",
        hints={"name": "respondent", "district": "district"}, kind="violation",
        kind_values={"迟报": "statistics.report.late", "虚报": "statistics.report.false"},
        date="decided", date_format="%Y年%m月%d日",
    ),
)
