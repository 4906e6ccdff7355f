"""Every error of the contract, as a JSON body with a message."""

import io
import socket
import time

import pytest
from PIL import Image

from tests.conftest import TEST_UPLOAD_LIMIT_MB, UPLOAD_DEADLINE_SECONDS
from tests.documents import converted, data_file


def post(client, content: bytes | None, name: str = "file.png", params=None, headers=None, **fields):
    files = {"file": (name, content)} if content is not None else None
    return client.post("/api/v1/ocr/", files=files, data=fields, params=params, headers=headers)


def assert_error(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert words.lower() in response.json()["detail"].lower()


def test_no_file_is_400(client):
    assert_error(post(client, None, tier="cpu"), 400, "no file")


def test_a_body_that_is_not_a_multipart_form_is_400(client):
    response = client.post("/api/v1/ocr/", content=b"%PDF-1.7\n", headers={"Content-Type": "application/pdf"})
    assert_error(response, 400, "no file")


def test_a_multipart_form_without_its_boundary_is_400(client):
    response = client.post("/api/v1/ocr/", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"})
    assert_error(response, 400, "boundary")


def test_text_named_png_is_400_unsupported(client):
    assert_error(post(client, b"just some text, not an image\n" * 10, name="page.png"), 400, "unsupported file type")


def test_empty_file_is_400(client):
    assert_error(post(client, b""), 400, "empty")


def test_truncated_png_is_400_corrupt(client):
    png = converted("phototest.tif", "PNG")
    assert_error(post(client, png[: len(png) // 2]), 400, "corrupt")


def test_garbage_pdf_is_400(client):
    assert_error(post(client, b"%PDF-1.7\n" + b"\x00garbage" * 100, name="x.pdf"), 400, "pdf")


def test_file_over_the_size_limit_is_400(client):
    too_big = b"\x89PNG\r\n\x1a\n" + b"\0" * (TEST_UPLOAD_LIMIT_MB * 1024 * 1024)
    assert_error(post(client, too_big), 400, "exceeds the limit")


def test_image_over_the_pixel_limit_is_400(client):
    buffer = io.BytesIO()
    Image.new("L", (10000, 7000), 255).save(buffer, format="PNG")  # 70 Mpx, limit 60 Mpx
    assert_error(post(client, buffer.getvalue()), 400, "exceeds the limit")


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"tier": "gpu"}, 400, "unknown tier"),
        ({"language": "klingon"}, 400, "unsupported language"),
        ({"tool": "summarize"}, 400, "unknown tool"),
        ({"tier": "vlm"}, 503, "not deployed"),
    ],
)
def test_bad_options_are_4xx_not_422(client, fields, status, words):
    assert_error(post(client, data_file("img_exif_orientation.jpg"), **fields), status, words)


def test_unknown_job_is_404(client):
    assert_error(client.get("/api/v1/ocr/0123456789abcdef0123456789abcdef/"), 404, "no job")


def test_unknown_token_is_401_in_header_and_query(client):
    content = data_file("img_exif_orientation.jpg")
    assert_error(post(client, content, headers={"Authorization": "Bearer ocr_unknown"}), 401, "token")
    assert_error(post(client, content, params={"api_token": "ocr_unknown"}), 401, "token")


def test_size_limit_holds_for_a_chunked_upload_without_content_length(client):
    boundary = "ocrchatboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()

    def body():
        yield head + b"\x89PNG\r\n\x1a\n"
        for _ in range(TEST_UPLOAD_LIMIT_MB * 4 + 4):  # 256 KB chunks, past the limit
            yield b"\0" * 256 * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/api/v1/ocr/", content=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert_error(response, 400, "exceeds the limit")


def test_an_upload_that_trickles_in_past_the_deadline_is_408(service):
    """The client sends the start of its body and then nothing: the answer comes at the deadline."""
    boundary = "ocrchatboundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\n\r\n'.encode()
    host, port = service.url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=UPLOAD_DEADLINE_SECONDS * 3) as connection:
        connection.sendall(
            b"POST /api/v1/ocr/ HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=" + boundary.encode() + b"\r\n"
            b"Content-Length: 100000\r\n\r\n" + head + b"\x89PNG\r\n\x1a\n"
        )
        answer = ""
        while "}" not in answer and (piece := connection.recv(65536)):
            answer += piece.decode("latin-1")
    status_line, _, rest = answer.partition("\r\n")
    assert status_line.split()[1] == "408", answer
    assert "did not arrive within" in rest
    assert UPLOAD_DEADLINE_SECONDS <= time.monotonic() - started < UPLOAD_DEADLINE_SECONDS * 2
