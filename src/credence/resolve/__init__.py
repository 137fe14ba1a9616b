"""Entity resolution: link rows without a valid code to subjects of the registry.

``normalise`` (names, firm names, addresses, dates, numbers) → ``features`` (the keys compared)
→ ``linker`` (Splink on DuckDB: blocking, comparisons, EM) → ``decide`` (link, review, leave)
→ ``pipeline`` (the workspace: links via ``credence.store.links``, the review queue, stored
models) with ``judgements`` and ``review`` keeping people's decisions, and ``duplicates``
voiding copies of one record held at two levels. ``files`` links any two files the same way.
Nothing here imports Splink until a model is built.
"""
