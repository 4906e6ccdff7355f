"""Page records of documents as the service makes them (text layer, else the CPU tier's OCR in
this process), cached as JSON so that a document is read once.

Usage: `.venv/bin/python bench/chat_pages.py FILE...` writes `<cache>/<name>.json` for each.
"""

import argparse
import json
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from configs.settings import Settings  # noqa: E402

DEFAULT_CACHE = Path("/tmp/chatx_pages")


class _Done:
    """An OCR call already answered, as `process_pages` expects one."""

    def __init__(self, result):
        self._result = result

    def result(self):
        return self._result

    def cancel(self) -> None:
        pass


@cache
def _router():
    from engines.router import cpu_router

    settings = Settings()
    return cpu_router(settings.model_cache_dir, 2, settings.det_limit_side_len)


def read_pages(data: bytes) -> list[dict]:
    """The page records of a document's bytes."""
    from pipelines.documents.document import Limits, open_document
    from pipelines.execution.page_loop import PageOptions, process_pages

    settings = Settings()
    document = open_document(data, Limits(settings.max_page_pixels, settings.pdf_dpi))
    submit = lambda image, language: _Done(_router().recognize(image, language))  # noqa: E731
    try:
        return list(process_pages(document, list(range(document.page_count)), submit, PageOptions()))
    finally:
        document.close()


def cached_pages(name: str, data: bytes, cache_dir: Path = DEFAULT_CACHE) -> list[dict]:
    """`read_pages`, kept in `cache_dir/<name>.json`."""
    path = cache_dir / f"{name}.json"
    if path.exists():
        return json.loads(path.read_text())
    pages = read_pages(data)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pages, ensure_ascii=False))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    for path in args.files:
        pages = cached_pages(path.stem, path.read_bytes(), args.cache)
        print(f"{path.name}: {len(pages)} pages, sources {sorted({str(p.get('source')) for p in pages})}")


if __name__ == "__main__":
    main()
