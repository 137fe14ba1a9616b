"""What text may hold wherever it enters Credence: the API's bodies and file ingest alike.

One definition, so a value the service refuses with a 422 is the value file ingest quarantines:
at most ``VALUE_CHARS`` characters, no control character but tab, line feed and carriage
return, and an event day no earlier than ``EARLIEST_DAY`` (a day such as 1024-01-01 is a typing
error, not a record).
"""

from __future__ import annotations

import re
from datetime import date

VALUE_CHARS = 1000
EARLIEST_DAY = date(1900, 1, 1)
# The control characters refused, as a regular expression both Python and DuckDB (RE2) read.
CONTROL_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"
_CONTROL = re.compile(CONTROL_PATTERN)


def has_control_character(text: str) -> bool:
    """Whether ``text`` holds a control character other than tab, line feed or return."""
    return _CONTROL.search(text) is not None
