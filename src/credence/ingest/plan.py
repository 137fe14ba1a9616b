"""The SQL that maps and checks one chunk, vectorised in DuckDB over the registered Arrow chunk.

Layers: the source (each mapped column as trimmed text, NULL when empty: cleaned in Arrow for
CSV and Parquet, extracted in SQL for JSON Lines) → typed canonical values → the checks of
``checks.py`` joined with the code and category lookups → one staged row per input row: the
record's columns when good, reason, field, detail and the original row as JSON when bad.
"""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from credence.bounds import CONTROL_PATTERN, VALUE_CHARS
from credence.errors import IngestError
from credence.ingest.checks import row_checks
from credence.ingest.mapping import SourceMapping
from credence.ingest.readers import LINE, PREFIX, ROW, Format
from credence.ingest.sql import ident, sql_list
from credence.model import RECORD_COLUMNS
from credence.sql import lit

CHUNK, SRC, CODES, CATS = "__chunk", "__src", "__codes", "__cats"
STAGED_EXTRA = {"reason": "VARCHAR", "field": "VARCHAR", "detail": "VARCHAR", "raw": "VARCHAR"}
NATIVE_DATE = f"{PREFIX}date"
_BLANKS = "chr(32) || chr(9) || chr(10) || chr(13)"
_NULL = "CAST(NULL AS VARCHAR)"


def _json_object(pairs: dict[str, str]) -> str:
    """A JSON object (empty values as null), or NULL when the mapping names none."""
    if not pairs:
        return _NULL
    return "json_object(" + ", ".join(f"{lit(k)}, {v}" for k, v in pairs.items()) + ")::VARCHAR"


def _clean_text(column: pa.ChunkedArray, name: str) -> pa.ChunkedArray:
    """Text trimmed of surrounding whitespace, with empty strings as nulls."""
    try:
        text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
    except pa.ArrowNotImplementedError as error:
        raise IngestError(f"column {name} of type {column.type} cannot be read as text") from error
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


class ChunkPlan:
    """The SQL that turns one chunk of a file into staged rows; built once per file."""

    def __init__(
        self, mapping: SourceMapping, fmt: Format, types: dict[str, pa.DataType], today: date
    ) -> None:
        self.mapping = mapping
        self.format = fmt
        self.types = types
        self.today = today
        self.alias = {name: f"{PREFIX}v{i}" for i, name in enumerate(mapping.columns())}
        date_type = types.get(mapping.fields.occurred_at.column)
        self.native_date = date_type is not None and (
            pa.types.is_date(date_type) or pa.types.is_timestamp(date_type)
        )

    def col(self, name: str | None) -> str:
        """The cleaned text of a mapped column (NULL when empty), or NULL when not mapped."""
        return self.alias[name] if name is not None else _NULL

    # -- layer 1: the source, each mapped column as cleaned text ---------------------------
    @property
    def relation(self) -> str:
        """The table the checks read: the chunk itself, or the extracted JSON Lines."""
        return SRC if self.format == "jsonl" else CHUNK

    def prepare(self, chunk: pa.Table) -> pa.Table:
        """Add the cleaned text columns (and a native date) to a CSV or Parquet chunk."""
        if self.format == "jsonl":
            return chunk
        for name, alias in self.alias.items():
            chunk = chunk.append_column(alias, _clean_text(chunk[name], name))
        if self.native_date:
            column = chunk[self.mapping.fields.occurred_at.column]
            chunk = chunk.append_column(NATIVE_DATE, pc.cast(column, pa.date32()))
        return chunk

    def src_sql(self) -> str | None:
        """For JSON Lines: each mapped key as cleaned text, one JSON parse per line."""
        if self.format != "jsonl":
            return None
        pointers = sql_list(["/" + n.replace("~", "~0").replace("/", "~1") for n in self.alias])
        values = ", ".join(
            f"NULLIF(trim(__vals[{i + 1}], {_BLANKS}), '') AS {alias}"
            for i, alias in enumerate(self.alias.values())
        )
        line = ident(LINE)
        is_object = (
            f"coalesce(CASE WHEN json_valid({line}) THEN json_type({line}) = 'OBJECT' END, FALSE)"
        )
        return (
            f"SELECT {ident(ROW)}, __ok, {line}, {values} FROM ("
            f"SELECT *, CASE WHEN __ok THEN json_extract_string({line}, {pointers}) END AS __vals"
            f" FROM (SELECT {ident(ROW)}, rtrim({line}, chr(13)) AS {line}, {is_object} AS __ok"
            f" FROM {CHUNK} WHERE trim({line}, {_BLANKS}) <> ''))"
        )

    # -- lookups computed in Python once per distinct value --------------------------------
    def subject_kind_expr(self) -> str:
        spec = self.mapping.subject_kind
        if spec.value is not None:
            return lit(spec.value)
        column = self.col(spec.column)
        if spec.values:
            whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in spec.values.items())
            return f"CASE {column} {whens} END"
        return f"CASE WHEN lower({column}) IN ('person', 'organization') THEN lower({column}) END"

    def code_pairs_sql(self) -> str | None:
        """Distinct (subject kind, raw code) pairs of the chunk, for the code book."""
        code = self.mapping.fields.subject_code
        if code is None:
            return None
        kind = self.subject_kind_expr()
        return (
            f"SELECT DISTINCT {kind} AS kind, {self.col(code)} AS raw FROM {self.relation}"
            f" WHERE {self.col(code)} IS NOT NULL AND {kind} IS NOT NULL"
        )

    def categories_sql(self) -> str | None:
        """Distinct per-row categories of the chunk, for the safeguard lookup."""
        column = self.mapping.fields.category
        if column is None:
            return None
        value = self.col(column)
        return f"SELECT DISTINCT {value} FROM {self.relation} WHERE {value} IS NOT NULL"

    # -- layer 2: canonical values ----------------------------------------------------------
    def _kind_expr(self) -> str:
        spec = self.mapping.fields.kind
        if spec.value is not None:
            return lit(spec.value)
        column = self.col(spec.column)
        if spec.values:
            whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in spec.values.items())
            return f"CASE {column} {whens} END"
        kinds = ", ".join(lit(k) for k in self.mapping.kinds)
        return f"CASE WHEN {column} IN ({kinds}) THEN {column} END"

    def _date_expr(self) -> str:
        spec = self.mapping.fields.occurred_at
        column = self.col(spec.column)
        if self.native_date:
            return NATIVE_DATE
        if spec.format:
            return f"CAST(try_strptime({column}, {lit(spec.format)}) AS DATE)"
        as_timestamp = f"CAST(TRY_CAST({column} AS TIMESTAMP) AS DATE)"
        return f"coalesce(TRY_CAST({column} AS DATE), {as_timestamp})"

    @property
    def originals(self) -> dict[str, str]:
        """Input columns passed through the layers under safe aliases, for quarantine's raw."""
        if self.format == "jsonl":
            return {LINE: f"{PREFIX}o0"}
        names = [n for n in self.types if not n.startswith(PREFIX)]
        return {name: f"{PREFIX}o{i}" for i, name in enumerate(names)}

    def typed_sql(self) -> str:
        m, f = self.mapping, self.mapping.fields
        amount = f"TRY_CAST({self.col(f.amount)} AS DOUBLE)"
        keys = [self.col(k) for k in f.record_key or []]
        key_missing = " OR ".join(f"{k} IS NULL" for k in keys) or "FALSE"
        category = lit(m.category)
        if f.category is not None:
            category = f"coalesce({self.col(f.category)}, {category})"
        hints = _json_object({k: self.col(v) for k, v in m.hints.items()})
        attributes = _json_object({k: self.col(v) for k, v in m.attributes.items()})
        kind_raw = lit(f.kind.value) if f.kind.value is not None else self.col(f.kind.column)
        ok = "__ok" if self.format == "jsonl" else "TRUE"
        originals = ", ".join(f"{ident(n)} AS {a}" for n, a in self.originals.items())
        return f"""SELECT {ident(ROW)} AS __row, {ok} AS __ok, {originals},
            {self._first_column(f"length({{}}) > {VALUE_CHARS}")} AS long_column,
            {self._first_column(f"regexp_matches({{}}, {lit(CONTROL_PATTERN)})")} AS control_column,
            {self.subject_kind_expr()} AS subject_kind, {self.col(m.subject_kind.column)} AS sk_raw,
            {self.col(f.subject_code)} AS code_raw, {self.col(m.hints.get("name"))} AS name_hint,
            {key_missing} AS key_missing, concat_ws(chr(31), {", ".join(keys) or "''"}) AS rkey,
            {kind_raw} AS kind_raw, {self._kind_expr()} AS kind,
            {self.col(f.occurred_at.column)} AS date_raw, {self._date_expr()} AS occurred_at,
            {self.col(f.amount)} AS amount_raw,
            CASE WHEN isfinite({amount}) THEN {amount} END AS amount,
            {category} AS category, {self.col(f.consent_ref)} AS consent_ref,
            {hints} AS hints, {attributes} AS attributes
        FROM {self.relation}"""

    def _first_column(self, test: str) -> str:
        """The name of the first mapped column whose value passes ``test`` (a SQL template
        with ``{}`` for the value), or NULL."""
        whens = " ".join(
            f"WHEN {test.format(alias)} THEN {lit(name)}" for name, alias in self.alias.items()
        )
        return f"CASE {whens} END" if whens else _NULL

    # -- layer 3: the checks, first failure wins --------------------------------------------
    def checked_sql(self) -> str:
        """Canonical values plus ``reason``, ``field`` and ``detail`` (NULL for a good row).

        Conditions are evaluated once, into the number of the first failing check."""
        checks = row_checks(self.mapping, self.today)
        first = " ".join(f"WHEN {c.condition} THEN {i}" for i, c in enumerate(checks, 1))
        details = " ".join(f"WHEN {i} THEN {c.detail}" for i, c in enumerate(checks, 1))
        fields = " ".join(f"WHEN {i} THEN {c.field_expr}" for i, c in enumerate(checks, 1))
        if self.mapping.fields.subject_code is not None:
            joins = f" LEFT JOIN {CODES} k ON k.raw = t.code_raw AND k.kind = t.subject_kind"
        else:
            no_codes = f"SELECT {_NULL} AS code, TRUE AS valid, {_NULL} AS shown"
            joins = f" LEFT JOIN ({no_codes}) k ON TRUE"
        if self.mapping.fields.category is not None:
            joins += f" LEFT JOIN {CATS} g ON g.category = t.category"
        return f"""SELECT *, {sql_list(c.reason for c in checks)}[failed] AS reason,
            CASE failed {fields} END AS field,
            CASE failed {details} END AS detail
        FROM (SELECT t.*, k.code AS subject_code, k.shown AS code_shown, CASE {first} END AS failed
            FROM ({self.typed_sql()}) t{joins}) t"""

    # -- layer 4: one staged row per input row -----------------------------------------------
    def record_id_expr(self) -> str:
        """Stable id: source + natural key, or source + a hash of the mapped content."""
        source = lit(self.mapping.source)
        if self.mapping.fields.record_key:
            parts = f"{source}, 'key', rkey"
        else:
            parts = (
                f"{source}, 'content', subject_kind, coalesce(subject_code, ''),"
                " coalesce(hints, ''), kind, CAST(occurred_at AS VARCHAR),"
                " coalesce(CAST(amount AS VARCHAR), ''), category, coalesce(attributes, ''),"
                " coalesce(consent_ref, '')"
            )
        return f"substr(sha256(concat_ws(chr(31), {parts})), 1, 32)"

    def _raw_expr(self) -> str:
        if self.format == "jsonl":
            line = self.originals[LINE]
            return f"CASE WHEN json_valid({line}) THEN {line} ELSE to_json({line}) END"
        pairs = ", ".join(f"{ident(n)} := {a}" for n, a in self.originals.items())
        return f"to_json(struct_pack({pairs}))"

    def staged_sql(self, batch_id: str, ingested_at: datetime) -> str:
        """RECORD_COLUMNS (filled for good rows) then reason, field, detail, raw (for bad rows)."""
        m = self.mapping
        values = {
            "record_id": f"CASE WHEN reason IS NULL THEN {self.record_id_expr()} END",
            "source": lit(m.source),
            "level": lit(m.level),
            "stream": lit(m.stream),
            "batch_id": lit(batch_id),
            "row_number": "__row",
            "ingested_at": f"{lit(ingested_at.isoformat())}::TIMESTAMPTZ",
            "raw": f"CASE WHEN reason IS NOT NULL THEN {self._raw_expr()} END",
        }
        columns = [*RECORD_COLUMNS, *STAGED_EXTRA]
        select = ", ".join(f"{values.get(c, c)} AS {c}" for c in columns)
        return f"SELECT {select} FROM ({self.checked_sql()})"
