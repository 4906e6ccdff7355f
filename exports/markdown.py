"""Markdown and plain text of a page from its paragraphs."""

import re

from pipelines.layout import Line

# Characters that would turn a line of recognised text into Markdown syntax.
_LEADING_SYNTAX = re.compile(r"^(\s*)([#>+\-*=|]|\d+[.)])")
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>])")


def escape_markdown(text: str) -> str:
    text = _INLINE_SYNTAX.sub(r"\\\1", text)
    return _LEADING_SYNTAX.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def page_text(paragraphs: list[list[Line]]) -> str:
    """Lines separated by newlines, paragraphs by a blank line."""
    return "\n\n".join("\n".join(line.text for line in paragraph) for paragraph in paragraphs)


def page_markdown(paragraphs: list[list[Line]]) -> str:
    return "\n\n".join("\n".join(escape_markdown(line.text) for line in paragraph) for paragraph in paragraphs)
