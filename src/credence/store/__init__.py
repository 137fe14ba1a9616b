"""The workspace: a folder with records as Parquet batches and one DuckDB catalog."""

from credence.store.workspace import Workspace, default_workspace

__all__ = ["Workspace", "default_workspace"]
