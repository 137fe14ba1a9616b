"""The ``credence`` command: every group registers itself here, nothing else lives here."""

from __future__ import annotations

import os

import typer

from credence.cli import (
    cluster_cmd,
    demo_cmd,
    failures,
    governance_cmd,
    ingest_cmd,
    resolve_cmd,
    results_cmd,
    rulebook_cmd,
    rules_cmd,
    score_cmd,
    service_cmd,
    synth_cmd,
)

app = typer.Typer(
    name="credence",
    help="Credence: an open credit information platform with due process built in.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (
    ingest_cmd,
    resolve_cmd,
    rules_cmd,
    score_cmd,
    results_cmd,
    synth_cmd,
    demo_cmd,
    service_cmd,
    cluster_cmd,
):
    module.register(app)

# Groups of `credence rules` that live beside the commands they share code with.
for extension in (score_cmd, governance_cmd, rulebook_cmd):
    extension.register_rules(rules_cmd.rules_app)


def main() -> None:
    """The command line; an unexpected fault is said in one line (exit 1), its traceback shown
    only with ``CREDENCE_DEBUG=1``."""
    try:
        app()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        if os.environ.get("CREDENCE_DEBUG"):
            raise
        first = str(error).splitlines()[0][:300] if str(error) else ""
        line = failures.describe(error) or (
            f"unexpected {type(error).__name__}: {first} (a fault in Credence: run again with "
            "CREDENCE_DEBUG=1 for the traceback, and report it)"
        )
        typer.echo(f"error: {line}", err=True)
        raise SystemExit(1) from error
