"""One error tree for the whole library; the CLI and the service translate it at their edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class CredenceError(Exception):
    """Base class of every error the library raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    where: str  # file, rule id, field, row: whatever locates it
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ProblemsError(CredenceError):
    """Several problems collected before raising once (a ruleset, a source mapping)."""

    def __init__(self, title: str, problems: list[Problem]) -> None:
        self.title = title
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{title} ({len(self.problems)} problem(s)):\n{lines}")


class RulesetError(ProblemsError):
    """A ruleset that does not load or breaks a safeguard."""


class MappingError(ProblemsError):
    """A source mapping that does not load or breaks a safeguard."""


class WorkspaceError(CredenceError):
    """A workspace that is missing, not initialised, or inconsistent."""


class IngestError(CredenceError):
    """An input file that cannot be read at all (bad rows go to quarantine instead)."""


class NotFoundError(CredenceError):
    """A subject, ruleset or record that is not in the workspace."""


class CompileError(CredenceError):
    """A rule construct that an engine cannot run, named with the rule and the engine."""


class AuthenticationError(CredenceError):
    """An API key that is unknown or revoked."""


class AccessDeniedError(CredenceError):
    """A known caller asking for something its role, purpose or the subject's consent forbid."""


class InvalidInputError(CredenceError):
    """A request that is well-formed but means nothing valid (an unknown purpose, a future day).

    ``details`` says more where a message cannot (every quarantine reason of a refused row).
    """

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class RefusedError(CredenceError):
    """What due process refuses now: too late, too early, already decided.

    ``details`` carries what the caller needs to try again (for example the day a credit repair
    becomes possible).
    """

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details
