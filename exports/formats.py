"""The download formats: their media types and file names, and which writer makes each."""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from exports.plain_text import job_text
from exports.tables_csv import job_csv
from exports.word import job_docx


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    media_type: str


FORMATS = {
    "txt": ExportFormat("txt", "text/plain; charset=utf-8"),
    "md": ExportFormat("md", "text/markdown; charset=utf-8"),
    "docx": ExportFormat("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ExportFormat("pdf", "application/pdf"),
    "csv": ExportFormat("csv", "text/csv; charset=utf-8"),
    "json": ExportFormat("json", "application/json"),
}

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def job_export(job: dict, name: str) -> bytes | Iterator[str]:
    """The export `name` of an ended job, written from its record, as bytes or streamed text.
    (`pdf` is made when the job ends, from the upload, and kept; `json` is the stored job.)"""
    if name == "txt":
        return job_text(job)
    if name == "md":
        return iter([job["markdown"]])
    if name == "csv":
        return job_csv(job)
    if name == "docx":
        return job_docx(job)
    raise ValueError(f"{name} is not written from the job record")


def download_name(upload_name: str, extension: str) -> str:
    """The upload's name without folders, control, format or reserved characters, with the export's
    extension: `Q3 report.pdf` -> `Q3 report.docx`. Format characters (Unicode category Cf) are
    dropped: `invoice<U+202E>gnp.docx`, with a right-to-left override, shows as `invoicexcod.exe`."""
    base = upload_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    stem = "".join(char for char in unicodedata.normalize("NFC", stem) if unicodedata.category(char) != "Cf")
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:150]
    return f"{stem or 'document'}.{extension}"


def content_disposition(filename: str) -> str:
    """An attachment header with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "document"
    fallback = fallback.replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
