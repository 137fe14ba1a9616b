"""Every read of the service, as a function returning plain data (pydantic models).

The JSON endpoints return these, and the web pages render the same functions: every page has a
JSON twin, so the two cannot drift apart. Masking happens here, by who asks.
"""
