"""Signed audit heads: what an operator who can write the catalog cannot move.

The hash chain (``credence.store.audit``) shows an edit, a reordering or a gap, but whoever can
write the catalog can also cut the newest entries and move the recorded head, or edit an entry
and rehash everything after it. So, as a transparency log signs its tree heads, a head (the
number of entries and the last hash) is signed with an Ed25519 key kept outside the workspace,
published (``GET /audit/head``, a JSON file an auditor keeps) and checked: the entry the signed
head names must still be there with the signed hash. Removing it, or rewriting any entry at or
before it, shows; only what was appended after the last signed head is unprotected, which is
why the service signs a new head every few minutes while it writes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, Field, ValidationError

from credence.errors import CredenceError, InvalidInputError, NotFoundError
from credence.store import audit
from credence.store.workspace import Workspace

HEAD_FORMAT: Literal["credence-audit-head/1"] = "credence-audit-head/1"
KEY_ENV = "CREDENCE_AUDIT_KEY"
NO_HEAD = "no signed head: truncation of the newest entries cannot be detected"


class SignedHead(BaseModel):
    """One signed head: the log had ``entries`` entries, the last with ``hash``, at
    ``signed_at``; ``signature`` is Ed25519 over the canonical JSON of every other field."""

    format: Literal["credence-audit-head/1"] = HEAD_FORMAT
    entries: int = Field(ge=0)
    hash: str = Field(pattern="^[0-9a-f]{64}$")
    signed_at: str = Field(max_length=40)
    key_id: str = Field(pattern="^[0-9a-f]{16}$")
    public_key: str = Field(max_length=64, description="The raw Ed25519 key, base64")
    signature: str = Field(max_length=128, description="Ed25519 signature, base64")

    def message(self) -> bytes:
        """The bytes signed: everything but the signature, in the log's one JSON spelling."""
        return audit.canonical(self.model_dump(exclude={"signature"})).encode("utf-8")


class KeyFileError(CredenceError):
    """A signing or public key file that is missing, unreadable, too open or not a key."""


def key_id(public: Ed25519PublicKey) -> str:
    """A short name for a key: the first 16 hex digits of the sha256 of its raw bytes."""
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _outside(path: Path, workspace: Path | None) -> None:
    if workspace is not None and path.resolve().is_relative_to(workspace.resolve()):
        raise KeyFileError(
            f"{path}: the signing key must be kept outside the workspace ({workspace}), "
            "where whoever can write the catalog cannot read it"
        )


def create_key(path: Path, workspace: Path | None = None) -> str:
    """Write a new signing key to ``path`` (owner-only) and its public key beside it
    (``path`` + ``.pub``); refuse to overwrite either. Returns the key id."""
    public_path = path.with_name(path.name + ".pub")
    _outside(path, workspace)
    for existing in (path, public_path):
        if existing.exists():
            raise KeyFileError(f"{existing}: already exists; a signing key is never overwritten")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise KeyFileError(f"{path}: cannot write the key: {error.strerror}") from error
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_id(private.public_key())


def load_signing_key(path: Path, workspace: Path | None = None) -> Ed25519PrivateKey:
    """The signing key at ``path``: refused inside the workspace, readable by others, or not
    an Ed25519 private key, each with what to do."""
    _outside(path, workspace)
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"{path}: cannot read the signing key: {error.strerror}") from error
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: the signing key is open to others (mode {stat.S_IMODE(mode):04o}); "
            f"chmod 600 {path.name}"
        )
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise KeyFileError(f"{path}: not a PEM private key") from error
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key (make one with 'audit key create')")
    return private


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key to pin: the ``.pub`` file (a private key file is accepted too)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"{path}: cannot read the public key: {error.strerror}") from error
    try:
        loaded: object = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            loaded = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as error:
            raise KeyFileError(f"{path}: not a PEM public key") from error
    if not isinstance(loaded, Ed25519PublicKey):
        raise KeyFileError(f"{path}: not an Ed25519 public key")
    return loaded


def sign(private: Ed25519PrivateKey, entries: int, last_hash: str) -> SignedHead:
    """Sign a head now."""
    public = private.public_key()
    unsigned = SignedHead(
        entries=entries,
        hash=last_hash,
        signed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        key_id=key_id(public),
        public_key=base64.b64encode(_raw(public)).decode("ascii"),
        signature="",
    )
    signature = private.sign(unsigned.message())
    return unsigned.model_copy(update={"signature": base64.b64encode(signature).decode("ascii")})


def parse_head(text: str | bytes, where: str) -> SignedHead:
    """A head read from a file or an answer; what is wrong with it names ``where``."""
    try:
        return SignedHead.model_validate_json(text)
    except ValidationError as error:  # a file that is not JSON at all lands here too
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "head"
        message = f"{where}: not a signed audit head ({field}: {first['msg']})"
        raise InvalidInputError(message) from None


def signature_problems(head: SignedHead, trusted: Ed25519PublicKey | None) -> list[str]:
    """Why ``head`` cannot be trusted, if it cannot: its signature fails, or it was signed by
    a key other than the pinned one."""
    try:
        raw = base64.b64decode(head.public_key, validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
        signature = base64.b64decode(head.signature, validate=True)
    except ValueError:
        return ["its key or signature is not valid base64 Ed25519"]
    problems = []
    if key_id(public) != head.key_id:
        problems.append(f"its key id {head.key_id} is not the id of the key it carries")
    if trusted is not None and _raw(trusted) != raw:
        problems.append(f"it is signed by key {head.key_id}, not the pinned key {key_id(trusted)}")
    try:
        public.verify(signature, head.message())
    except InvalidSignature:
        problems.append("its signature does not verify: the head was altered after signing")
    return problems


def log_problems(con: duckdb.DuckDBPyConnection, head: SignedHead) -> list[tuple[int, str]]:
    """Whether the log still holds the signed head: entry ``head.entries`` with its hash."""
    if head.entries == 0:
        return []
    count = con.execute("SELECT count(*) FROM audit_log").fetchone()
    row = con.execute("SELECT hash FROM audit_log WHERE seq = ?", [head.entries]).fetchone()
    if row is None:
        have = int(count[0]) if count else 0
        return [
            (
                head.entries,
                f"the head signed at {head.signed_at} covers {head.entries} entries; the log "
                f"holds {have}: signed entries were removed",
            )
        ]
    if row[0] != head.hash:
        return [
            (
                head.entries,
                f"its hash is not the one signed at {head.signed_at}: the log was rewritten at "
                "or before this entry",
            )
        ]
    return []


def store(con: duckdb.DuckDBPyConnection, head: SignedHead) -> None:
    """Keep a signed head in the catalog (``GET /audit/head`` answers the newest)."""
    con.execute(
        "INSERT INTO audit_checkpoints VALUES (?, ?, ?, ?, ?, ?)",
        [head.entries, head.hash, head.signed_at, head.key_id, head.public_key, head.signature],
    )


def latest(con: duckdb.DuckDBPyConnection) -> SignedHead | None:
    """The newest signed head kept in the catalog, if any."""
    row = con.execute(
        "SELECT entries, hash, signed_at, key_id, public_key, signature FROM audit_checkpoints "
        "ORDER BY entries DESC, signed_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    names = ("entries", "hash", "signed_at", "key_id", "public_key", "signature")
    return SignedHead.model_validate(dict(zip(names, row, strict=True)))


@dataclass
class Checked:
    """A verification of the chain and of the signed heads it was given."""

    chain: audit.Verification
    heads: list[tuple[str, SignedHead]]  # (where it came from, head)
    notes: list[str]

    @property
    def ok(self) -> bool:
        return self.chain.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.chain.to_dict(),
            "signed_heads": [
                {"source": source, **head.model_dump(exclude={"signature", "public_key"})}
                for source, head in self.heads
            ],
            "notes": self.notes,
        }


def verify(
    con: duckdb.DuckDBPyConnection,
    heads: list[tuple[str, SignedHead]],
    trusted: Ed25519PublicKey | None = None,
    expect_head: str | None = None,
) -> Checked:
    """The chain, and the log against every signed head given (``(source, head)``, kept by
    an auditor or fetched): each must be signed (by ``trusted`` when pinned) and still held.
    Without a head, say that the newest entries could have been cut unseen."""
    chain = audit.verify(con, expect_head)
    notes: list[str] = []
    if not heads:
        notes.append(NO_HEAD)
    for source, head in heads:
        for problem in signature_problems(head, trusted):
            chain.problems.append((head.entries, f"the signed head from {source}: {problem}"))
        chain.problems.extend(log_problems(con, head))
    ids = sorted({head.key_id for _, head in heads})
    if trusted is None and len(ids) > 1:
        chain.problems.append((0, f"the heads are signed by different keys: {', '.join(ids)}"))
    elif trusted is None and heads:
        notes.append(
            f"signature checked against the key the head carries ({ids[0]}); "
            "pin the key with --public-key"
        )
    newest = max((head.entries for _, head in heads), default=0)
    for source, head in heads:
        if source.startswith("http") and head.entries < newest:
            chain.problems.append(
                (
                    head.entries,
                    f"the head published at {source} ({head.entries} entries) is older than one "
                    f"you kept ({newest}): the published head was rolled back",
                )
            )
    return Checked(chain, heads, notes)


class HeadSigner:
    """Signs a new head whenever the log has moved since the last one (the service calls it
    on a timer): it checks the chain from the last signed head first, so it never signs over
    an entry edited in the meantime."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self.private = private
        self.public = private.public_key()

    @classmethod
    def from_file(cls, path: Path, ws: Workspace) -> HeadSigner:
        return cls(load_signing_key(path, ws.root))

    def checkpoint(self, con: duckdb.DuckDBPyConnection) -> SignedHead | None:
        """Sign and keep the current head, inside the caller's write transaction; None when
        nothing moved since the last signed head. Refuses a log that does not hold."""
        last = latest(con)
        entries, last_hash = audit.head(con)
        if last is not None and (last.entries, last.hash) == (entries, last_hash):
            return None
        problems = self.problems_since(con, last)
        if problems:
            seq, text = problems[0]
            raise AuditTamperedError(f"not signing: audit entry {seq}: {text}")
        head = sign(self.private, entries, last_hash)
        store(con, head)
        return head

    def problems_since(
        self, con: duckdb.DuckDBPyConnection, last: SignedHead | None
    ) -> list[tuple[int, str]]:
        """The chain from the last signed head (the whole log when none): it must hold."""
        if last is None:
            return audit.verify(con).problems
        # Checked by its own key, so a head signed before a key was replaced still counts.
        problems = [(last.entries, p) for p in signature_problems(last, None)]
        problems += log_problems(con, last)
        return problems + audit.verify_after(con, last.entries, last.hash).problems


class AuditTamperedError(CredenceError):
    """The audit log does not hold (edited, cut or rechained): no head is signed over it."""


def require(head: SignedHead | None) -> SignedHead:
    if head is None:
        raise NotFoundError(
            "no signed audit head yet: sign one with 'credence audit checkpoint' or serve with "
            "--audit-key"
        )
    return head
