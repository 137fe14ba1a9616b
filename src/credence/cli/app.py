"""The ``credence`` command: every group registers itself here, nothing else lives here."""

from __future__ import annotations

import typer

from credence.cli import (
    demo_cmd,
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
):
    module.register(app)

# Groups of `credence rules` that live beside the commands they share code with.
for extension in (score_cmd, governance_cmd, rulebook_cmd):
    extension.register_rules(rules_cmd.rules_app)


def main() -> None:
    app()
