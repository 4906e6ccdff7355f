"""The job object as JSON text, whole or in pieces: its text, Markdown and page records come
from its pages, in page order, so that a response can stream a job of thousands of pages
holding one batch of them at a time."""

from collections.abc import Iterable, Iterator

import orjson

from pipelines.jobs.schema import JobFields, JobState, PageRecord

# Pieces of a streamed job are sent once they hold this many characters.
STREAM_PIECE_CHARS = 1 << 20


def record_json(record: object) -> str:
    """A page record (or any JSON value) as JSON text."""
    return orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def job_json(fixed: JobFields, state: JobState, pages: list[PageRecord]) -> str:
    """The job as the API returns it, with its page records (in page order)."""
    texts, markdowns = [page["text"] for page in pages], [page["markdown"] for page in pages]
    page_jsons = [record_json(page) for page in pages]
    return "".join(job_json_chunks(fixed, state, [texts], [markdowns], [page_jsons]))


def joined_page_texts(page_batches: Iterable[list[str]]) -> Iterator[str]:
    """The job's `text` (or `markdown`) in pieces: its pages', in page order, blank-line separated."""
    first = True
    for batch in page_batches:
        for text in batch:
            if text:
                yield text if first else "\n\n" + text
                first = False


def job_json_chunks(
    fixed: JobFields,
    state: JobState,
    text_batches: Iterable[list[str]],
    markdown_batches: Iterable[list[str]],
    page_batches: Iterable[list[str]],
) -> Iterator[str]:
    """`job_json` in pieces of about `STREAM_PIECE_CHARS`: the job's text and Markdown come as
    its pages' (batches of them, in page order), and so do the stored page records (JSON)."""
    before = {
        "uuid": fixed["uuid"],
        "status": state["status"],
        "tier": fixed["tier"],
        "language": fixed["language"],
        "tool": fixed["tool"],
        "filename": fixed["filename"],
        "page_count": fixed["page_count"],
        "document_page_count": fixed["document_page_count"],
        "pages_done": state["pages_done"],
        "pages_failed": state["pages_failed"],
        "mean_confidence": state["mean_confidence"],
    }
    after = {
        "error": state["error"],
        "created_at": fixed["created_at"],
        "finished_at": state["finished_at"],
        "expires_at": state["expires_at"],
    }
    if "webhook" in state:
        after["webhook"] = state["webhook"]
    return _in_pieces(
        [record_json(before)[:-1], ',"text":"'],
        map(_escaped, joined_page_texts(text_batches)),
        ['","markdown":"'],
        map(_escaped, joined_page_texts(markdown_batches)),
        ['","pages":['],
        _comma_separated(page_batches),
        ["],", record_json(after)[1:]],
    )


def _escaped(text: str) -> str:
    """Text as inside a JSON string (without the quotes)."""
    return record_json(text)[1:-1]


def _comma_separated(batches: Iterable[list[str]]) -> Iterator[str]:
    first = True
    for batch in batches:
        if batch:
            yield ("" if first else ",") + ",".join(batch)
            first = False


def _in_pieces(*parts: Iterable[str]) -> Iterator[str]:
    """The strings of `parts`, in order, joined into pieces of at least `STREAM_PIECE_CHARS`
    (the last may be shorter; the parts must not all be empty)."""
    buffer: list[str] = []
    size = 0
    for part in parts:
        for text in part:
            buffer.append(text)
            size += len(text)
            if size >= STREAM_PIECE_CHARS:
                yield "".join(buffer)
                buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
