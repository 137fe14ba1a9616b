"""Purposes a relying party may state: credit and compliance only, from a known vocabulary.

A deployment configures the subset it accepts (``DEFAULT_PURPOSES`` unless told otherwise); a
purpose outside the vocabulary (marketing, employment screening, ...) cannot be configured.
Each purpose also names the measure effects that answer it: "may this firm bid for this tender?"
is the ``may_bid_public_tenders`` effect of the measures in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from credence.errors import CredenceError

KNOWN_PURPOSES: Final[dict[str, tuple[str, str]]] = {
    "credit_assessment": ("credit", "assess creditworthiness before lending or extending credit"),
    "lease_assessment": ("credit", "assess a tenant or lessee before a lease"),
    "supplier_assessment": ("credit", "assess a supplier or trading partner before a contract"),
    "tender_eligibility": ("compliance", "check whether a firm may bid for a public tender"),
    "regulatory_inspection": ("compliance", "plan or carry out a regulator's inspection"),
    "licence_review": ("compliance", "review an application for a licence or permit"),
}
DEFAULT_PURPOSES: Final = (
    "credit_assessment",
    "tender_eligibility",
    "lease_assessment",
    "regulatory_inspection",
)
# What a relying party may see of a subject for each purpose, and nothing more (PIPL's purpose
# limitation and minimum necessity; FCRA's permissible purpose): "measures" (the measures in
# force and their answers), "grade", "score", "lines" (every scored line with its record and
# legal basis), "listings" (the red and black listings). Consents, names of persons and the raw
# records are never disclosed.
DISCLOSES: Final[dict[str, tuple[str, ...]]] = {
    "credit_assessment": ("grade", "score", "lines", "listings", "measures"),
    "supplier_assessment": ("grade", "score", "listings", "measures"),
    "lease_assessment": ("grade", "listings"),
    "tender_eligibility": ("measures",),
    "regulatory_inspection": ("grade", "listings", "measures"),
    "licence_review": ("grade", "measures"),
}
PARTS: Final = ("grade", "score", "lines", "listings", "measures")
# The measure effects that answer a purpose; a purpose not named here is answered by all.
PURPOSE_EFFECTS: Final[dict[str, tuple[str, ...]]] = {
    "tender_eligibility": ("may_bid_public_tenders",),
    "regulatory_inspection": ("inspection_rate",),
    "licence_review": ("fast_track_approval",),
}


def check_purposes(purposes: Iterable[str]) -> tuple[str, ...]:
    """The purposes as given, each checked against the vocabulary; an error names the rest."""
    chosen = tuple(dict.fromkeys(p.strip() for p in purposes if p.strip()))
    unknown = [p for p in chosen if p not in KNOWN_PURPOSES]
    if unknown:
        raise CredenceError(
            f"unknown purpose(s) {', '.join(unknown)}: only credit and compliance purposes may "
            f"be configured ({', '.join(KNOWN_PURPOSES)})"
        )
    if not chosen:
        raise CredenceError("configure at least one purpose")
    return chosen
