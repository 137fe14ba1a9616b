"""The engine seam: an engine runs a compiled plan over a ``records`` table and reads results."""

from credence.engines.base import Engine

__all__ = ["Engine"]
