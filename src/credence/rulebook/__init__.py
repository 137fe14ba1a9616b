"""The rulebook: a ruleset written out for the people it rates (Markdown and HTML)."""

from credence.rulebook.render import (
    FORMATS,
    RulebookError,
    render_html,
    render_markdown,
    write_rulebook,
)

__all__ = ["FORMATS", "RulebookError", "render_html", "render_markdown", "write_rulebook"]
