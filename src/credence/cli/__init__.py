"""The command line: parse, call the library, render with rich (or JSON for machines)."""
