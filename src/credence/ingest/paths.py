"""The files one ingest reads: PATH arguments (files, folders, glob patterns) as an ordered list.

Why: a source's nightly export often arrives as many files, ingested as one batch. The batch id
and the batch-wide row numbers follow the order of its files, so the same files, however they
are named on the command line, must always come out in the same order: sorted by path, each
once. A file named explicitly is read whatever its extension (an unknown one is refused when
it is opened); a folder (not its subfolders) and a glob pattern give only the files of a known
format, so the mapping YAML beside the data is never taken for data.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from credence.errors import IngestError
from credence.ingest.readers import FORMATS

_MAGIC = frozenset("*?[")


def expand_paths(arguments: Sequence[Path | str]) -> list[Path]:
    """Every file the arguments name, sorted by path and without repeats; an IngestError
    naming the first argument that names none."""
    found: list[Path] = []
    for argument in arguments:
        found.extend(_files_of(str(argument)))
    return ordered_files(found)


def ordered_files(paths: Iterable[Path]) -> list[Path]:
    """The files in batch order (sorted by their full path), each once, as they were named."""
    by_place: dict[str, Path] = {}
    for path in paths:
        by_place.setdefault(_place(Path(path)), Path(path))
    return [by_place[place] for place in sorted(by_place)]


def batch_label(paths: Sequence[Path]) -> str:
    """What ``batches.file`` says of a batch's files: the file itself for one, else their
    common folder and how many (each file is in ``batch_files``)."""
    if len(paths) == 1:
        return str(paths[0])
    folders = [str(p.parent) for p in paths]
    try:
        common = os.path.commonpath(folders)
    except ValueError:  # some named relative, some absolute: compare where they are
        common = os.path.commonpath([os.path.abspath(p.parent) for p in paths])
    return f"{common or '.'} ({len(paths)} files)"


def _files_of(argument: str) -> list[Path]:
    path = Path(argument)
    if path.is_dir():
        files = _known([p for p in path.iterdir() if p.is_file()])
        if not files:
            raise IngestError(f"{argument} holds no file to ingest ({_known_names()})")
        return files
    if path.exists():
        return [path]
    if not _MAGIC & set(argument):
        raise IngestError(f"cannot read {argument}: no such file")
    matched = _known([Path(p) for p in glob.glob(argument, recursive=True) if Path(p).is_file()])
    if not matched:
        raise IngestError(f"no file to ingest matches {argument} ({_known_names()})")
    return matched


def _known(paths: list[Path]) -> list[Path]:
    return sorted((p for p in paths if p.suffix.lower() in FORMATS), key=_place)


def _known_names() -> str:
    return "looked for " + ", ".join(sorted(FORMATS))


def _place(path: Path) -> str:
    """Where a file is, however it was named (``./a.csv``, ``a.csv``, an absolute path)."""
    return Path(os.path.abspath(path)).as_posix()
