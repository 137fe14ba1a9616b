"""The service's side of a posted record (``credence.actions.records`` is the act): the reads
it warms at start, so the first post after a start does not wait for them."""

from __future__ import annotations

from credence.actions.records import warm_reads

__all__ = ["warm_reads"]
