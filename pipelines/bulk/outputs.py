"""What `ocrchat convert` writes and tells: each document's output files (written atomically),
the progress while it runs, and the report and summary at the end."""

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from accounts.clock import now_iso
from exports.formats import FORMATS

REPORT_NAME = "convert-report.json"


@dataclass
class Outcome:
    """What happened to one document, as the report lists it."""

    path: str
    status: str  # converted, skipped or failed
    pages: int = 0
    pages_failed: int = 0
    seconds: float = 0.0
    error: str | None = None


def output_paths(output_dir: Path, relative: PurePosixPath, formats: Iterable[str]) -> dict[str, Path]:
    """`a/b/scan.pdf` -> `OUTPUT_DIR/a/b/scan.<ext>` for each format."""
    base = output_dir / relative
    return {name: base.with_name(f"{base.stem}.{FORMATS[name].extension}") for name in formats}


def write_atomic(path: Path, data: bytes | str | Iterable[str]) -> None:
    """Write a file so that it either exists whole or not at all (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(data, bytes):
            with os.fdopen(handle, "wb") as file:
                file.write(data)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.writelines([data] if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Progress:
    """A progress bar on a terminal, a log line per document otherwise."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total = total
        self.done = self.skipped = self.failed = self.pages = 0
        self.started = time.monotonic()
        self._stream = stream
        self._bar = None
        if stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="doc", file=stream, dynamic_ncols=True, smoothing=0.1)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def rate(self) -> float:
        return self.pages / max(self.seconds, 1e-9)

    def add_pages(self, count: int) -> None:
        self.pages += count
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.pages} pages, {self.rate():.2f} pages/s", refresh=True)

    def record(self, outcome: Outcome) -> None:
        if outcome.status == "skipped":
            self.skipped += 1
        elif outcome.status == "failed":
            self.failed += 1
        else:
            self.done += 1
        if self._bar is not None:
            self._bar.update(1)
            if outcome.status == "failed":
                self._bar.write(f"failed: {outcome.path}: {outcome.error}", file=self._stream)
        elif outcome.status != "skipped":
            self._log(outcome)

    def _log(self, outcome: Outcome) -> None:
        finished = self.done + self.skipped + self.failed
        processed = self.done + self.failed
        eta = (self.total - finished) * self.seconds / processed if processed else 0.0
        detail = f"{outcome.pages} pages, {outcome.seconds:.1f} s" if outcome.status == "converted" else outcome.error
        print(
            f"[{finished}/{self.total}] {outcome.status} {outcome.path} ({detail}); "
            f"{self.pages} pages, {self.rate():.2f} pages/s, ETA {_duration(eta)}",
            file=self._stream,
            flush=True,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def write_report(
    output_dir: Path,
    source: Path,
    formats: Iterable[str],
    outcomes: list[Outcome],
    progress: Progress,
    interrupted: bool,
) -> dict:
    report = {
        "input": str(source),
        "output": str(output_dir),
        "formats": list(formats),
        "interrupted": interrupted,
        "finished_at": now_iso(),
        "seconds": round(progress.seconds, 2),
        "documents": {
            "total": progress.total,
            "converted": progress.done,
            "skipped": progress.skipped,
            "failed": progress.failed,
        },
        "pages": progress.pages,
        "pages_failed": sum(outcome.pages_failed for outcome in outcomes),
        "pages_per_second": round(progress.rate(), 3),
        "failed": [{"path": o.path, "error": o.error} for o in outcomes if o.status == "failed"],
        "results": [vars(outcome) for outcome in outcomes],
    }
    write_atomic(output_dir / REPORT_NAME, json.dumps(report, ensure_ascii=False, indent=1))
    return report


def summary_lines(report: dict) -> list[str]:
    documents = report["documents"]
    lines = [
        f"Converted {documents['converted']} documents ({report['pages']} pages, {report['pages_failed']} failed) "
        f"in {report['seconds']:.1f} s: {report['pages_per_second']:.2f} pages/s; "
        f"skipped {documents['skipped']} (outputs exist), failed {documents['failed']}."
    ]
    lines += [f"  failed: {failure['path']}: {failure['error']}" for failure in report["failed"]]
    if report["interrupted"]:
        lines.append("Interrupted: run the same command again to go on where it stopped.")
    lines.append(f"Report: {Path(report['output']) / REPORT_NAME}")
    return lines
