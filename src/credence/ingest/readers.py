"""Stream CSV, JSON Lines and Parquet files as numbered Arrow chunks, never whole in memory.

Table formats (CSV, Parquet) yield their own columns plus ``ROW``; JSON Lines yields ``ROW`` and
``LINE`` (the raw text), because a line that is not a JSON object must still reach quarantine.
Row numbers are 1-based data rows (CSV: after the header; JSON Lines: the line number).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from credence.errors import IngestError

PREFIX = "__credence_"  # columns the ingest adds to a chunk; input columns may not use it
ROW = f"{PREFIX}row"
LINE = f"{PREFIX}line"

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CSV_BLOCK_BYTES = 8 << 20
JSONL_BLOCK_BYTES = 8 << 20
PARQUET_BATCH_ROWS = 131_072
_HASH_BLOCK = 4 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Fingerprint:
    """What identifies a file's content, and how many lines it has (a progress estimate)."""

    sha256: str
    lines: int
    size: int


def fingerprint(path: Path) -> Fingerprint:
    """SHA-256 of the bytes and the count of line breaks, in one streamed pass."""
    if not path.is_file():
        raise IngestError(f"cannot read {path}: no such file")
    digest = hashlib.sha256()
    lines = size = 0
    last = b"\n"
    try:
        with path.open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
                lines += block.count(b"\n")
                size += len(block)
                last = block[-1:]
    except OSError as error:
        raise IngestError(f"cannot read {path}: {error.strerror or error}") from error
    if last != b"\n":
        lines += 1
    return Fingerprint(digest.hexdigest(), lines, size)


def detect_format(path: Path) -> Format:
    """The format named by the file's extension, or an IngestError listing those known."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(sorted(FORMATS))
        raise IngestError(f"cannot read {path}: unknown file type '{path.suffix}' (use {known})")
    return found


def _numbers(start: int, count: int) -> pa.Array:
    return pa.array(range(start, start + count), type=pa.int64())


@dataclass
class SourceFile:
    """An opened input file: its format, columns (table formats) and a chunk iterator."""

    path: Path
    format: Format
    columns: list[str] | None = None  # None for JSON Lines: keys vary per row
    types: dict[str, pa.DataType] = field(default_factory=dict)
    total_rows: int | None = None

    def chunks(self) -> Iterator[pa.Table]:
        """Numbered chunks; an unreadable stretch raises IngestError naming the file."""
        try:
            if self.format == "csv":
                yield from self._csv_chunks()
            elif self.format == "parquet":
                yield from self._parquet_chunks()
            else:
                yield from self._jsonl_chunks()
        except (pa.ArrowException, OSError, ValueError) as error:
            raise IngestError(f"cannot read {self.path}: {error}") from error

    def _csv_chunks(self) -> Iterator[pa.Table]:
        columns = self.columns or []
        convert = pacsv.ConvertOptions(
            column_types={name: pa.string() for name in columns},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        read = pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES)
        start = 1
        with pacsv.open_csv(self.path, read_options=read, convert_options=convert) as reader:
            for batch in reader:
                table = pa.Table.from_batches([batch])
                yield table.append_column(ROW, _numbers(start, batch.num_rows))
                start += batch.num_rows

    def _parquet_chunks(self) -> Iterator[pa.Table]:
        start = 1
        with pq.ParquetFile(self.path) as parquet:
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                table = pa.Table.from_batches([batch])
                yield table.append_column(ROW, _numbers(start, batch.num_rows))
                start += batch.num_rows

    def _jsonl_chunks(self) -> Iterator[pa.Table]:
        number = 1
        rest = b""
        with self.path.open("rb") as handle:
            first = True
            while True:
                block = handle.read(JSONL_BLOCK_BYTES)
                if first:
                    block, first = block.removeprefix(_BOM), False
                if not block:
                    break
                data = rest + block
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                lines, rest = data[:cut].split(b"\n"), data[cut + 1 :]
                yield self._lines_table(lines, number)
                number += len(lines)
        if rest:
            yield self._lines_table([rest], number)

    def _lines_table(self, lines: list[bytes], number: int) -> pa.Table:
        try:
            text = pa.array(lines, type=pa.binary()).cast(pa.string())
        except pa.ArrowInvalid as error:
            last = number + len(lines) - 1
            raise IngestError(
                f"cannot read {self.path}: lines {number}-{last} are not valid UTF-8"
            ) from error
        return pa.table({ROW: _numbers(number, len(lines)), LINE: text})


def open_source(path: Path, lines_hint: int | None = None) -> SourceFile:
    """Open ``path`` by its extension and read what is known before streaming: columns, total."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"cannot read {path}: no such file")
    fmt = detect_format(path)
    try:
        if fmt == "parquet":
            with pq.ParquetFile(path) as parquet:
                schema = parquet.schema_arrow
                total = parquet.metadata.num_rows
            columns = list(schema.names)
            source = SourceFile(path, fmt, columns, dict(zip(columns, schema.types, strict=True)))
            source.total_rows = total
        elif fmt == "csv":
            with pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)) as r:
                columns = list(r.schema.names)
            source = SourceFile(path, fmt, columns, {name: pa.string() for name in columns})
            source.total_rows = max(lines_hint - 1, 0) if lines_hint is not None else None
        else:
            source = SourceFile(path, fmt, None, {}, lines_hint)
    except (pa.ArrowException, OSError) as error:
        raise IngestError(f"cannot read {path} as {fmt}: {error}") from error
    _check_header(source)
    return source


def _check_header(source: SourceFile) -> None:
    columns = source.columns or []
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise IngestError(f"cannot read {source.path}: repeated column(s) {', '.join(repeated)}")
    reserved = [name for name in columns if name.startswith(PREFIX)]
    if reserved:
        raise IngestError(
            f"cannot read {source.path}: column names starting {PREFIX} are reserved"
            f" ({', '.join(reserved)})"
        )
