"""Per model family: the prompt for each task, how the chat message is laid out, and how the raw
output becomes lines, Markdown and tables. Everything model-specific lives in this one table."""

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from engines.vlm.markup import (
    OTSL_TOKENS,
    display_math,
    escape_markdown,
    has_otsl,
    html_table_rows,
    otsl_rows,
    pipe_table,
    plain_markdown_line,
    strip_math,
    text_lines,
)

# The tasks the service asks for.
TASKS = ("ocr", "table", "formula", "handwriting")


@dataclass
class ParsedLine:
    """One line of output: its text, where it lies in the raw output (for its confidence), and its
    box `[x0, y0, x1, y1]` in the pixels of the image the model saw, when the model gives boxes."""

    text: str
    start: int
    end: int
    bbox: list[float] | None = None


@dataclass
class ParsedPage:
    lines: list[ParsedLine] = field(default_factory=list)
    markdown: str = ""
    tables: list[list[list[str]]] = field(default_factory=list)  # each table's rows of cell texts


# (raw output, task, (width, height) of the image the model saw) -> page
Parser = Callable[[str, str, tuple[int, int]], ParsedPage]


@dataclass(frozen=True)
class ModelProfile:
    name: str
    prompts: Mapping[str, str]  # task -> prompt
    parser: Parser
    image_first: bool = True  # the user message holds the image, then the prompt (else the reverse)
    max_image_side: int | None = None  # pages are scaled down to this longest side before the model sees them
    # Tokens the parser needs that the model's tokenizer marks special (servers leave those out of
    # the text unless asked to keep them).
    keep_tokens: tuple[str, ...] = ()

    def prompt(self, task: str) -> str:
        if task not in self.prompts:
            raise ValueError(f"{self.name} has no prompt for task {task!r}; tasks: {', '.join(self.prompts)}")
        return self.prompts[task]

    @property
    def request_options(self) -> dict:
        """What the chat completions request adds for this model (vLLM's `skip_special_tokens`)."""
        return {"skip_special_tokens": False} if self.keep_tokens else {}

    def messages(self, prompt: str, image_url: str) -> list[dict]:
        """The chat for one page, as the OpenAI chat completions API takes it."""
        image = {"type": "image_url", "image_url": {"url": image_url}}
        text = {"type": "text", "text": prompt}
        return [{"role": "user", "content": [image, text] if self.image_first else [text, image]}]

    def parse(self, raw: str, task: str, image_size: tuple[int, int]) -> ParsedPage:
        return self.parser(raw, task, image_size)


# --- shared page builders ---------------------------------------------------------------------------------


def _text_page(raw: str) -> ParsedPage:
    """Plain text: one line per non-blank output line; Markdown keeps the blank lines between paragraphs."""
    lines = [ParsedLine(span.text, span.start, span.end) for span in text_lines(raw)]
    markdown = re.sub(r"\n{3,}", "\n\n", "\n".join(escape_markdown(line.strip()) for line in raw.split("\n")))
    return ParsedPage(lines, markdown.strip(), [])


def _table_page(rows: list[tuple[list[str], int, int]]) -> ParsedPage:
    grid = [cells for cells, _, _ in rows]
    lines = [ParsedLine("\t".join(cells), start, end) for cells, start, end in rows if any(cells)]
    return ParsedPage(lines, pipe_table(grid), [grid] if grid else [])


def _formula_page(raw: str) -> ParsedPage:
    latex = strip_math(raw)
    if not latex:
        return ParsedPage()
    start = raw.index(raw.strip())
    return ParsedPage([ParsedLine(" ".join(latex.split()), start, start + len(raw.strip()))], display_math(latex), [])


_BLOCK = re.compile(r"<table\b.*?(?:</table>|$)|\$\$.+?\$\$|\\\[.+?\\\]", re.IGNORECASE | re.DOTALL)
_ROW = re.compile(r"<tr\b.*?(?=<tr\b|</table>|$)", re.IGNORECASE | re.DOTALL)
_FIGURE = re.compile(r"!\[[^\]]*\]\([^)]*\)")


def _markdown_page(body: str, offset: int = 0) -> ParsedPage:
    """Markdown with HTML tables and display math (olmOCR's page text, dots.ocr's cells): text lines,
    each table's rows (cells joined by tabs) and each formula as lines; tables become pipe tables."""
    page = ParsedPage()
    parts: list[str] = []
    position = 0
    for match in _BLOCK.finditer(body):
        _add_markdown_text(body[position : match.start()], offset + position, page, parts)
        block = match.group(0)
        if block.lower().startswith("<table"):
            _add_html_table(block, offset + match.start(), page, parts)
        else:
            latex = strip_math(block)
            page.lines.append(ParsedLine(" ".join(latex.split()), offset + match.start(), offset + match.end()))
            parts.append(display_math(latex))
        position = match.end()
    _add_markdown_text(body[position:], offset + position, page, parts)
    page.markdown = "\n\n".join(part for part in parts if part)
    return page


def _add_markdown_text(text: str, offset: int, page: ParsedPage, parts: list[str]) -> None:
    for span in text_lines(_FIGURE.sub(lambda m: " " * len(m.group(0)), text), offset):
        line = plain_markdown_line(span.text)
        if line:
            page.lines.append(ParsedLine(line, span.start, span.end))
    parts.append(re.sub(r"\n{3,}", "\n\n", _FIGURE.sub("", text)).strip())


def _add_html_table(block: str, offset: int, page: ParsedPage, parts: list[str]) -> None:
    rows = html_table_rows(block)
    if not rows:
        return
    row_spans = [(m.start(), m.end()) for m in _ROW.finditer(block)]
    if len(row_spans) != len(rows):
        row_spans = [(0, len(block))] * len(rows)
    for cells, (start, end) in zip(rows, row_spans, strict=True):
        if any(cells):
            page.lines.append(ParsedLine("\t".join(cells), offset + start, offset + end))
    page.tables.append(rows)
    parts.append(pipe_table(rows))


# --- PaddleOCR-VL ------------------------------------------------------------------------------------------


def parse_paddleocr_vl(raw: str, task: str, image_size: tuple[int, int]) -> ParsedPage:
    """Formulas as LaTeX, tables as OTSL tokens (or HTML), everything else plain text lines."""
    if task == "formula":
        return _formula_page(raw)
    if has_otsl(raw):
        return _table_page(otsl_rows(raw))
    if "<table" in raw.lower():
        return _markdown_page(raw)
    return _text_page(raw)


# --- olmOCR ------------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.*?)(?:\n---[ \t]*(?:\n|\Z)|\Z)", re.DOTALL)


def split_front_matter(raw: str) -> tuple[dict[str, str], int]:
    """olmOCR's YAML front matter (primary_language, is_rotation_valid, ...) as a dict, and the offset
    where the page text starts."""
    match = _FRONT_MATTER.match(raw)
    if match is None:
        return {}, 0
    values = {}
    for line in match.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    return values, match.end()


def parse_olmocr(raw: str, task: str, image_size: tuple[int, int]) -> ParsedPage:
    _, start = split_front_matter(raw)
    body = raw[start:]
    if task == "formula" and "$$" not in body and "\\[" not in body:
        page = _formula_page(body)
        for line in page.lines:
            line.start, line.end = line.start + start, line.end + start
        return page
    return _markdown_page(body, start)


# --- dots.ocr ----------------------------------------------------------------------------------------------

# dots.ocr's image preprocessing (its smart_resize); the boxes it writes are in the resized image's pixels.
_DOTS_FACTOR = 28
_DOTS_MIN_PIXELS = 3136
_DOTS_MAX_PIXELS = 11289600


def _dots_resized(width: int, height: int) -> tuple[int, int]:
    """(width, height) of the image dots.ocr's processor feeds the model (Qwen2-VL's smart_resize)."""
    w = max(_DOTS_FACTOR, round(width / _DOTS_FACTOR) * _DOTS_FACTOR)
    h = max(_DOTS_FACTOR, round(height / _DOTS_FACTOR) * _DOTS_FACTOR)
    if w * h > _DOTS_MAX_PIXELS:
        beta = math.sqrt(width * height / _DOTS_MAX_PIXELS)
        w = max(_DOTS_FACTOR, math.floor(width / beta / _DOTS_FACTOR) * _DOTS_FACTOR)
        h = max(_DOTS_FACTOR, math.floor(height / beta / _DOTS_FACTOR) * _DOTS_FACTOR)
    elif w * h < _DOTS_MIN_PIXELS:
        beta = math.sqrt(_DOTS_MIN_PIXELS / (width * height))
        w = math.ceil(width * beta / _DOTS_FACTOR) * _DOTS_FACTOR
        h = math.ceil(height * beta / _DOTS_FACTOR) * _DOTS_FACTOR
    return w, h


def dots_cells(raw: str) -> list[tuple[dict, int, int]]:
    """The layout cells ({"bbox", "category", "text"}) of dots.ocr's JSON with their offsets. Output
    cut short by the token limit keeps its complete cells."""
    decoder = json.JSONDecoder()
    cells = []
    position = raw.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(raw, position)
        except json.JSONDecodeError:
            position = raw.find("{", position + 1)
            continue
        if isinstance(value, dict) and _is_box(value.get("bbox")):
            cells.append((value, position, end))
            position = raw.find("{", end)
        else:
            position = raw.find("{", position + 1)
    return cells


def _is_box(value: object) -> bool:
    return isinstance(value, list) and len(value) == 4 and all(isinstance(v, int | float) for v in value)


def _bands(box: list[float], count: int) -> list[list[float]]:
    """`box` cut into `count` equal horizontal bands (the lines of a multi-line cell)."""
    x0, y0, x1, y1 = box
    step = (y1 - y0) / max(count, 1)
    return [[x0, y0 + i * step, x1, y0 + (i + 1) * step] for i in range(count)]


def parse_dots_ocr(raw: str, task: str, image_size: tuple[int, int]) -> ParsedPage:
    cells = dots_cells(raw)
    if not cells:
        return _markdown_page(raw)
    width, height = image_size
    resized_w, resized_h = _dots_resized(width, height)
    sx, sy = width / resized_w, height / resized_h
    page = ParsedPage()
    parts = []
    for cell, start, end in cells:
        x0, y0, x1, y1 = cell["bbox"]
        box = [min(max(x0 * sx, 0), width), min(max(y0 * sy, 0), height)]
        box += [min(max(x1 * sx, box[0]), width), min(max(y1 * sy, box[1]), height)]
        _add_dots_cell(cell, box, start, end, page, parts)
    page.markdown = "\n\n".join(part for part in parts if part)
    return page


_DOTS_HEADINGS = {"Title": "# ", "Section-header": "## "}


def _add_dots_cell(cell: dict, box: list[float], start: int, end: int, page: ParsedPage, parts: list[str]) -> None:
    category = str(cell.get("category", "Text"))
    text = str(cell.get("text") or "").strip()
    if category == "Picture" or not text:
        return
    if category == "Table":
        rows = html_table_rows(text) if "<t" in text.lower() else [[line] for line in text.split("\n") if line]
        page.tables.append(rows)
        parts.append(pipe_table(rows))
        contents = ["\t".join(cells) for cells in rows]
    elif category == "Formula":
        latex = strip_math(text)
        parts.append(display_math(latex))
        contents = [" ".join(latex.split())]
    else:
        heading = _DOTS_HEADINGS.get(category, "")
        parts.append(text if not heading or text.startswith("#") else heading + text)
        contents = [plain_markdown_line(line) for line in text.split("\n") if line.strip()]
    contents = [content for content in contents if content.strip()]
    for content, band in zip(contents, _bands(box, len(contents)), strict=True):
        page.lines.append(ParsedLine(content, start, end, band))


# --- the table ---------------------------------------------------------------------------------------------

DOTS_LAYOUT_PROMPT = """Please output the layout information from the PDF image, including each layout element's bbox, its category, and the corresponding text content within the bbox.

1. Bbox format: [x1, y1, x2, y2]

2. Layout Categories: The possible categories are ['Caption', 'Footnote', 'Formula', 'List-item', 'Page-footer', 'Page-header', 'Picture', 'Section-header', 'Table', 'Text', 'Title'].

3. Text Extraction & Formatting Rules:
    - Picture: For the 'Picture' category, the text field should be omitted.
    - Formula: Format its text as LaTeX.
    - Table: Format its text as HTML.
    - All Others (Text, Title, etc.): Format their text as Markdown.

4. Constraints:
    - The output text must be the original text from the image, with no translation.
    - All layout elements must be sorted according to human reading order.

5. Final Output: The entire output must be a single JSON object.
"""  # noqa: E501 (dots.ocr's prompt, verbatim)

OLMOCR_PROMPT = (
    "Attached is one page of a document that you must process. "
    "Just return the plain text representation of this document as if you were reading it naturally. "
    "Convert equations to LateX and tables to HTML.\n"
    "If there are any figures or charts, label them with the following markdown syntax "
    "![Alt text describing the contents of the figure](page_startx_starty_width_height.png)\n"
    "Return your output as markdown, with a front matter section on top specifying values for the "
    "primary_language, is_rotation_valid, rotation_correction, is_table, and is_diagram parameters."
)

PROFILES: dict[str, ModelProfile] = {
    profile.name: profile
    for profile in (
        ModelProfile(
            name="paddleocr-vl",
            prompts={
                "ocr": "OCR:",
                "handwriting": "OCR:",
                "table": "Table Recognition:",
                "formula": "Formula Recognition:",
                "chart": "Chart Recognition:",
            },
            parser=parse_paddleocr_vl,
            keep_tokens=OTSL_TOKENS,
        ),
        ModelProfile(
            name="dots.ocr",
            prompts=dict.fromkeys(TASKS, DOTS_LAYOUT_PROMPT),
            parser=parse_dots_ocr,
        ),
        ModelProfile(
            name="olmocr",
            prompts=dict.fromkeys(TASKS, OLMOCR_PROMPT),
            parser=parse_olmocr,
            image_first=False,
            max_image_side=1288,  # the longest side olmOCR-2 was trained on
        ),
    )
}
DEFAULT_PROFILE = "paddleocr-vl"


def get_profile(name: str) -> ModelProfile:
    if name not in PROFILES:
        raise ValueError(f"Unknown VLM profile {name!r}; profiles: {', '.join(PROFILES)}")
    return PROFILES[name]
