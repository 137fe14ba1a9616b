"""Write the rulebook: Markdown from Jinja2, and one self-contained HTML page.

Both formats print the same ``Rulebook`` (``view.py``). The prose a person needs (how the score
works, consent, the lists, their rights) is written once, as Markdown partials: the Markdown
rulebook includes it as is, the HTML one converts it with markdown-it (raw HTML off, so nothing
from a ruleset can become markup). HTML templates autoescape; the CSS is inlined from
``static/`` so the page needs no network and no JavaScript.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from credence.errors import CredenceError
from credence.rulebook.view import Rulebook, build_rulebook
from credence.rulebook.words import codes_md, md_block, md_escape
from credence.rules.spec import Ruleset

FORMATS = ("md", "html")
FILE_NAMES = {"md": "rulebook.md", "html": "rulebook.html"}
PROSE = ("intro", "score", "tiers", "grades", "consent", "black", "red", "rights")


class RulebookError(CredenceError):
    """The rulebook cannot be written (an unknown format, an output path that is a file)."""


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _inline_html(text: str) -> Markup:
    """Markdown inline text (ids as code spans, values escaped) as HTML."""
    return Markup(_markdown().renderInline(text))


def _block_html(text: str) -> Markup:
    return Markup(_markdown().render(text))


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("credence.rulebook", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["md_block"] = md_block
    env.filters["codes"] = codes_md
    env.filters["inline_md"] = _inline_html
    env.filters["block_md"] = _block_html
    return env


def _prose(book: Rulebook) -> dict[str, str]:
    """The shared Markdown sections, rendered for this ruleset."""
    env = _environment()
    return {name: env.get_template(f"_{name}.md.j2").render(book=book).strip() for name in PROSE}


def render_markdown(ruleset: Ruleset) -> str:
    """The rulebook as Markdown (what ``rulebook.md`` holds)."""
    book = build_rulebook(ruleset)
    return _environment().get_template("rulebook.md.j2").render(book=book, prose=_prose(book))


def render_html(ruleset: Ruleset) -> str:
    """The rulebook as one HTML page with its CSS inlined (what ``rulebook.html`` holds)."""
    book = build_rulebook(ruleset)
    css = (resources.files("credence.rulebook") / "static" / "rulebook.css").read_text("utf-8")
    template = _environment().get_template("rulebook.html.j2")
    return template.render(book=book, prose=_prose(book), css=Markup(css))


_RENDERERS = {"md": render_markdown, "html": render_html}


def write_rulebook(ruleset: Ruleset, out_dir: Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write ``rulebook.md`` and/or ``rulebook.html`` into ``out_dir``; return the files."""
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in _RENDERERS]
    if unknown or not wanted:
        raise RulebookError(
            f"unknown rulebook format {', '.join(unknown) or '(none)'}: use md, html or both"
        )
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RulebookError(f"{out_dir} exists and is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in wanted:
        path = out_dir / FILE_NAMES[name]
        path.write_text(_RENDERERS[name](ruleset), encoding="utf-8")
        written.append(path)
    return written
