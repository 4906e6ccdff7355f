"""`ocrchat convert`: inputs (folders, archives, list files), outputs, the report and resuming.

The end-to-end tests run the CLI in a subprocess with its own local Ray, beside the session's
(Ray gives each local cluster its own ports and session folder).
"""

import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pymupdf
import pytest

from pipelines.bulk.convert import OCR_PAGES_PER_ROW, pack_rows
from pipelines.bulk.inputs import InputError, open_inputs, safe_relative
from pipelines.bulk.outputs import REPORT_NAME, output_paths, write_atomic
from tests.documents import born_digital_pdf, data_file, page_lines, scanned_pdf

ROOT = Path(__file__).resolve().parent.parent
CLI_TIMEOUT_SECONDS = 600
PHOTOTEST_LINE = "This is a lot of 12 point text to test the"
CORRUPT_PDF = b"%PDF-1.4\n" + b"this is not a PDF body " * 40


def documents() -> dict[str, bytes]:
    """Mixed inputs: a born-digital PDF, a scanned PDF, an image, and a corrupt PDF."""
    return {
        "born.pdf": born_digital_pdf(2, lines=8),
        "sub/scan.pdf": scanned_pdf(["phototest.tif"]),
        "photo.tif": data_file("phototest.tif"),
        "sub/broken.pdf": CORRUPT_PDF,
    }


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def run_convert(source: Path, output: Path, state_dir: Path, *args: str) -> tuple[int, dict, str]:
    """Run `ocrchat convert` with its own local Ray; (exit status, report, stdout + stderr)."""
    env = {key: value for key, value in os.environ.items() if key not in ("RAY_ADDRESS", "OCRCHAT_RAY_ADDRESS")}
    env["OCRCHAT_STATE_DIR"] = str(state_dir)
    command = [sys.executable, "-m", "serve.cli", "convert", str(source), str(output), *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS)
    report_path = output / REPORT_NAME
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return done.returncode, report, done.stdout + done.stderr


def statuses(report: dict) -> dict[str, str]:
    return {result["path"]: result["status"] for result in report["results"]}


def check_outputs(output: Path) -> None:
    born_text = (output / "born.txt").read_text()
    for line in page_lines(1, 8) + page_lines(2, 8):
        assert line in born_text
    assert PHOTOTEST_LINE in (output / "photo.txt").read_text()
    assert PHOTOTEST_LINE in (output / "sub" / "scan.txt").read_text()
    job = json.loads((output / "born.json").read_text())
    assert job["status"] == "done" and job["filename"] == "born.pdf"
    assert [page["index"] for page in job["pages"]] == [0, 1]
    assert job["page_count"] == 2 and job["pages_done"] == 2 and page_lines(1, 8)[0] in job["text"]
    scan_job = json.loads((output / "sub" / "scan.json").read_text())
    assert scan_job["pages"][0]["source"] == "ocr" and scan_job["mean_confidence"] > 0.8
    with pymupdf.open(output / "sub" / "scan.pdf") as pdf:
        assert pdf.page_count == 1 and PHOTOTEST_LINE in pdf[0].get_text()
    assert not (output / "sub" / "broken.txt").exists()
    assert not list(output.rglob("*.tmp")), "temporary files are renamed or removed"


@pytest.mark.slow
def test_convert_folder_then_resume(tmp_path: Path) -> None:
    source = write_folder(tmp_path / "in", documents())
    output = tmp_path / "out"
    status, report, log = run_convert(source, output, tmp_path / "state", "--format", "txt,json,pdf,md")
    assert status == 1, log  # the corrupt file failed
    assert statuses(report) == {
        "born.pdf": "converted",
        "photo.tif": "converted",
        "sub/scan.pdf": "converted",
        "sub/broken.pdf": "failed",
    }, log
    assert report["documents"] == {"total": 4, "converted": 3, "skipped": 0, "failed": 1}
    assert report["pages"] == 4 and report["failed"][0]["path"] == "sub/broken.pdf"
    assert "corrupt" in report["failed"][0]["error"]
    assert "Converted 3 documents" in log and "sub/broken.pdf" in log
    check_outputs(output)
    assert (output / "born.md").read_text().startswith(page_lines(1, 8)[0])

    # A second run converts only the document with an output missing (and tries the corrupt one again).
    (output / "photo.md").unlink()
    before = (output / "born.json").stat().st_mtime_ns
    status, report, log = run_convert(source, output, tmp_path / "state", "--format", "txt,json,pdf,md")
    assert status == 1, log
    assert statuses(report) == {
        "born.pdf": "skipped",
        "photo.tif": "converted",
        "sub/scan.pdf": "skipped",
        "sub/broken.pdf": "failed",
    }, log
    assert report["pages"] == 1
    assert (output / "photo.md").exists() and (output / "born.json").stat().st_mtime_ns == before


@pytest.mark.slow
def test_convert_zip_archive(tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, content in documents().items():
            zipped.writestr(name, content)
        zipped.writestr("notes/readme.md", "not a document")
    output = tmp_path / "out"
    status, report, log = run_convert(archive, output, tmp_path / "state", "--format", "txt,json,pdf")
    assert status == 1, log
    assert report["documents"] == {"total": 4, "converted": 3, "skipped": 0, "failed": 1}, log
    assert report["failed"][0]["path"] == "sub/broken.pdf"
    check_outputs(output)


def test_born_digital_documents_convert_without_starting_ray(tmp_path: Path) -> None:
    """Text layers are read in the driver: no Ray, no OCR actor, so the first page comes at once."""
    source = write_folder(tmp_path / "in", {"born.pdf": born_digital_pdf(6, lines=8)})
    output = tmp_path / "out"
    status, report, log = run_convert(source, output, tmp_path / "state", "--format", "json,pdf")
    assert status == 0, log
    assert report["documents"]["converted"] == 1 and report["pages"] == 6
    job = json.loads((output / "born.json").read_text())
    assert job["status"] == "done" and job["pages_done"] == 6 and job["mean_confidence"] == 1.0
    assert {page["source"] for page in job["pages"]} == {"text_layer"}
    with pymupdf.open(output / "born.pdf") as pdf:
        assert pdf.page_count == 6 and page_lines(6, 8)[0] in pdf[5].get_text()
    assert "Ray" not in log, log


def test_bad_format_is_refused_before_any_work(tmp_path: Path) -> None:
    status, report, log = run_convert(tmp_path, tmp_path / "out", tmp_path / "state", "--format", "txt,odt")
    assert status == 2 and "odt" in log and report == {}


def test_safe_relative_keeps_paths_inside() -> None:
    assert safe_relative("a/b/scan.pdf") == PurePosixPath("a/b/scan.pdf")
    assert safe_relative("/etc/../../x.pdf") == PurePosixPath("etc/x.pdf")
    assert safe_relative("C:\\scans\\x.pdf") == PurePosixPath("scans/x.pdf")
    assert safe_relative("../..") is None


def _names(source: Path, exclude: Path | None = None) -> dict[str, bytes]:
    with open_inputs(source, exclude) as items:
        return {str(item.relative): item.load() for item in items}


def test_inputs_from_folder_zip_tar_and_list(tmp_path: Path) -> None:
    files = {"a/one.pdf": b"%PDF-1", "b.PNG": b"png", "notes.txt": b"text", ".hidden.pdf": b"x"}
    folder = write_folder(tmp_path / "in", files)
    write_folder(folder / "out", {"done.pdf": b"%PDF-2"})
    expected = {"a/one.pdf": b"%PDF-1", "b.PNG": b"png"}
    assert _names(folder, exclude=folder / "out") == expected

    with zipfile.ZipFile(tmp_path / "in.zip", "w") as zipped:
        for name, content in files.items():
            zipped.writestr(name, content)
        zipped.writestr("../escape.pdf", b"%PDF-3")
    assert _names(tmp_path / "in.zip") == expected | {"escape.pdf": b"%PDF-3"}

    with tarfile.open(tmp_path / "in.tar.gz", "w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    assert _names(tmp_path / "in.tar.gz") == expected

    listing = tmp_path / "in.lst"
    listing.write_text(f"# scans\nin/a/one.pdf\n\n{folder / 'notes.txt'}\n")
    with open_inputs(listing) as items:
        assert [str(item.relative) for item in items] == ["in/a/one.pdf", str(folder / "notes.txt").lstrip("/")]
        assert items[0].load() == b"%PDF-1"

    with pytest.raises(InputError):
        _names(tmp_path / "in.rar")


def test_output_paths_and_atomic_writes(tmp_path: Path) -> None:
    paths = output_paths(tmp_path, PurePosixPath("a/b/scan.pdf"), ["txt", "pdf", "json"])
    assert paths == {name: tmp_path / "a" / "b" / f"scan.{name}" for name in ("txt", "pdf", "json")}
    write_atomic(paths["txt"], iter(["one ", "two"]))
    write_atomic(paths["pdf"], b"%PDF")
    assert paths["txt"].read_text() == "one two" and paths["pdf"].read_bytes() == b"%PDF"
    assert sorted(path.name for path in paths["txt"].parent.iterdir()) == ["scan.pdf", "scan.txt"]


def test_small_documents_share_rows() -> None:
    blocks = [(doc, False, [0]) for doc in range(OCR_PAGES_PER_ROW + 1)] + [(9, True, list(range(50)))]
    rows = pack_rows(blocks)
    assert [len(row) for row in rows] == [OCR_PAGES_PER_ROW, 1, 1]
    assert rows[0][0] == (0, [0]) and rows[2] == [(9, list(range(50)))]
