"""Hostile, broken and odd uploads against the real service: never a 5xx, never a hang.

Every case of `hostile_files.HOSTILE_CASES` is posted as an anonymous client of its own (a
fake address in `X-Forwarded-For`; the tests' 127.0.0.1 is a trusted proxy) and gets either a
4xx with a JSON message, or a job that ends (`done`, or `failed` with a message). After each
one: exactly the pages read are charged (none for a 4xx), no upload is left on disk (no new
file in the state folder, none in the temp folder holding the upload, no file held open by a
process of the cluster, such as the unnamed temp file Starlette's own parser spools past 1 MB) and the
service still answers `/healthz`; the module ends by reading a page.
"""

import ipaddress
import os
import re
import select
import socket
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pymupdf
import pytest

from configs.settings import Settings
from tests.conftest import TEST_UPLOAD_LIMIT_MB
from tests.reliability.hostile_files import (
    BOUNDARY,
    HOSTILE_CASES,
    KEY_WORD,
    MULTIPART,
    PDF_DEEP_NESTING,
    HostileCase,
    float_tiff,
    text_png,
    tiff_with_a_corrupt_middle_page,
)

SUBMIT = "/api/v1/ocr/"
REQUEST_TIMEOUT = 300  # seconds; generous: two cores shared with other test runs
JOB_TIMEOUT = 600
LEFTOVER_GRACE = 15  # seconds for a replica to close what a request opened
FINAL = ("done", "failed")
MAX_DETAIL = 1000  # characters of an error message: a field is quoted, not echoed whole
# Fake client addresses (RFC 2544 benchmarking range), one per case.
FIRST_FAKE_CLIENT = ipaddress.ip_address("198.18.0.1")


# ---- What a request may leave behind


def _children_of(parent: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry.name))
    return children


@dataclass(frozen=True)
class Snapshot:
    state_files: frozenset[Path]
    temp_entries: frozenset[str]
    open_files: frozenset[tuple[int, str]]
    pids: frozenset[int]


class Leftovers:
    """Files an upload could leave: in the state folder, in the temp folder, or held open (an
    unnamed temp file shows as `/tmp/#123 (deleted)`) by a worker process of this Ray cluster."""

    def __init__(self, state_dir: Path, raylet_pid: int | None) -> None:
        self.state_dir = state_dir
        self.redis_dir = state_dir / "redis"  # Redis's own data: results are kept there by design
        self.temp_dir = Path(tempfile.gettempdir())  # the Ray workers inherit this process's TMPDIR
        self.raylet_pid = raylet_pid

    def snapshot(self) -> Snapshot:
        state = frozenset(
            path for path in self.state_dir.rglob("*") if path.is_file() and self.redis_dir not in path.parents
        )
        pids = frozenset(_children_of(self.raylet_pid)) if self.raylet_pid is not None else frozenset()
        return Snapshot(state, frozenset(os.listdir(self.temp_dir)), frozenset(self._open_files(pids)), pids)

    def _open_files(self, pids: frozenset[int]) -> Iterator[tuple[int, str]]:
        for pid in pids:
            try:
                descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue  # gone, or not ours to read
            for descriptor in descriptors:
                try:
                    target = os.readlink(descriptor)
                except OSError:
                    continue
                if self._is_upload_like(target):
                    yield pid, target

    def _is_upload_like(self, target: str) -> bool:
        if target.startswith(("/memfd:", "/dev/shm/")):  # Ray's own shared memory
            return False
        in_temp = target.startswith(f"{self.temp_dir}/") and not target.startswith(f"{self.temp_dir}/ray/")
        in_state = target.startswith(f"{self.state_dir}/") and not target.startswith(f"{self.redis_dir}/")
        return in_temp or in_state or target.endswith(" (deleted)")

    def left_since(self, before: Snapshot, upload_head: bytes) -> list[str]:
        """What is there now that was not `before`, waiting a little for files still being closed."""
        deadline = time.monotonic() + LEFTOVER_GRACE
        while (left := self.new_since(before, upload_head)) and time.monotonic() < deadline:
            time.sleep(0.5)
        return left

    def appeared_since(self, before: Snapshot, timeout: float) -> list[str]:
        """What is there now that was not `before`, waiting up to `timeout` for something to come."""
        deadline = time.monotonic() + timeout
        while not (new := self.new_since(before, b"")) and time.monotonic() < deadline:
            time.sleep(0.2)
        return new

    def new_since(self, before: Snapshot, upload_head: bytes) -> list[str]:
        now = self.snapshot()
        new = [f"state folder: {path}" for path in sorted(now.state_files - before.state_files)]
        new += [f"temp folder: {name}" for name in sorted(now.temp_entries - before.temp_entries)
                if self._holds(self.temp_dir / name, upload_head)]  # fmt: skip
        # In the processes that were there before (the replicas): a worker Ray starts meanwhile is
        # not the request's doing.
        opened = {(pid, target) for pid, target in now.open_files - before.open_files if pid in before.pids}
        return new + [f"held open by pid {pid}: {target}" for pid, target in sorted(opened)]

    @staticmethod
    def _holds(path: Path, upload_head: bytes) -> bool:
        """Whether a new temp file starts with the upload (other test runs share the temp folder)."""
        if len(upload_head) < 8:
            return False
        try:
            with path.open("rb") as file:
                return file.read(len(upload_head)) == upload_head
        except OSError:  # a folder, gone, or not ours
            return False


@pytest.fixture(scope="module")
def leftovers(service, state_dir: Path) -> Leftovers:
    import ray

    if not Path("/proc").is_dir():
        return Leftovers(state_dir, None)  # no /proc: the open-file check is skipped
    raylet_pid = ray._private.worker._global_node.all_processes["raylet"][0].process.pid
    ingress = [pid for pid in _children_of(raylet_pid) if b"Ingress" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert ingress, "the ingress replica is not a worker of this Ray node: the open-file check would see nothing"
    return Leftovers(state_dir, raylet_pid)


# ---- What the user sees


def fake_client(number: int) -> dict[str, str]:
    return {"X-Forwarded-For": str(FIRST_FAKE_CLIENT + number)}


def credits_used(client: httpx.Client, headers: dict[str, str]) -> tuple[int, int]:
    """(credits used today, credits per cpu page) of the anonymous caller named by `headers`."""
    response = client.get("/api/v1/account/", headers=headers, timeout=REQUEST_TIMEOUT)
    assert response.status_code == 200, response.text
    view = response.json()
    return view["used"], view["page_credits"]["cpu"]


def assert_json_error(response: httpx.Response, status: int, words: tuple[str, ...]) -> str:
    assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/json"), response.headers
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.strip(), response.text
    assert " object at 0x" not in detail, f"a Python repr in the message: {detail!r}"
    assert len(detail) <= MAX_DETAIL, f"a message of {len(detail)} characters (what was sent, echoed?)"
    assert not words or any(word.lower() in detail.lower() for word in words), f"{words} not in {detail!r}"
    return detail


def ended_job(client: httpx.Client, response: httpx.Response, headers: dict[str, str]) -> dict:
    """The job of a 200 answer once it has ended (small documents have ended already)."""
    assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
    job = response.json()
    deadline = time.monotonic() + JOB_TIMEOUT
    while job["status"] not in FINAL:
        assert time.monotonic() < deadline, f"job {job['uuid']} still {job['status']} after {JOB_TIMEOUT} s"
        time.sleep(0.5)
        polled = client.get(f"{SUBMIT}{job['uuid']}/", headers=headers, timeout=REQUEST_TIMEOUT)
        assert polled.status_code == 200, polled.text
        job = polled.json()
    return job


def assert_job_as_expected(job: dict, case: HostileCase) -> None:
    errors = [page["error"] for page in job["pages"] if page.get("error")]
    if job["status"] == "failed":
        assert isinstance(job["error"], str) and job["error"].strip(), job
    for page in job["pages"]:
        if page.get("error"):
            assert not page["blocks"], page
    assert job["pages_failed"] == len(errors), job
    expected = {"done": ("done",), "failed": ("failed",), "ended": FINAL}[case.expect]
    said = " ".join([job["error"] or "", *errors]).lower()
    assert job["status"] in expected, f"{job['status']} ({said!r}), expected {case.expect}"
    if case.words:
        assert any(word.lower() in said for word in case.words), f"{case.words} not in {said!r}"
    if case.text is not None:
        assert case.text in job["text"], job["text"]
    if case.pages is not None:
        assert job["page_count"] == case.pages, job


def assert_downloads_work(client: httpx.Client, job: dict, headers: dict[str, str], pdf_export: bool = True) -> None:
    """A job with pages read downloads as text and as a searchable PDF under a clean file name
    (where the PDF export is known to be missing, a 409 that says so)."""
    if job["pages_done"] == 0:
        return
    url = f"{SUBMIT}{job['uuid']}/download/"
    text = client.get(url, params={"format": "txt"}, headers=headers, timeout=REQUEST_TIMEOUT)
    assert text.status_code == 200, text.text
    name = download_name(text)
    assert name and not any(char in name for char in "/\\") and name not in (".", ".."), name
    assert not any(unicodedata.category(char) == "Cc" for char in name), repr(name)
    pdf = client.get(url, params={"format": "pdf"}, headers=headers, timeout=REQUEST_TIMEOUT)
    if pdf_export:
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), pdf.text[:300]
    else:
        assert_json_error(pdf, 409, ("not available",))


def download_name(response: httpx.Response) -> str:
    """The UTF-8 file name of a Content-Disposition (RFC 5987 `filename*`)."""
    disposition = response.headers["content-disposition"]
    return unquote(disposition.split("filename*=UTF-8''", 1)[1].split(";", 1)[0])


def observed(response: httpx.Response, job: dict | None) -> str:
    """One line on what the user got, for the report (`pytest -s`)."""
    if job is None:
        return f"{response.status_code} {response.json()['detail'][:90]!r}"
    errors = [page["error"] for page in job["pages"] if page.get("error")]
    return (f"{job['status']}, {job['pages_done']}/{job['page_count']} pages read, text {job['text'][:30]!r}, "
            f"error {(errors[0] if errors else job['error'] or '')[:90]!r}")  # fmt: skip


def assert_still_serving(client: httpx.Client) -> None:
    health = client.get("/healthz", timeout=REQUEST_TIMEOUT)
    assert health.status_code == 200, health.text


# ---- The corpus

# Cases whose job is done but whose searchable PDF cannot be made.
PDF_EXPORT_MISSING: tuple[str, ...] = ()


def _param(number: int, case: HostileCase):
    marks = [*case.marks, *([pytest.mark.slow] if case.slow else [])]
    return pytest.param(number, case, id=case.id, marks=marks)


@pytest.mark.parametrize(("number", "case"), [_param(number, case) for number, case in enumerate(HOSTILE_CASES)])
def test_hostile_upload(client: httpx.Client, leftovers: Leftovers, number: int, case: HostileCase) -> None:
    headers = fake_client(number)
    used_before, page_credits = credits_used(client, headers)
    request = case.request()
    request_headers = {**headers, **({"Content-Type": request.content_type} if request.content_type else {})}
    before = leftovers.snapshot()

    response = client.post(SUBMIT, content=request.body, headers=request_headers, timeout=REQUEST_TIMEOUT)

    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    job: dict | None = None
    if case.expect == "rejected":
        assert_json_error(response, case.status, case.words)
        pages_read = 0
    else:
        job = ended_job(client, response, headers)
        assert_job_as_expected(job, case)
        assert_downloads_work(client, job, headers, pdf_export=case.id not in PDF_EXPORT_MISSING)
        pages_read = job["pages_done"]
    print(f"{case.id}: {observed(response, job)}")
    used_after, _ = credits_used(client, headers)
    assert used_after - used_before == pages_read * page_credits, "charged for pages not read"
    left = leftovers.left_since(before, request.upload_head)
    assert not left, f"the upload left files behind: {left}"
    assert_still_serving(client)


# ---- Slow uploads over the size limit


def slow_post(
    url: str,
    headers: dict[str, str],
    chunks: Iterator[bytes],
    pause: float,
    on_progress: Callable[[int], None] = lambda sent: None,
) -> tuple[int, bytes, int]:
    """POST with a raw socket, `pause` seconds between chunks (then `on_progress(bytes sent)`),
    stopping as soon as the server answers. Returns (status, body, bytes of the body sent)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=REQUEST_TIMEOUT) as connection:
        head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": parts.netloc, **headers}.items())
        connection.sendall(f"POST {SUBMIT} HTTP/1.1\r\n{head}\r\n".encode())
        sent = 0
        for chunk in chunks:
            if select.select([connection], [], [], 0)[0]:
                break  # the answer is there: stop sending
            try:
                connection.sendall(chunk)
            except OSError:  # the server closed the connection after answering
                break
            sent += len(chunk)
            time.sleep(pause)
            on_progress(sent)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _content_length(answer):
            data = connection.recv(65536)
            if not data:
                break
            answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body, sent


def _content_length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def _over_limit_body(chunked: bool) -> Iterator[bytes]:
    """A multipart body twice the size limit in 64 KB pieces (as chunked transfer coding if asked)."""
    pieces = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\n\r\n'.encode()
        + b"\x89PNG\r\n\x1a\n",
        *[b"\0" * 65536] * (TEST_UPLOAD_LIMIT_MB * 32),
        f"\r\n--{BOUNDARY}--\r\n".encode(),
    ]
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    if chunked:
        yield b"0\r\n\r\n"


@pytest.mark.slow
@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_slow_upload_over_the_limit_is_refused_not_waited_for(
    client: httpx.Client, service, leftovers: Leftovers, chunked: bool
) -> None:
    headers = fake_client(len(HOSTILE_CASES) + int(chunked))
    used_before, _ = credits_used(client, headers)
    before = leftovers.snapshot()
    size = sum(len(piece) for piece in _over_limit_body(chunked=False))
    framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(size)}
    on_disk: list[list[str]] = []

    def look_for_a_spool(sent: int) -> None:
        """Past 1.5 MB (where Starlette's own parser would have spooled it to an unnamed temp file),
        the upload is in memory only: no file appears while the replica catches up with the socket."""
        if chunked and sent >= 1_500_000 and not on_disk:
            on_disk.append(leftovers.appeared_since(before, timeout=3))

    status, body, sent = slow_post(
        service.url,
        {**headers, "Content-Type": MULTIPART, **framing},
        _over_limit_body(chunked),
        pause=0.02,
        on_progress=look_for_a_spool,
    )
    assert status == 400, body[:300]
    assert b"exceeds the limit" in body, body[:300]
    print(f"answered after {sent} of {size} bytes; files that appeared while streaming: {on_disk}")
    if chunked:
        assert on_disk == [[]], f"the upload went to disk: {on_disk}"
    assert credits_used(client, headers)[0] == used_before
    assert not leftovers.left_since(before, b"\x89PNG\r\n\x1a\n")
    assert_still_serving(client)


# ---- File names


def test_a_download_name_has_no_bidi_controls(client: httpx.Client) -> None:
    headers = fake_client(len(HOSTILE_CASES) + 2)
    response = client.post(
        SUBMIT, files={"file": ("invoice\u202egnp.exe", text_png())}, headers=headers, timeout=REQUEST_TIMEOUT
    )
    job = ended_job(client, response, headers)
    download = client.get(f"{SUBMIT}{job['uuid']}/download/", params={"format": "docx"}, headers=headers)
    assert download.status_code == 200, download.text
    name = download_name(download)
    assert not [char for char in name if unicodedata.category(char) == "Cf"], repr(name)


# ---- Searchable PDFs of partly broken documents


def test_the_searchable_pdf_of_a_tiff_with_a_corrupt_page_has_its_good_pages(client: httpx.Client) -> None:
    assert_searchable_pdf(client, tiff_with_a_corrupt_middle_page(), "m.tif", number=4)


def test_the_searchable_pdf_of_a_repaired_pdf_exists(client: httpx.Client) -> None:
    assert_searchable_pdf(client, PDF_DEEP_NESTING, "d.pdf", number=5)


def test_the_searchable_pdf_of_a_float_tiff_shows_the_page(client: httpx.Client) -> None:
    pdf = assert_searchable_pdf(client, float_tiff(), "f.tif", number=6)
    page = pymupdf.open(stream=pdf, filetype="pdf")[0].get_pixmap(dpi=72, colorspace=pymupdf.csGRAY)
    mean_grey = sum(page.samples) / len(page.samples)
    assert mean_grey > 128, f"the page is mostly black (mean grey {mean_grey:.0f}); the scan was mostly white"


def assert_searchable_pdf(client: httpx.Client, document: bytes, name: str, number: int) -> bytes:
    headers = fake_client(len(HOSTILE_CASES) + number)
    response = client.post(SUBMIT, files={"file": (name, document)}, headers=headers, timeout=REQUEST_TIMEOUT)
    job = ended_job(client, response, headers)
    assert job["status"] == "done", job
    pdf = client.get(f"{SUBMIT}{job['uuid']}/download/", params={"format": "pdf"}, headers=headers)
    assert pdf.status_code == 200, pdf.text[:300]
    # Every page read is in it; a failed page may be left out or kept as it is.
    assert pymupdf.open(stream=pdf.content, filetype="pdf").page_count in (job["pages_done"], job["page_count"])
    return pdf.content


# ---- Limits are settings with documented defaults


@pytest.mark.parametrize("name", ["max_upload_mb", "max_pages", "max_page_pixels", "pdf_dpi"])
def test_every_limit_has_its_default_in_the_readme(name: str) -> None:
    default = Settings.model_fields[name].default
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    row = re.search(rf"^\| `OCRCHAT_{name.upper()}` \| `([^`]*)` \|", readme, re.MULTILINE)
    assert row, f"OCRCHAT_{name.upper()} has no row with a default in the README's settings table"
    assert float(row.group(1)) == float(default), f"README says {row.group(1)}, configs/settings.py {default}"


# ---- Last: the service still reads


def test_the_service_still_reads_a_page_after_the_corpus(client: httpx.Client) -> None:
    headers = fake_client(len(HOSTILE_CASES) + 3)
    response = client.post(SUBMIT, files={"file": ("page.png", text_png())}, headers=headers, timeout=REQUEST_TIMEOUT)
    job = ended_job(client, response, headers)
    assert job["status"] == "done" and KEY_WORD in job["text"], job
