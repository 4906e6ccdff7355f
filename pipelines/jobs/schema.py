"""The shapes of the job object and its page records, as the API returns them.

They are typed dicts: the code builds and reads plain dicts (which orjson writes fast and Redis
keeps as JSON), type checkers see these fields, and the OpenAPI schema is generated from them.
"""

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

Box = Annotated[list[float], Field(description="[x0, y0, x1, y1] in page pixels")]
RegionType = Literal[
    "text", "title", "figure", "figure_caption", "table", "table_caption", "header", "footer", "reference", "equation"
]
JobStatus = Literal["pending", "processing", "done", "failed"]


class Block(TypedDict):
    """A line of text: its box and confidence."""

    text: str
    bbox: Box
    confidence: Annotated[float, Field(description="0..1")]
    language: NotRequired[Annotated[str, Field(description="Only where it differs from the page's (language=auto)")]]
    type: NotRequired[
        Annotated[
            RegionType,
            Field(
                description="The layout region the line lies in (cpu tier); header and footer lines are page "
                "furniture, kept in `text` and left out of `markdown`."
            ),
        ]
    ]
    source: NotRequired[Annotated[Literal["ocr"], Field(description="A line read from a picture of a text layer")]]


class Region(TypedDict):
    """A region of the layout model (cpu tier, OCRed pages)."""

    type: RegionType
    bbox: Box
    confidence: Annotated[float, Field(description="The layout model's, 0..1")]


class TableCell(TypedDict):
    row: Annotated[int, Field(description="From 0: the first row the cell covers")]
    col: int
    row_span: int
    col_span: int
    text: str
    bbox: Box


class Table(TypedDict):
    bbox: Box
    rows: Annotated[
        list[list[str]], Field(description="Every row as wide as the table; a spanning cell's text in its first slot")
    ]
    cells: NotRequired[
        Annotated[list[TableCell], Field(description="With spans, where the table-structure model read the grid")]
    ]


class PageRecord(TypedDict):
    """One page's record."""

    index: Annotated[int, Field(description="From 0")]
    source: Annotated[Literal["ocr", "text_layer"] | None, Field(description="None: the page failed (see `error`)")]
    engine: NotRequired[str]
    language: NotRequired[Annotated[str | None, Field(description="The page's language code (or script's name)")]]
    rotation: NotRequired[int]
    width: NotRequired[int]
    height: NotRequired[int]
    text: str
    markdown: str
    blocks: list[Block]
    tables: list[Table]
    regions: NotRequired[list[Region]]
    error: NotRequired[str]
    text_layer_rejected: NotRequired[
        Annotated[str, Field(description="Why the page's own text layer was not used (it was OCRed instead)")]
    ]


class JobFields(TypedDict):
    """The fields of a job that never change after it is created."""

    uuid: str
    tier: str
    language: str
    tool: str | None
    filename: str
    page_count: int
    document_page_count: int
    created_at: str


class WebhookState(TypedDict):
    """The delivery of the job's webhook event (jobs submitted with a `callback_url`)."""

    status: Annotated[
        Literal["waiting", "pending", "delivered", "failed"],
        Field(description="waiting: the job runs; pending: being delivered or retried; failed: gave up after 24 h"),
    ]
    attempts: int
    last_error: str | None


class JobState(TypedDict):
    """The fields of a job that change while it runs and when it ends."""

    status: JobStatus
    pages_done: int
    pages_failed: int
    mean_confidence: float | None
    error: str | None
    finished_at: str | None
    expires_at: str | None
    webhook: NotRequired[WebhookState]


class Job(JobFields, JobState):
    """The job object. While it runs `pages` is empty and `pages_done` tells the progress."""

    text: str
    markdown: str
    pages: list[PageRecord]
