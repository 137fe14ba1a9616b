"""``credence serve`` and ``keys`` (and ``audit``, from ``audit_cmd``): the service from the
command line.

Every change made here is audited like one made through the API; ``rights_cmd`` adds
``inspect`` and ``appeals``, which take the same actions as the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credence.cli import rights_cmd
from credence.cli.audit_cmd import KEY_ENV, audit_app
from credence.cli.common import (
    DayOption,
    JsonOption,
    WorkspaceOption,
    actor,
    catalog,
    console,
    handle_errors,
    open_workspace,
    print_json,
    table,
)
from credence.identifiers import shown_code
from credence.service.keys import ROLES, create_key, list_keys, revoke_key
from credence.service.purposes import DEFAULT_PURPOSES
from credence.sql import transaction
from credence.store import audit

keys_app = typer.Typer(help="API keys: create (shown once, stored hashed), list, revoke.")


@handle_errors
def serve(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    purposes: Annotated[
        str, typer.Option(help="Purposes relying parties may state, comma-separated.")
    ] = ",".join(DEFAULT_PURPOSES),
    today: DayOption = None,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="Mark sign-in cookies Secure on a loopback address too (behind a TLS proxy on"
            " this machine); on any other host they always are.",
        ),
    ] = False,
    session_hours: Annotated[
        float, typer.Option(help="How long a sign-in to the pages lasts.", min=0.05, max=720)
    ] = 8.0,
    audit_key: Annotated[
        Path | None,
        typer.Option(
            envvar=KEY_ENV,
            help=f"Sign the audit head with this key (kept outside the workspace; or ${KEY_ENV}),"
            " at start, every --checkpoint-minutes while the log moves, and at stop.",
            show_default=False,
        ),
    ] = None,
    checkpoint_minutes: Annotated[
        float, typer.Option(help="How often a moved audit head is signed.", min=0.01, max=1440)
    ] = 5.0,
) -> None:
    """Serve the workspace over HTTP: the API (schema at /openapi.json) and the web pages."""
    import uvicorn

    from credence.web import create_app

    ws = open_workspace(workspace)
    day = today.date() if today else None
    app = create_app(
        ws.root,
        purposes=purposes.split(","),
        today=day,
        secure_cookies=secure_cookies,
        session_hours=session_hours,
        audit_key=audit_key,
        checkpoint_minutes=checkpoint_minutes,
    )
    console.print(f"Serving {ws.root} on http://{host}:{port} (pages at /, API at /openapi.json)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@keys_app.command("create")
@handle_errors
def keys_create(
    role: Annotated[str, typer.Option(help=" | ".join(ROLES))],
    subject: Annotated[str | None, typer.Option(help="The subject's code (subject role).")] = None,
    purposes: Annotated[
        str | None, typer.Option(help="Purposes a relying party may state, comma-separated.")
    ] = None,
    label: Annotated[str | None, typer.Option(help="Who holds it, shown to subjects.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    as_json: JsonOption = False,
) -> None:
    """Create an API key and print it once: only its sha256 is kept."""
    ws = open_workspace(workspace)
    with catalog(ws) as con, transaction(con):
        issued = create_key(con, role, subject, purposes.split(",") if purposes else None, label)
        key = issued.key
        subject_of = (key.subject_kind, key.subject_code) if key.subject_code else None
        audit.append(
            con, actor=actor(), role="operator", action="key.created", purpose="operations",
            subject_kind=subject_of[0] if subject_of else None,
            subject_code=subject_of[1] if subject_of else None,
            detail={"key_id": key.key_id, "role": role},
        )  # fmt: skip
    if as_json:
        print_json({"secret": issued.secret, **key.model_dump()})
        return
    console.print(f"[bold]{key.key_id}[/] ({role}): {issued.secret}")
    console.print("Keep it now: it is not stored and cannot be shown again.", style="yellow")


@keys_app.command("list")
@handle_errors
def keys_list(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:  # type: ignore[assignment]
    """Every key: id, role, subject (masked), purposes, label, created and revoked."""
    with catalog(open_workspace(workspace)) as con:
        rows = list_keys(con)
    for row in rows:
        row["subject_code"] = (
            shown_code(str(row["subject_kind"]), str(row["subject_code"]))
            if row["subject_code"]
            else None
        )
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            f"{len(rows)} API keys",
            rows,
            ("key_id", "role", "subject_code", "purposes", "label", "created_at", "revoked_at"),
        )
    )


@keys_app.command("revoke")
@handle_errors
def keys_revoke(key_id: str, workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Revoke a key: it stops working at once."""
    with catalog(open_workspace(workspace)) as con, transaction(con):
        key = revoke_key(con, key_id)
        audit.append(
            con, actor=actor(), role="operator", action="key.revoked", purpose="operations",
            detail={"key_id": key.key_id, "role": key.role},
        )  # fmt: skip
    console.print(f"revoked {key_id} ({key.role})")


def register(app: typer.Typer) -> None:
    """Add serve, keys and audit, and the rights' commands (inspect, appeals), to the main app."""
    app.command()(serve)
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    rights_cmd.register(app)
