"""The API's schemas carry every field of the explanation they publish, so the two cannot drift."""

from __future__ import annotations

from dataclasses import fields

from credence.rules.explain import AppliedMeasure, Explanation, Line, Listing
from credence.service.schemas import AppliedMeasureOut, ExplanationOut, LineOut, ListingOut


def test_every_explanation_field_is_in_its_api_schema() -> None:
    for source, schema in (
        (Line, LineOut),
        (Listing, ListingOut),
        (AppliedMeasure, AppliedMeasureOut),
        (Explanation, ExplanationOut),
    ):
        missing = {f.name for f in fields(source)} - set(schema.model_fields)
        assert not missing, f"{schema.__name__} lacks {sorted(missing)} of {source.__name__}"
