"""Entity resolution: link rows without a valid code to subjects of the registry.

``normalise`` (names, firm names, addresses, dates, numbers) → ``features`` (the keys compared)
→ ``linker`` (Splink: blocking, comparisons, EM; on DuckDB, or on Spark through ``backends``,
``spark_backend`` and ``spark_sql``) → ``decide`` (link, review, leave)
→ ``pipeline`` (the workspace: links via ``credence.store.links``, the review queue, stored
models) with ``judgements`` and ``review`` keeping people's decisions, and ``duplicates``
voiding copies of one record held at two levels. ``files`` links any two files the same way.
Nothing here imports Splink until a model is built.
"""
