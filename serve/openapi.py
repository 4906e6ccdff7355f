"""The OpenAPI description of the API (`/openapi.json`, `/docs`): the bodies it answers, the
error responses of each route, and the auth.

The routes parse their input and build their answers themselves, so what FastAPI infers from
them says little: the routes name their responses with `responses=` (`errors(400, 404)` for
the errors) and `DocumentedFastAPI` tidies the generated schema once.
"""

from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from exports.formats import FORMATS


class _Open(BaseModel):
    """An object with these fields at least; more may come (additionalProperties)."""

    model_config = ConfigDict(extra="allow")


class ErrorBody(_Open):
    """Every error: a message; some add fields (`used`, `cap`, `allowance`, `page_count`, `queued_pages`)."""

    detail: str


RegionType = Literal[
    "text", "title", "figure", "figure_caption", "table", "table_caption", "header", "footer", "reference", "equation"
]


class Block(_Open):
    text: str
    bbox: list[float]  # [x0, y0, x1, y1] in page pixels
    confidence: float  # 0..1
    language: str | None = None  # only where it differs from the page's (language=auto)
    # The layout region the line lies in (cpu tier); header and footer lines are page furniture,
    # kept in `text` and left out of `markdown`.
    type: RegionType | None = None
    source: Literal["ocr"] | None = None  # a line read from a picture on a text-layer page


class Region(_Open):
    type: RegionType
    bbox: list[float]  # [x0, y0, x1, y1] in page pixels
    confidence: float  # the layout model's, 0..1


class TableCell(_Open):
    row: int  # from 0, the first row the cell covers
    col: int
    row_span: int
    col_span: int
    text: str
    bbox: list[float]


class Table(_Open):
    bbox: list[float]
    rows: list[list[str]]  # every row as wide as the table; a spanning cell's text in its first slot
    cells: list[TableCell] | None = None  # with spans, where the table-structure model read the grid


class Page(_Open):
    index: int  # from 0
    source: Literal["ocr", "text_layer"] | None = None  # None: the page failed (see `error`)
    text: str
    markdown: str
    blocks: list[Block]
    tables: list[Table]
    regions: list[Region] | None = None  # the layout model's regions (cpu tier, OCRed pages)
    error: str | None = None
    # Why the page's own text layer was not used (it was OCRed instead), where it had one.
    text_layer_rejected: str | None = None


class Job(_Open):
    """The job object. While it runs `pages` is empty and `pages_done` tells the progress."""

    uuid: str
    status: Literal["pending", "processing", "done", "failed"]
    tier: str
    language: str
    tool: str | None
    filename: str
    page_count: int
    document_page_count: int
    pages_done: int
    pages_failed: int
    mean_confidence: float | None
    text: str
    markdown: str
    pages: list[Page]
    error: str | None
    created_at: str
    finished_at: str | None
    expires_at: str | None


class Citation(_Open):
    page: int  # from 1
    snippet: str


class ChatTurn(_Open):
    role: Literal["user", "assistant"]
    content: str
    citations: list[Citation] = []  # the assistant's


class ChatReply(_Open):
    conversation: str
    message: ChatTurn


class ChatHistory(_Open):
    conversation: str | None  # None until the first question
    messages: list[ChatTurn]


class Account(_Open):
    account: str | None  # None: an anonymous caller
    plan: str
    allowance: Literal["anonymous_daily", "free_monthly", "paid_credits"]
    period: str | None
    used: int
    cap: int
    balance: int
    max_pages_per_file: int
    page_credits: dict[str, int]


_RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
# code: (what it means, whether Retry-After always comes with it)
_ERRORS = {
    400: ("Bad input: no file, an unreadable or too large document, a bad field, an unknown format.", False),
    401: ("An unknown or revoked API token; on chat also a missing one.", False),
    402: ("Out of credits, or more pages than the plan allows per file (`used`, `cap`, `allowance`).", False),
    404: ("No such job of the caller's: unknown, another caller's, deleted or expired.", False),
    409: ("The job has not ended yet, or ended with nothing to download or ask about.", False),
    429: ("At capacity (`queued_pages`), or too many chat questions: retry after `Retry-After`.", True),
    503: ("A tier or tool this deployment lacks, or the service cannot run the job now.", False),
}


def errors(*codes: int) -> dict[int | str, dict]:
    """The `responses=` entries of the error answers `codes`: JSON `{"detail": ...}`."""
    responses: dict[int | str, dict] = {}
    for code in codes:
        description, always_retry_after = _ERRORS[code]
        responses[code] = {"model": ErrorBody, "description": description}
        if code in (429, 503):
            responses[code]["headers"] = {"Retry-After": _RETRY_AFTER | {"required": always_retry_after}}
    return responses


def ok(model: type[BaseModel], description: str) -> dict[int | str, dict]:
    """The `responses=` entry of a JSON 200 answer."""
    return {200: {"model": model, "description": description}}


def _download_content() -> dict[str, dict]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {fmt.media_type.split(";")[0]: binary for name, fmt in FORMATS.items() if name != "json"}
    return content | {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}


DOWNLOAD = {
    200: {
        "model": Job,  # for format=json; also puts Job in the components
        "description": "The file, with its Content-Type and a Content-Disposition filename.",
        "content": _download_content(),
    }
}
DELETED = {204: {"description": "A finished job was deleted with its results."}}

# Who may call: the account's API token as a Bearer header or `?api_token=`; `{}`: anonymous.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <API token>"},
    "api_token": {"type": "apiKey", "in": "query", "name": "api_token", "description": "The API token"},
}
ACCOUNT_OR_ANONYMOUS = {"security": [{"bearer": []}, {"api_token": []}, {}]}
ACCOUNT_ONLY = {"security": [{"bearer": []}, {"api_token": []}]}


class DocumentedFastAPI(FastAPI):
    """FastAPI serving its generated schema tidied once: without FastAPI's 422 (the API answers
    400), without a body on 204, with the security schemes and the download formats."""

    def openapi(self) -> dict:
        if self.openapi_schema is None:
            self.openapi_schema = _tidy(super().openapi())
        return self.openapi_schema


def _tidy(schema: dict) -> dict:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            if "204" in responses:
                responses["204"].pop("content", None)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] == "format":  # the download's
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "enum": list(FORMATS)}
    components = schema.setdefault("components", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    return schema
