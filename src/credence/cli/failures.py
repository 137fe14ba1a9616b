"""Failures of the machine rather than of the input, said in one line: a full disk, a path that
cannot be written, a workspace held by another process, an unexpected fault. A user never sees a
traceback; ``CREDENCE_DEBUG=1`` shows it to a developer.
"""

from __future__ import annotations

import errno
import re

import duckdb

_ERRNO = re.compile(r'"errno"\s*:\s*"?(\d+)')
_FILE = re.compile(r'(?:file|File) \\?"([^"\\]+)\\?"')


def _full(where: str) -> str:
    return (
        f"no space left on the device{where}: free some space and run it again "
        "(nothing half-written was committed)"
    )


def describe(error: BaseException) -> str | None:
    """One line for a failure of the machine; None for anything else (a bug: the caller says
    so in one line too)."""
    if isinstance(error, OSError):
        name = error.filename or ""
        where = f" writing {name}" if name else ""
        code = error.errno
        if code == errno.ENOSPC:
            return _full(where)
        if code in (errno.EACCES, errno.EPERM):
            return f"permission denied: {name or 'a file'} cannot be written or read here"
        if code == errno.EROFS:
            return f"{name or 'the path'} is on a read-only file system"
        if isinstance(error, FileExistsError | NotADirectoryError):
            return f"cannot create {name}: a file stands where a folder is needed"
        if isinstance(error, FileNotFoundError):
            return f"no such file or folder: {name}"
        return f"{name + ': ' if name else ''}{error.strerror or error}"
    if isinstance(error, duckdb.IOException):
        text = str(error)
        found = _ERRNO.search(text)
        path = _FILE.search(text)
        where = f" writing {path.group(1)}" if path else ""
        if (found and int(found.group(1)) == errno.ENOSPC) or "No space left" in text:
            return _full(where)
        if "Permission denied" in text or (found and int(found.group(1)) == errno.EACCES):
            target = path.group(1) if path else "a file"
            return f"permission denied: {target} cannot be written or read here"
        return "could not read or write a file: " + text.splitlines()[0][:300]
    if isinstance(error, duckdb.OutOfMemoryException):
        return "out of memory: " + str(error).splitlines()[0][:300]
    return None
