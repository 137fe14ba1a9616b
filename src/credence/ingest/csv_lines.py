"""CSV read record by record in spirit, block by block in fact: a bad line is one bad row.

Why: Arrow's CSV reader refuses a whole file for one line with the wrong number of fields, and
an unclosed quote swallows every line after it. Here each block is first looked at as bytes
(numpy over the block, no Python loop over lines): records end at line feeds outside quotes; a
record spanning lines whose fields do not match the header is a broken quote (its first line
is set aside, reading goes on at the next); a record whose bytes are not the declared encoding
and an unquoted one with the wrong number of delimiters are set aside too, each as an
:class:`Unreadable` with its line number and reason. The rest goes to Arrow's parser, whose own
complaints (a quoted record with the wrong field count) are set aside the same way. Lines are
numbered in the file (the header is line 1); rows count the records after the header.
Splitting on bytes before decoding is safe for UTF-8, GBK and GB 18030: none of their
multi-byte sequences holds a quote, a comma or a line feed.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from credence.errors import IngestError

BLOCK_BYTES = 8 << 20
RAW_CHARS = 1000  # of a line kept in quarantine's raw, so a huge line cannot fill the catalog
MAX_RECORD_BYTES = 1 << 20  # a quote still open after this many bytes and a line feed is broken
BOM = b"\xef\xbb\xbf"
_NEWLINE, _QUOTE = 10, 34


@dataclass(frozen=True)
class Unreadable:
    """A line that could not be read as a row: where, why, and what it held."""

    line: int  # in the file
    row: int  # the data row it would have been
    reason: str  # bad_encoding | broken_quote | wrong_field_count
    detail: str
    raw: str


def encoding_name(name: str | None) -> str:
    """The codec's canonical name (``GBK`` → ``gbk``), or an IngestError for an unknown one."""
    try:
        return codecs.lookup(name or "utf-8").name
    except LookupError as error:
        raise IngestError(f"unknown encoding '{name}'") from error


@dataclass(frozen=True)
class Header:
    """The header's column names and where the data begins (a byte offset)."""

    columns: list[str]
    data_offset: int


def read_header(path: Path, encoding: str, delimiter: str = ",") -> Header:
    """The first line, decoded in ``encoding`` and split as CSV."""
    with path.open("rb") as handle:
        first = handle.readline()
    text_bytes = first.removeprefix(BOM) if encoding == "utf-8" else first
    try:
        text = text_bytes.decode(encoding).rstrip("\r\n")
    except UnicodeDecodeError as error:
        raise IngestError(f"cannot read {path}: its header is not valid {encoding}") from error
    if not text.strip():
        raise IngestError(f"cannot read {path}: the first line (the header) is empty")
    columns = next(csv.reader([text], delimiter=delimiter))
    return Header([name.strip() for name in columns], len(first))


@dataclass(frozen=True)
class _Records:
    """Whole records of a stretch of the file: ``data`` with each record's first byte, the
    offset of the line feed ending it, the file line it starts on and its row number."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    lines: np.ndarray
    rows: np.ndarray  # each record's data row number

    def text(self, index: int) -> str:
        raw = self.data[int(self.starts[index]) : int(self.ends[index])]
        return raw.decode("utf-8", errors="replace").rstrip("\r")

    def subset(self, keep: np.ndarray) -> _Records:
        if keep.all():
            return self
        spans = zip(self.starts[keep].tolist(), self.ends[keep].tolist(), strict=True)
        parts = [self.data[s : e + 1] for s, e in spans]
        lengths = np.array([len(p) for p in parts], dtype=np.int64)
        ends = np.cumsum(lengths) - 1
        starts = ends - lengths + 1
        return _Records(b"".join(parts), starts, ends, self.lines[keep], self.rows[keep])


@dataclass
class CsvLines:
    """The data rows of one CSV file as Arrow tables of text columns, bad lines set aside.

    A record ends at a line feed outside quotes, so a quoted value may span lines; a record
    spanning lines whose fields do not come out right is a broken quote: its first line is set
    aside and reading goes on from the next.
    """

    path: Path
    columns: list[str]
    data_offset: int
    encoding: str = "utf-8"
    delimiter: str = ","
    unreadable: list[Unreadable] = field(default_factory=list)
    _rows: int = 0  # rows numbered so far (blank lines are not rows)

    def blocks(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        """(table, row number of each of its rows) for each stretch of whole records."""
        line = 2
        pending = b""
        self._rows = 0
        with self.path.open("rb") as handle:
            handle.seek(self.data_offset)
            while True:
                block = handle.read(BLOCK_BYTES)
                final = not block
                data = pending + block if pending else block
                if final and data and not data.endswith(b"\n"):
                    data += b"\n"
                records, used = self._split(data, line, final)
                line += data.count(b"\n", 0, used)
                pending = data[used:]
                for stretch in records:
                    found = self._read(stretch)
                    if found is not None:
                        yield found
                if final:
                    break

    # -- where records end, and which quotes are broken ----------------------------------------
    def _split(self, data: bytes, line: int, final: bool) -> tuple[list[_Records], int]:
        """The whole records at the start of ``data`` (as stretches between broken lines) and
        how many bytes they use; the rest waits for the next block."""
        raw = np.frombuffer(data, dtype=np.uint8)
        feeds = np.flatnonzero(raw == _NEWLINE)
        quotes = np.flatnonzero(raw == _QUOTE)
        found: list[_Records] = []
        pos = 0
        while True:
            first = int(np.searchsorted(feeds, pos))
            candidates = feeds[first:]
            before = int(np.searchsorted(quotes, pos))
            closed = (np.searchsorted(quotes, candidates) - before) % 2 == 0
            ends = candidates[closed]
            starts = np.concatenate(([pos], ends[:-1] + 1)).astype(np.int64)[: len(ends)]
            broken = self._first_broken(data, starts, ends, feeds, first, closed)
            if broken is None:
                used = int(ends[-1]) + 1 if len(ends) else pos
                tail = data[used:]
                open_quote = b"\n" in tail and (final or len(tail) > MAX_RECORD_BYTES)
                if not open_quote:
                    found.append(self._records(data, starts, ends, feeds, line))
                    return found, used
                broken = len(ends)
                starts = np.append(starts, used)
            cut = int(starts[broken])
            found.append(self._records(data, starts[:broken], ends[:broken], feeds, line))
            feed = int(feeds[np.searchsorted(feeds, cut)])
            number = line + int(np.searchsorted(feeds, cut))
            text = data[cut:feed].decode(self.encoding, errors="backslashreplace").rstrip("\r")
            self._rows += 1
            detail = f"line {number}: a quote is not closed"
            self._set_aside(number, self._rows, "broken_quote", detail, text)
            pos = feed + 1

    def _first_broken(
        self,
        data: bytes,
        starts: np.ndarray,
        ends: np.ndarray,
        feeds: np.ndarray,
        first: int,
        closed: np.ndarray,
    ) -> int | None:
        """The first record spanning lines that is not well-formed CSV (a quote closed other
        than before a delimiter) or whose fields do not match the header, if any."""
        spans = np.diff(np.concatenate(([-1], np.flatnonzero(closed))))
        for index in np.flatnonzero(spans > 1).tolist():
            text = data[int(starts[index]) : int(ends[index])].decode("utf-8", errors="replace")
            try:  # strict: a closing quote is followed by a delimiter or the record's end
                fields = next(
                    csv.reader([text.rstrip("\r")], delimiter=self.delimiter, strict=True)
                )
            except csv.Error:
                return int(index)
            if len(fields) != len(self.columns):
                return int(index)
        return None

    def _records(
        self, data: bytes, starts: np.ndarray, ends: np.ndarray, feeds: np.ndarray, line: int
    ) -> _Records:
        """The records between ``starts`` and ``ends``, numbered on (blank lines are no rows)."""
        lines = line + np.searchsorted(feeds, starts).astype(np.int64)
        if not len(ends):
            return _Records(b"", starts, ends, lines, lines)
        raw = np.frombuffer(data, dtype=np.uint8)
        lengths = ends - starts
        filled = ~((lengths == 0) | ((lengths == 1) & (raw[starts] == 13)))
        rows = np.zeros(len(ends), dtype=np.int64)
        rows[filled] = self._rows + np.arange(1, int(filled.sum()) + 1, dtype=np.int64)
        self._rows += int(filled.sum())
        low, high = int(starts[0]), int(ends[-1]) + 1
        found = _Records(data[low:high], starts - low, ends - low, lines, rows)
        return found.subset(filled)

    # -- one stretch of whole records ------------------------------------------------------
    def _read(self, records: _Records) -> tuple[pa.Table, np.ndarray] | None:
        records = self._shaped(self._decoded(records))
        if not len(records.ends):
            return None
        return self._parsed(records)

    def _decoded(self, records: _Records) -> _Records:
        """The records as UTF-8, those with bytes not in the encoding set aside."""
        try:
            text = records.data.decode(self.encoding)
        except UnicodeDecodeError:
            return self._decoded_one_by_one(records)
        if self.encoding == "utf-8":
            return records
        return self._recoded(records, text)

    def _recoded(self, records: _Records, text: str) -> _Records:
        """The same records re-encoded as UTF-8 (line feeds stay record ends or inside)."""
        data = text.encode("utf-8")
        raw = np.frombuffer(data, dtype=np.uint8)
        feeds = np.flatnonzero(raw == _NEWLINE)
        ends = feeds[np.searchsorted(np.flatnonzero(raw == _QUOTE), feeds) % 2 == 0]
        starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
        return _Records(data, starts, ends, records.lines, records.rows)

    def _decoded_one_by_one(self, records: _Records) -> _Records:
        keep = np.ones(len(records.ends), dtype=bool)
        for index in range(len(records.ends)):
            raw = records.data[int(records.starts[index]) : int(records.ends[index])]
            try:
                raw.decode(self.encoding)
            except UnicodeDecodeError as error:
                keep[index] = False
                number = int(records.lines[index])
                bad = raw[error.start : error.end].hex(" ")
                shown = raw.decode(self.encoding, errors="backslashreplace").rstrip("\r")
                detail = (
                    f"line {number}: bytes {bad} at byte {error.start + 1} are not valid"
                    f" {self.encoding}"
                )
                self._set_aside(number, int(records.rows[index]), "bad_encoding", detail, shown)
        kept = records.subset(keep)
        if self.encoding == "utf-8" or not len(kept.ends):
            return kept
        return self._recoded(kept, kept.data.decode(self.encoding))

    def _shaped(self, records: _Records) -> _Records:
        """Set aside the unquoted records with the wrong number of delimiters."""
        raw = np.frombuffer(records.data, dtype=np.uint8)
        quotes = _per_record(raw, records.ends, _QUOTE)
        delimiters = _per_record(raw, records.ends, ord(self.delimiter))
        wrong = (quotes == 0) & (delimiters != len(self.columns) - 1)
        for index in np.flatnonzero(wrong).tolist():
            self._wrong_count(
                int(records.lines[index]), int(records.rows[index]), records.text(index),
                int(delimiters[index]) + 1,
            )  # fmt: skip
        return records.subset(~wrong)

    def _parsed(self, records: _Records) -> tuple[pa.Table, np.ndarray]:
        """Arrow parses the records; a quoted one with the wrong field count is set aside."""
        refused: list[str] = []

        def refuse(row: pacsv.InvalidRow) -> str:
            refused.append((row.text or "").rstrip("\r"))
            return "skip"

        table = pacsv.read_csv(
            pa.BufferReader(records.data),
            read_options=pacsv.ReadOptions(column_names=self.columns, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=self.delimiter,
                invalid_row_handler=refuse,
                ignore_empty_lines=False,
                newlines_in_values=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in self.columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if refused:
            return table, self._refused(records, refused)
        return table, records.rows

    def _refused(self, records: _Records, refused: list[str]) -> np.ndarray:
        """Find the refused records by their text (Arrow's parallel parser cannot number
        them), set them aside, and return the row numbers of those parsed."""
        keep = np.ones(len(records.ends), dtype=bool)
        for index in range(len(records.ends)):
            if not refused:
                break
            text = records.text(index)
            if '"' in text and text in refused:
                refused.remove(text)
                keep[index] = False
                fields = len(next(csv.reader([text], delimiter=self.delimiter)))
                self._wrong_count(int(records.lines[index]), int(records.rows[index]), text, fields)
        return records.rows[keep]

    def _wrong_count(self, line: int, row: int, text: str, fields: int) -> None:
        detail = f"line {line} has {fields} fields; the header has {len(self.columns)}"
        self._set_aside(line, row, "wrong_field_count", detail, text)

    def _set_aside(self, line: int, row: int, reason: str, detail: str, raw: str) -> None:
        shown = raw if len(raw) <= RAW_CHARS else raw[:RAW_CHARS] + "…"
        self.unreadable.append(Unreadable(line, row, reason, detail, shown))


def _per_record(raw: np.ndarray, ends: np.ndarray, byte: int) -> np.ndarray:
    """How many times ``byte`` occurs in each record (records end at ``ends``)."""
    before_end = np.searchsorted(np.flatnonzero(raw == byte), ends)
    return np.diff(before_end, prepend=0)
