"""The rule language: YAML → pydantic spec → safeguards → SQL plan; and the explainer."""
