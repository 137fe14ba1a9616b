"""Stream CSV, JSON Lines and Parquet files as numbered Arrow chunks, never whole in memory.

Table formats (CSV, Parquet) yield their own columns plus ``ROW``; JSON Lines yields ``ROW`` and
``LINE`` (the raw text), because a line that is not a JSON object must still reach quarantine.
Row numbers are 1-based data rows (CSV: records after the header, a quoted value may span
lines, blank lines are not rows; JSON Lines: the line number). A line that cannot be read as a
row at all (bytes not in the declared encoding; for CSV also a broken quote or the wrong number
of fields) is set aside as an ``Unreadable`` that the ingest quarantines (``take_unreadable``);
the rest of the file still loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from credence.errors import IngestError
from credence.ingest.csv_lines import RAW_CHARS, CsvLines, Unreadable, encoding_name, read_header

__all__ = ["SourceFile", "Unreadable", "detect_format", "fingerprint", "open_source"]

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
    encoding: str = "utf-8"
    csv_lines: CsvLines | None = None
    unreadable: list[Unreadable] = field(default_factory=list)

    def take_unreadable(self) -> list[Unreadable]:
        """The lines set aside since the last call (they go to quarantine with the chunk)."""
        found = self.unreadable + (self.csv_lines.unreadable if self.csv_lines else [])
        self.unreadable = []
        if self.csv_lines is not None:
            self.csv_lines.unreadable = []
        return sorted(found, key=lambda u: u.line)

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
        assert self.csv_lines is not None, "a CSV source is opened with its lines"
        for table, rows in self.csv_lines.blocks():
            if len(rows) != table.num_rows:
                raise IngestError(f"cannot read {self.path}: rows and their numbers differ")
            yield table.append_column(ROW, pa.array(rows, type=pa.int64()))

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
                if first and self.encoding == "utf-8":
                    block = block.removeprefix(_BOM)
                first = False
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
        if self.encoding == "utf-8":
            try:
                text = pa.array(lines, type=pa.binary()).cast(pa.string())
                return pa.table({ROW: _numbers(number, len(lines)), LINE: text})
            except pa.ArrowInvalid:
                pass  # some line is not UTF-8: found below, one by one
        numbers: list[int] = []
        texts: list[str] = []
        for at, raw in enumerate(lines, number):
            try:
                texts.append(raw.decode(self.encoding))
                numbers.append(at)
            except UnicodeDecodeError as error:
                bad = raw[error.start : error.end].hex(" ")
                shown = raw.decode(self.encoding, errors="backslashreplace")[:RAW_CHARS]
                detail = f"line {at}: bytes {bad} at byte {error.start + 1} are not valid"
                self.unreadable.append(
                    Unreadable(at, at, "bad_encoding", f"{detail} {self.encoding}", shown)
                )
        return pa.table(
            {ROW: pa.array(numbers, type=pa.int64()), LINE: pa.array(texts, type=pa.string())}
        )


def open_source(
    path: Path, lines_hint: int | None = None, encoding: str | None = None
) -> SourceFile:
    """Open ``path`` by its extension and read what is known before streaming: columns, total.

    ``encoding`` (a source mapping's, UTF-8 when not given) is how CSV and JSON Lines bytes are
    read; Parquet carries its own."""
    path = Path(path)
    codec = encoding_name(encoding)
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
            header = read_header(path, codec)
            columns = header.columns
            source = SourceFile(path, fmt, columns, {name: pa.string() for name in columns})
            source.total_rows = max(lines_hint - 1, 0) if lines_hint is not None else None
            source.encoding = codec
            source.csv_lines = CsvLines(path, columns, header.data_offset, codec)
        else:
            source = SourceFile(path, fmt, None, {}, lines_hint, codec)
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
