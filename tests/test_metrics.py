"""Application metrics reach Ray's Prometheus endpoint, where the dashboard and Prometheus read them."""

import re
import time

import httpx

from tests.documents import born_digital_pdf, data_file
from tests.test_api_long_jobs import submit

# Ray's metrics agent exports every few seconds.
EXPORT_WAIT_SECONDS = 90


def scrape(url: str) -> str:
    try:
        return httpx.get(url, timeout=10).text
    except httpx.HTTPError:
        return ""


def sample(text: str, name: str, **labels: str) -> float:
    """The summed value of the samples of `name` carrying `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and all(f'{key}="{value}"' in match.group(1) for key, value in labels.items()):
            total += float(match.group(2))
    return total


def test_pages_jobs_uploads_and_latency_are_exported(client, metrics_url):
    image, pdf = data_file("phototest.tif"), born_digital_pdf(2, lines=3)
    assert submit(client, image, "p.tif").json()["status"] == "done"
    assert submit(client, pdf, "d.pdf").json()["status"] == "done"
    # Each process exports on its own schedule: scrape until every metric has come in.
    deadline, failures = time.monotonic() + EXPORT_WAIT_SECONDS, ["not scraped yet"]
    while failures and time.monotonic() < deadline:
        time.sleep(2)
        failures = missing(scrape(metrics_url), len(image) + len(pdf))
    assert not failures, failures


def missing(text: str, uploaded: int) -> list[str]:
    """The expected samples that the scraped text lacks."""
    expected = {
        "2 text-layer pages by pymupdf": sample(text, "ray_ocrchat_pages_total", tier="cpu", engine="pymupdf",
                                                outcome="done") >= 2,
        "an OCR page by paddle": sample(text, "ray_ocrchat_pages_total", engine="paddle", source="ocr") >= 1,
        "2 jobs done": sample(text, "ray_ocrchat_jobs_total", status="done") >= 2,
        "the uploaded bytes": sample(text, "ray_ocrchat_upload_bytes_total") >= uploaded,
        "a paddle page latency": sample(text, "ray_ocrchat_page_seconds_count", engine="paddle") >= 1,
        "3 anonymous credits": sample(text, "ray_ocrchat_credits_charged_total", plan="anonymous") >= 3,
        "the queue depth": "ray_ocrchat_queued_pages" in text,
    }  # fmt: skip
    return [name for name, found in expected.items() if not found]
