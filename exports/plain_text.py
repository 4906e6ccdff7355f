"""The `txt` export: the text of every page, pages separated by a form feed."""

from collections.abc import Iterator

PAGE_SEPARATOR = "\f"


def job_text(job: dict) -> Iterator[str]:
    """The pages' text in page order, streamed page by page."""
    for number, page in enumerate(job["pages"]):
        yield (PAGE_SEPARATOR if number else "") + page["text"]
