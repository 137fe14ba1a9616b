"""``credence audit``: verify the hash-chained log against signed heads, sign them, read it.

The signing key lives outside the workspace (``audit key create``); ``audit checkpoint`` signs
the current head with it and ``serve --audit-key`` signs on a timer. ``audit verify`` checks
the chain and the log against every signed head it is given (``--head`` files an auditor kept,
``--url`` of a service's ``/audit/head``) or finds in the workspace, and says so when it has
none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer

from credence.cli.common import (
    JsonOption,
    WorkspaceOption,
    catalog,
    console,
    handle_errors,
    open_workspace,
    print_json,
    table,
    workspace_path,
)
from credence.errors import CredenceError
from credence.identifiers import shown_code
from credence.sql import transaction
from credence.store import audit, audit_head
from credence.store.audit_head import KEY_ENV, SignedHead

audit_app = typer.Typer(help="The hash-chained audit log: verify it, sign its head, read it.")
key_app = typer.Typer(help="The key that signs audit heads, kept outside the workspace.")
audit_app.add_typer(key_app, name="key")

KeyOption = Annotated[
    Path,
    typer.Option(
        "--key", envvar=KEY_ENV, help=f"The signing key (or ${KEY_ENV}).", show_default=False
    ),
]


class FetchError(CredenceError):
    """A published head that could not be fetched."""


@key_app.command("create")
@handle_errors
def key_create(
    out: Annotated[Path, typer.Option("--out", help="Where to write the private key.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Make an Ed25519 signing key (owner-only) and its public key (OUT.pub) beside it."""
    made = audit_head.create_key(out, workspace_path(workspace))
    console.print(f"signing key [bold]{made}[/] written to {out} (public key {out}.pub)")
    console.print(
        "Keep it away from whoever can write the workspace; give auditors the .pub file.",
        style="yellow",
    )


@audit_app.command("checkpoint")
@handle_errors
def checkpoint(
    key: KeyOption,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the signed head to this file.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sign the log's current head and keep it (served at /audit/head); refuses a log that
    does not hold."""
    ws = open_workspace(workspace)
    signer = audit_head.HeadSigner.from_file(key, ws)
    with catalog(ws) as con, transaction(con):
        head = signer.checkpoint(con) or audit_head.require(audit_head.latest(con))
    if out is not None:
        out.write_text(head.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if as_json:
        print_json(head.model_dump())
        return
    console.print(
        f"signed head: {head.entries} entries, hash {head.hash}, key {head.key_id}, "
        f"at {head.signed_at}" + (f" (written to {out})" if out else "")
    )


def _head_url(url: str) -> str:
    return url if url.rstrip("/").endswith("/audit/head") else url.rstrip("/") + "/audit/head"


def fetch_head(url: str) -> tuple[str, SignedHead]:
    """The head a service publishes: ``url`` is the service or its ``/audit/head``."""
    where = _head_url(url)
    try:
        answer = httpx.get(where, timeout=10.0, follow_redirects=False)
    except httpx.HTTPError as error:
        raise FetchError(f"{where}: cannot fetch the signed head ({error})") from error
    if answer.status_code == 404:
        raise FetchError(f"{where}: the service has no signed head yet")
    if answer.status_code != 200:
        raise FetchError(f"{where}: answered {answer.status_code}, not a signed head")
    return where, audit_head.parse_head(answer.content, where)


def read_head(path: Path) -> tuple[str, SignedHead]:
    try:
        text = path.read_bytes()
    except OSError as error:
        raise FetchError(f"{path}: cannot read the signed head: {error.strerror}") from error
    return str(path), audit_head.parse_head(text, str(path))


@audit_app.command("verify")
@handle_errors
def audit_verify(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    head: Annotated[
        list[Path] | None,
        typer.Option("--head", help="A signed head kept elsewhere (repeatable)."),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="A service whose /audit/head to check against.")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="Pin the key heads must be signed by.")
    ] = None,
    expect_head: Annotated[
        str | None, typer.Option(help="The last hash as published elsewhere.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the hash chain and check the log against signed heads; exit 1 naming every
    edited, reordered, removed or rewritten entry."""
    heads = [read_head(path) for path in head or []]
    if url:
        heads.append(fetch_head(url))
    trusted = audit_head.load_public_key(public_key) if public_key else None
    with catalog(open_workspace(workspace)) as con:
        stored = audit_head.latest(con)
        if stored is not None:
            heads.append(("the workspace", stored))
        found = audit_head.verify(con, heads, trusted, expect_head)
    if as_json:
        print_json(found.to_dict())
    else:
        _say(found)
    if not found.ok:
        raise typer.Exit(1)


def _say(found: audit_head.Checked) -> None:
    chain = found.chain
    if found.ok:
        console.print(
            f"[green]audit log intact[/]: {chain.entries} entries, head {chain.head_hash}"
        )
        for source, head in found.heads:
            console.print(
                f"  holds the head signed at {head.signed_at} by key {head.key_id} "
                f"({head.entries} entries, from {source})"
            )
    for seq, problem in chain.problems:
        console.print(f"[red]entry {seq}[/]: {problem}")
    for note in found.notes:
        console.print(f"[yellow]note[/]: {note}")


@audit_app.command("log")
@handle_errors
def audit_log(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    subject: Annotated[str | None, typer.Option(help="Only entries about this subject.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """The newest audit entries: who, role, purpose, action, whose file (people masked)."""
    with catalog(open_workspace(workspace)) as con:
        found = audit.entries(con, subject_code=subject, limit=limit)
    rows = [
        {**e.model_dump(), "subject_code": shown_code(e.subject_kind, e.subject_code)
         if e.subject_code else None}
        for e in found
    ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    columns = ("seq", "logged_at", "actor", "role", "purpose", "action", "subject_code")
    console.print(table("audit log", rows, columns))
