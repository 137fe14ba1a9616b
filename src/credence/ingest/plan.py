"""The SQL that maps and checks one chunk, vectorised in DuckDB over the registered Arrow chunk.

Layers: the source (each mapped column as trimmed text, NULL when empty: cleaned in Arrow for
CSV and Parquet, extracted in SQL for JSON Lines) → typed canonical values → codes and
categories checked in SQL (``check_sql.py``) → the checks of ``checks.py``, first failure wins →
one staged row per input row: the record's columns when good, reason, field, detail and the
original row as JSON when bad.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from credence.birth_regions import REGIONS_TABLE, region_periods
from credence.bounds import CONTROL_PATTERN, VALUE_CHARS
from credence.errors import IngestError
from credence.ingest import check_sql, value_sql
from credence.ingest.checks import row_checks
from credence.ingest.mapping import SourceMapping
from credence.ingest.readers import LINE, PREFIX, ROW, Format
from credence.ingest.sql import ident, sql_list
from credence.ingest.value_sql import Dialect
from credence.model import RECORD_COLUMNS
from credence.sql import lit

CHUNK, SRC, PREPARED_REGIONS = "__chunk", "__src", "__regions"
DIALECT = "duckdb"
STAGED_EXTRA = {"reason": "VARCHAR", "field": "VARCHAR", "detail": "VARCHAR", "raw": "VARCHAR"}
NATIVE_DATE = f"{PREFIX}date"
_BLANKS = "chr(32) || chr(9) || chr(10) || chr(13)"
_NULL = "CAST(NULL AS VARCHAR)"


@functools.cache
def region_values() -> str:
    """The region periods as a VALUES list (for a statement that may read no table)."""
    return "VALUES " + ", ".join(f"({lit(r)}, {a}, {b})" for r, a, b in region_periods())


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
        self,
        mapping: SourceMapping,
        fmt: Format,
        types: dict[str, pa.DataType],
        today: date,
        dialect: Dialect = DIALECT,
    ) -> None:
        self.mapping = mapping
        self.dialect = dialect
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
        line = ident(LINE)
        if self.dialect == "spark":
            return self._spark_src_sql(line)
        pointers = sql_list(["/" + n.replace("~", "~0").replace("/", "~1") for n in self.alias])
        values = ", ".join(
            f"NULLIF(trim(__vals[{i + 1}], {_BLANKS}), '') AS {alias}"
            for i, alias in enumerate(self.alias.values())
        )
        is_object = (
            f"coalesce(CASE WHEN json_valid({line}) THEN json_type({line}) = 'OBJECT' END, FALSE)"
        )
        return (
            f"SELECT {ident(ROW)}, __ok, {line}, {values} FROM ("
            f"SELECT *, CASE WHEN __ok THEN json_extract_string({line}, {pointers}) END AS __vals"
            f" FROM (SELECT {ident(ROW)}, rtrim({line}, chr(13)) AS {line}, {is_object} AS __ok"
            f" FROM {CHUNK} WHERE trim({line}, {_BLANKS}) <> ''))"
        )

    def _spark_src_sql(self, line: str) -> str:
        """``src_sql`` for Spark: its JSON functions take a path a key at a time."""
        values = ", ".join(
            f"NULLIF(trim(CASE WHEN __ok THEN get_json_object({line}, {lit(_json_path(name))})"
            f" END, {_BLANKS}), '') AS {alias}"
            for name, alias in self.alias.items()
        )
        return (
            f"SELECT {ident(ROW)}, __ok, {line}, {values} FROM ("
            f"SELECT {ident(ROW)}, {line}, json_object_keys({line}) IS NOT NULL AS __ok FROM ("
            f"SELECT {ident(ROW)}, rtrim({line}, chr(13)) AS {line}"
            f" FROM {CHUNK} WHERE trim({line}, {_BLANKS}) <> ''))"
        )

    # -- layer 2: canonical values ----------------------------------------------------------
    def subject_kind_expr(self) -> str:
        spec = self.mapping.subject_kind
        if spec.value is not None:
            return lit(spec.value)
        column = self.col(spec.column)
        if spec.values:
            whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in spec.values.items())
            return f"CASE {column} {whens} END"
        return f"CASE WHEN lower({column}) IN ('person', 'organization') THEN lower({column}) END"

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
        return value_sql.day_expr(column, spec.format, self.dialect)

    @property
    def originals(self) -> dict[str, str]:
        """Input columns passed through the layers under safe aliases, for quarantine's raw."""
        if self.format == "jsonl":
            return {LINE: f"{PREFIX}o0"}
        names = [n for n in self.types if not n.startswith(PREFIX)]
        return {name: f"{PREFIX}o{i}" for i, name in enumerate(names)}

    def typed_sql(self) -> str:
        m, f = self.mapping, self.mapping.fields
        keys = [self.col(k) for k in f.record_key or []]
        key_missing = " OR ".join(f"{k} IS NULL" for k in keys) or "FALSE"
        category = lit(m.category)
        if f.category is not None:
            category = f"coalesce({self.col(f.category)}, {category})"
        hints = value_sql.json_object_expr(
            {k: self.col(v) for k, v in m.hints.items()}, self.dialect
        )
        attributes = value_sql.json_object_expr(
            {k: self.col(v) for k, v in m.attributes.items()}, self.dialect
        )
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
            {value_sql.amount_expr(self.col(f.amount))} AS amount,
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

    # -- layer 3: codes and categories checked (``check_sql.py``), then the checks -----------
    def coded_sql(self, regions: str = REGIONS_TABLE) -> str:
        """The typed row plus ``subject_code`` (compact), ``code_valid``, ``code_shown`` and
        ``category_forbidden``, all computed in SQL; a person's birth region is joined with
        python-stdnum's region periods (the catalog's ``birth_regions``)."""
        f = self.mapping.fields

        def check(name: str, *columns: str) -> str:
            return check_sql.printed(name, DIALECT, *columns)  # for DuckDB: see ``for_engine``

        typed = f"SELECT t.*, {check('compact_code', 't.code_raw')} AS subject_code"
        typed += f" FROM ({self.typed_sql()}) t"
        if f.subject_code is None:
            code = f"TRUE AS code_valid, {_NULL} AS code_shown"
            join = ""
        else:
            valid = (
                f"CASE t.subject_kind WHEN 'person' THEN"
                f" {check('ric_valid_but_region', 't.subject_code')} AND r.region IS NOT NULL"
                f" WHEN 'organization' THEN {check('uscc_valid', 't.subject_code')}"
                " ELSE FALSE END"
            )
            shown = check("shown_code", "t.subject_kind", "t.subject_code")
            code = f"{valid} AS code_valid, {shown} AS code_shown"
            join = (
                f" LEFT JOIN {regions} r ON t.subject_kind = 'person'"
                " AND r.region = substr(t.subject_code, 1, 6)"
                f" AND {check('birth_year', 't.subject_code')} BETWEEN r.first_year AND r.last_year"
            )
        forbidden = "FALSE"
        if f.category is not None:
            forbidden = check("forbidden_category", "t.category")
        return f"SELECT t.*, {code}, {forbidden} AS category_forbidden FROM ({typed}) t{join}"

    def checked_sql(self, regions: str = REGIONS_TABLE) -> str:
        """Canonical values plus ``reason``, ``field`` and ``detail`` (NULL for a good row).

        Conditions are evaluated once, into the number of the first failing check."""
        checks = row_checks(self.mapping, self.today)
        first = " ".join(f"WHEN {c.condition} THEN {i}" for i, c in enumerate(checks, 1))
        details = " ".join(f"WHEN {i} THEN {c.detail}" for i, c in enumerate(checks, 1))
        fields = " ".join(f"WHEN {i} THEN {c.field_expr}" for i, c in enumerate(checks, 1))
        reasons = " ".join(f"WHEN {i} THEN {lit(c.reason)}" for i, c in enumerate(checks, 1))
        return f"""SELECT *, CASE failed {reasons} END AS reason,
            CASE failed {fields} END AS field,
            CASE failed {details} END AS detail
        FROM (SELECT t.*, CASE {first} END AS failed FROM ({self.coded_sql(regions)}) t) t"""

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
                f" coalesce({value_sql.double_text('amount', self.dialect)}, ''), category,"
                " coalesce(attributes, ''),"
                " coalesce(consent_ref, '')"
            )
        return f"substr(sha256(concat_ws(chr(31), {parts})), 1, 32)"

    def _raw_expr(self) -> str:
        """The original row as JSON: a JSON Lines line as it was (or as a JSON string when it
        is not JSON); a table row's columns by name, with their types."""
        spark = self.dialect == "spark"
        if self.format == "jsonl":
            line = self.originals[LINE]
            if spark:  # a text as a JSON string: what to_json writes of it inside an object
                quoted = f"to_json(named_struct('v', {line}))"
                quoted = f"substr({quoted}, 6, length({quoted}) - 6)"
                valid = f"get_json_object({line}, '$') IS NOT NULL"
                return f"CASE WHEN {valid} THEN {line} ELSE {quoted} END"
            return f"CASE WHEN json_valid({line}) THEN {line} ELSE to_json({line}) END"
        if spark:
            pairs = ", ".join(f"{lit(n)}, {a}" for n, a in self.originals.items())
            return f"to_json(named_struct({pairs}))"
        pairs = ", ".join(f"{ident(n)} := {a}" for n, a in self.originals.items())
        return f"to_json(struct_pack({pairs}))"

    def staged_sql(self, batch_id: str, ingested_at: datetime) -> str:
        """RECORD_COLUMNS (filled for good rows) then reason, field, detail, raw (for bad rows)."""
        return self.staged_sql_over(lit(batch_id), f"{lit(ingested_at.isoformat())}::TIMESTAMPTZ")

    def prepared_sql(self) -> str:
        """``staged_sql`` of JSON Lines as a statement to prepare once: ``$1`` the row numbers,
        ``$2`` the lines, ``$3`` the batch id, ``$4`` the time of ingest. It reads no table:
        DuckDB binds a prepared statement that reads one again at every run, so the region
        periods come as constants (``region_values``)."""
        if self.format != "jsonl":
            raise ValueError("only JSON Lines chunks are checked by a prepared statement")
        lines = (
            f"SELECT unnest($1::BIGINT[]) AS {ident(ROW)}, unnest($2::VARCHAR[]) AS {ident(LINE)}"
        )
        staged = self.staged_sql_over("$3::VARCHAR", "$4::TIMESTAMPTZ", PREPARED_REGIONS)
        return (
            f"WITH {PREPARED_REGIONS}(region, first_year, last_year) AS ({region_values()}),"
            f" {CHUNK} AS ({lines}), {SRC} AS ({self.src_sql()}) SELECT * FROM ({staged})"
        )

    def staged_sql_over(
        self, batch_sql: str, ingested_at_sql: str, regions: str = REGIONS_TABLE
    ) -> str:
        """``staged_sql`` with the batch id and time of ingest as SQL expressions."""
        m = self.mapping
        values = {
            "record_id": f"CASE WHEN reason IS NULL THEN {self.record_id_expr()} END",
            "source": lit(m.source),
            "level": lit(m.level),
            "stream": lit(m.stream),
            "batch_id": batch_sql,
            "row_number": "__row",
            "ingested_at": ingested_at_sql,
            "raw": f"CASE WHEN reason IS NOT NULL THEN {self._raw_expr()} END",
        }
        columns = [*RECORD_COLUMNS, *STAGED_EXTRA]
        select = ", ".join(f"{values.get(c, c)} AS {c}" for c in columns)
        return f"SELECT {select} FROM ({self.checked_sql(regions)})"


def _json_path(key: str) -> str:
    """The JSONPath Spark's ``get_json_object`` reads one key by."""
    if key.replace("_", "").isalnum() and key.isascii():
        return f"$.{key}"
    return "$['" + key.replace("'", "\\'") + "']"
