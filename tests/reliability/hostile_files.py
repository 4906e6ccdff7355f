"""A corpus of hostile, broken and odd uploads, generated in memory (no binary file is committed).

Each `HostileCase` is a whole `POST /api/v1/ocr/` request (a multipart body built byte by byte,
so that names, headers and boundaries can be as broken as a client may send them) and what a
user must get back: a 4xx with a JSON message, or a job that ends (`done`, or `failed` with a
message). Builders run lazily, when the case's test runs.
"""

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
import pymupdf
from PIL import Image, ImageDraw, ImageFont, ImageOps

from tests.conftest import TEST_UPLOAD_LIMIT_MB

# The words drawn on every generated page with text, and the ones a user would look for.
PAGE_TEXT = "Invoice total 4217 euros"
KEY_WORD = "4217"
BOUNDARY = "hostile-boundary-7f3a"

# `rejected`: a 4xx with a JSON `detail`; `done`: the job ends done; `failed`: the job ends failed
# with an error; `ended`: either (what MuPDF makes of a broken page is its business, as long as
# the job ends and says what happened).
Outcome = Literal["rejected", "done", "failed", "ended"]


# ---- Multipart bodies


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    filename: str | bytes | None = None  # None: a plain field; bytes: sent exactly as given
    content_type: str | None = None


def multipart(*parts: Part, boundary: str = BOUNDARY, close: bool = True) -> bytes:
    """A multipart/form-data body; header values are written as UTF-8, unescaped, like curl."""
    body = bytearray()
    for part in parts:
        disposition = f'form-data; name="{part.name}"'.encode()
        if part.filename is not None:
            name = part.filename if isinstance(part.filename, bytes) else part.filename.encode()
            disposition += b'; filename="' + name + b'"'
        body += f"--{boundary}\r\n".encode() + b"Content-Disposition: " + disposition + b"\r\n"
        if part.content_type is not None:
            body += f"Content-Type: {part.content_type}\r\n".encode()
        body += b"\r\n" + part.data + b"\r\n"
    if close:
        body += f"--{boundary}--\r\n".encode()
    return bytes(body)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@dataclass(frozen=True)
class Request:
    body: bytes
    content_type: str | None = MULTIPART
    upload_head: bytes = b""  # the first bytes of the file sent, to recognise a copy left on disk


@dataclass(frozen=True)
class HostileCase:
    id: str
    request: Callable[[], Request]
    expect: Outcome
    status: int = 400  # for `rejected`
    words: tuple[str, ...] = ()  # one of them is in the 4xx detail or the job's error (case-insensitive)
    text: str | None = None  # a `done` job's text contains it
    pages: int | None = None  # a job's page_count
    slow: bool = False
    marks: tuple = field(default=())


def form(
    parts: Callable[[], list[Part]],
    content_type: str | None = MULTIPART,
    boundary: str = BOUNDARY,
    close: bool = True,
) -> Callable[[], Request]:
    """A multipart request of `parts` (built when the case runs)."""

    def request() -> Request:
        built = parts()
        head = next((part.data[:64] for part in built if part.name == "file"), b"")
        return Request(multipart(*built, boundary=boundary, close=close), content_type, head)

    return request


def upload(build: Callable[[], bytes], filename: str | bytes = "upload.bin", **fields: str) -> Callable[[], Request]:
    """A request with the file from `build` in the `file` field and the given text fields."""
    return form(
        lambda: [
            *(Part(name, value.encode()) for name, value in fields.items()),
            Part("file", build(), filename, "application/octet-stream"),
        ]
    )


def raw(body: Callable[[], bytes], content_type: str | None) -> Callable[[], Request]:
    """A request whose body is not multipart."""
    return lambda: Request(body(), content_type)


# ---- Images and PDFs with text


def text_image(mode: str = "RGB", size: tuple[int, int] = (640, 120)) -> Image.Image:
    """A white image with PAGE_TEXT in black, large enough to be read."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((20, 30), PAGE_TEXT, fill="black", font=ImageFont.load_default(size=40))
    return image if mode == "RGB" else image.convert(mode)


def encoded(image: Image.Image, image_format: str, **save_args: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **save_args)
    return buffer.getvalue()


@cache
def text_png() -> bytes:
    return encoded(text_image(), "PNG")


def grey_samples() -> np.ndarray:
    return np.asarray(text_image("L"))


def sixteen_bit_grey(image_format: str) -> bytes:
    """16 bits per sample, the full range used (white is 65535), as scanners write them."""
    samples = grey_samples().astype("<u2") * 257
    return encoded(Image.frombytes("I;16", (samples.shape[1], samples.shape[0]), samples.tobytes()), image_format)


def float_tiff() -> bytes:
    """32-bit float samples from 0 (black) to 1 (white)."""
    return encoded(Image.fromarray(grey_samples().astype(np.float32) / 255, "F"), "TIFF")


def text_pdf(**save_args: object) -> bytes:
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_text((72, 100), PAGE_TEXT, fontsize=14, fontname="helv")
    data = pdf.tobytes(**save_args)
    pdf.close()
    return data


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


# ---- Broken PDFs


def pdf_with_bad_startxref() -> bytes:
    """The trailer points the reader at an offset past the end: MuPDF rebuilds the xref."""
    return re.sub(rb"startxref\s+\d+", b"startxref\n999999", text_pdf())


def pdf_without_xref() -> bytes:
    data = text_pdf()
    return data[: data.rfind(b"xref")] + b"%%EOF\n"


def pdf_with_shifted_offsets() -> bytes:
    """Every xref offset off by the junk inserted near the start."""
    return text_pdf().replace(b"\n", b"\n%junk junk junk\n", 3)


def pdf_with_page_content(content: bytes, flate: bool = False) -> bytes:
    """A one-page PDF whose content stream is `content` (declared Flate-compressed if `flate`)."""
    pdf = pymupdf.open()
    page = pdf.new_page()
    page.insert_text((72, 100), "x")
    xref = page.get_contents()[0]
    pdf.update_stream(xref, content, compress=False)
    if flate:
        pdf.xref_set_key(xref, "Filter", "/FlateDecode")
    return pdf.tobytes()


def encrypted_pdf(user_password: str) -> bytes:
    """AES-256; an empty user password opens it without asking (owner password only)."""
    return text_pdf(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner-secret", user_pw=user_password)


def minimal_pdf(pages_dict: bytes, extra: bytes = b"") -> bytes:
    """A hand-written PDF (no xref: MuPDF repairs it) with the given page tree node."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj" + pages_dict + b"endobj\n" + extra
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )  # fmt: skip


PDF_ZERO_PAGES = minimal_pdf(b"<</Type/Pages/Kids[]/Count 0>>")
PDF_PAGE_TREE_CYCLE = minimal_pdf(b"<</Type/Pages/Kids[2 0 R]/Count 1>>")
PDF_ABSURD_PAGE_COUNT = minimal_pdf(
    b"<</Type/Pages/Kids[3 0 R]/Count 99999999>>", b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
)
PDF_DEEP_NESTING = minimal_pdf(
    b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Junk " + b"[" * 100_000 + b"]" * 100_000 + b">>endobj\n",
)


def pdf_with_huge_mediabox() -> bytes:
    """200000 x 200000 pt: 555555 x 555555 pixels at 200 dpi, were it rendered."""
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    pdf.xref_set_key(page.xref, "MediaBox", "[0 0 200000 200000]")
    return pdf.tobytes()


def pdf_image_bomb(side: int = 40_000) -> bytes:
    """A page showing a `side` x `side` grey image (1.6 Gpx, 1.6 GB decoded) that Flate packs into
    about 1.5 MB: rendering must subsample it, not decode it whole."""
    packer = zlib.compressobj(9)
    row = b"\xff" * side
    stream = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    image = pdf.get_new_xref()
    pdf.update_object(
        image, f"<</Type/XObject/Subtype/Image/Width {side}/Height {side}/ColorSpace/DeviceGray/BitsPerComponent 8>>"
    )
    pdf.update_stream(image, stream, compress=False)
    pdf.xref_set_key(image, "Filter", "/FlateDecode")
    pdf.xref_set_key(page.xref, "Resources", f"<</XObject<</Im0 {image} 0 R>>>>")
    content = pdf.get_new_xref()
    pdf.update_object(content, "<<>>")
    pdf.update_stream(content, b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    pdf.xref_set_key(page.xref, "Contents", f"{content} 0 R")
    return pdf.tobytes()


def small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a document " * 10)
    return buffer.getvalue()


# ---- Broken images


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` x `height` 8-bit grey pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )  # fmt: skip


def png_with_text_chunk_bomb() -> bytes:
    """A zTXt chunk that inflates to 50 MB."""
    bomb = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * 50_000_000, 9))
    png = text_png()
    return png[:33] + bomb + png[33:]  # right after IHDR


def jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(encoded(text_image(), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_declaring(width: int, height: int) -> bytes:
    data = bytearray(encoded(text_image("P"), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)  # the logical screen
    return bytes(data)


def bmp_declaring(width: int, height: int) -> bytes:
    data = bytearray(encoded(text_image(), "BMP"))
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


def top_down_bmp() -> bytes:
    """Rows stored top row first, which a negative height declares."""
    data = bytearray(encoded(ImageOps.flip(text_image()), "BMP"))
    width, height = struct.unpack_from("<ii", data, 18)
    struct.pack_into("<ii", data, 18, width, -height)
    return bytes(data)


def tiff_entries(data: bytes | bytearray, ifd: int) -> list[tuple[int, int, int, int]]:
    """(tag, type, count, entry offset) of a little-endian TIFF's IFD at `ifd`."""
    count = struct.unpack_from("<H", data, ifd)[0]
    entries = []
    for number in range(count):
        at = ifd + 2 + 12 * number
        tag, kind, values = struct.unpack_from("<HHI", data, at)
        entries.append((tag, kind, values, at))
    return entries


def tiff_ifds(data: bytes | bytearray) -> list[int]:
    offsets, at = [], struct.unpack_from("<I", data, 4)[0]
    while at and at not in offsets and at < len(data):
        offsets.append(at)
        at = struct.unpack_from("<I", data, at + 2 + 12 * struct.unpack_from("<H", data, at)[0])[0]
    return offsets


def set_tiff_value(data: bytearray, ifd: int, wanted: int, value: int) -> None:
    for tag, kind, _, at in tiff_entries(data, ifd):
        if tag == wanted:
            struct.pack_into("<H" if kind == 3 else "<I", data, at + 8, value)


def tiff_declaring(width: int, height: int) -> bytes:
    data = bytearray(encoded(text_image(), "TIFF"))
    ifd = tiff_ifds(data)[0]
    set_tiff_value(data, ifd, 256, width)
    set_tiff_value(data, ifd, 257, height)
    return bytes(data)


def multipage_tiff(pages: int = 3) -> bytes:
    frames = [text_image() for _ in range(pages)]
    return encoded(frames[0], "TIFF", save_all=True, append_images=frames[1:])


def tiff_with_ifd_cycle() -> bytes:
    """Two pages; the second page's next-IFD pointer leads back to the first."""
    data = bytearray(multipage_tiff(2))
    first, second = tiff_ifds(data)
    struct.pack_into("<I", data, second + 2 + 12 * len(tiff_entries(data, second)), first)
    return bytes(data)


def tiff_with_a_corrupt_middle_page() -> bytes:
    """Three pages; the second one's pixel data lies past the end of the file."""
    data = bytearray(multipage_tiff(3))
    set_tiff_value(data, tiff_ifds(data)[1], 273, len(data) + 1_000_000)  # StripOffsets
    return bytes(data)


def animated_gif(frames: int) -> bytes:
    """`frames` frames of 1 x 1 pixel (about 25 bytes each)."""
    images = [Image.new("P", (1, 1), number % 2) for number in range(frames)]  # no two alike in a row
    return encoded(images[0], "GIF", save_all=True, append_images=images[1:], duration=10, optimize=False, disposal=0)


# ---- The corpus

TEXT = b"just some text, not a document\n" * 20
HTML = b"<!DOCTYPE html><html><body><h1>Invoice</h1><script>alert(1)</script></body></html>\n"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="600" height="100">'
    b'<text x="10" y="50" font-size="40">Invoice total 4217 euros</text></svg>'
)
OVER_LIMIT = TEST_UPLOAD_LIMIT_MB * 1024 * 1024 + 1024

UNSUPPORTED = ("unsupported file type",)
CORRUPT = ("corrupt", "unreadable")
TOO_LARGE = ("too large", "exceeds the limit")


def case(id: str, request: Callable[[], Request], expect: Outcome, **details: object) -> HostileCase:
    return HostileCase(id, request, expect, **details)  # type: ignore[arg-type]


def png_named(name: str | bytes) -> Callable[[], Request]:
    return upload(text_png, name)


def with_field(name: str, value: str) -> Callable[[], Request]:
    return upload(text_png, "page.png", **{name: value})


HOSTILE_CASES: list[HostileCase] = [
    # Empty and truncated files: the type is sniffed, the decoder fails, the user is told.
    case("empty-file", upload(lambda: b"", "empty.png"), "rejected", words=("empty",)),
    case("truncated-png", upload(lambda: half(text_png()), "t.png"), "rejected", words=CORRUPT),
    case("truncated-jpeg", upload(lambda: half(encoded(text_image(), "JPEG")), "t.jpg"), "rejected", words=CORRUPT),
    case("pdf-header-only", upload(lambda: text_pdf()[:20], "t.pdf"), "rejected", words=("pdf",)),
    # MuPDF repairs a PDF cut in half; what it still finds of the page is read (here: a blank page).
    case("truncated-pdf", upload(lambda: half(text_pdf()), "t.pdf"), "ended"),
    case("truncated-tiff", upload(lambda: half(encoded(text_image(), "TIFF")), "t.tif"), "rejected", words=CORRUPT),
    case("truncated-webp", upload(lambda: half(encoded(text_image(), "WEBP")), "t.webp"), "rejected", words=CORRUPT),
    case("truncated-bmp", upload(lambda: half(encoded(text_image(), "BMP")), "t.bmp"), "rejected", words=CORRUPT),
    case("truncated-gif", upload(lambda: half(encoded(text_image("P"), "GIF")), "t.gif"), "rejected", words=CORRUPT),
    case("png-header-only", upload(lambda: text_png()[:30], "h.png"), "rejected", words=CORRUPT),
    # PDFs with a broken structure: MuPDF repairs what it can; the rest is a clean failure.
    case("pdf-startxref-past-the-end", upload(pdf_with_bad_startxref, "x.pdf"), "done", text=KEY_WORD),
    case("pdf-without-xref-table", upload(pdf_without_xref, "x.pdf"), "done", text=KEY_WORD),
    case("pdf-xref-offsets-shifted", upload(pdf_with_shifted_offsets, "x.pdf"), "done", text=KEY_WORD),
    case(
        "pdf-garbage-content-stream",
        upload(lambda: pdf_with_page_content(b"\x00\xff garbage Tj ]]]] ((( " * 50), "g.pdf"),
        "ended",
    ),
    case(
        "pdf-corrupt-flate-stream",
        upload(lambda: pdf_with_page_content(b"\x00\xff" * 500, flate=True), "z.pdf"),
        "failed",
        words=("page 1",),
    ),
    case(
        "pdf-encrypted-user-password",
        upload(lambda: encrypted_pdf("user-secret"), "e.pdf"),
        "rejected",
        words=("encrypted", "password"),
    ),
    case("pdf-encrypted-owner-only", upload(lambda: encrypted_pdf(""), "o.pdf"), "done", text=KEY_WORD),
    case("pdf-zero-pages", upload(lambda: PDF_ZERO_PAGES, "0.pdf"), "rejected", words=("no pages",)),
    case("pdf-page-tree-cycle", upload(lambda: PDF_PAGE_TREE_CYCLE, "c.pdf"), "failed", words=("page 1",)),
    case("pdf-absurd-page-count", upload(lambda: PDF_ABSURD_PAGE_COUNT, "n.pdf"), "rejected", words=CORRUPT),
    case("pdf-deeply-nested-arrays", upload(lambda: PDF_DEEP_NESTING, "d.pdf"), "ended"),
    case("pdf-huge-mediabox", upload(pdf_with_huge_mediabox, "m.pdf"), "failed", words=("too large",)),
    case("pdf-image-decompression-bomb", upload(pdf_image_bomb, "b.pdf"), "ended", slow=True),
    # Image bombs: the header is checked before any pixel is decoded.
    case(
        "png-decompression-bomb", upload(lambda: png_declaring(100_000, 100_000), "b.png"), "rejected", words=TOO_LARGE
    ),
    case("png-text-chunk-bomb", upload(png_with_text_chunk_bomb, "z.png"), "rejected", words=CORRUPT),
    case("jpeg-huge-dimensions", upload(lambda: jpeg_declaring(65_000, 65_000), "b.jpg"), "rejected", words=TOO_LARGE),
    case("gif-huge-screen", upload(lambda: gif_declaring(65_535, 65_535), "b.gif"), "rejected", words=TOO_LARGE),
    case("bmp-huge-dimensions", upload(lambda: bmp_declaring(100_000, 100_000), "b.bmp"), "rejected", words=TOO_LARGE),
    case("tiff-huge-dimensions", upload(lambda: tiff_declaring(65_000, 65_000), "b.tif"), "rejected", words=TOO_LARGE),
    case("png-zero-width", upload(lambda: png_declaring(0, 100), "0.png"), "rejected", words=CORRUPT),
    case("png-1x1", upload(lambda: encoded(Image.new("RGB", (1, 1), "white"), "PNG"), "1.png"), "ended", pages=1),
    # Polyglots and files that are not documents: sniffed from the bytes, never from the name.
    case("pdf-zip-polyglot", upload(lambda: text_pdf() + small_zip(), "p.pdf"), "done", text=KEY_WORD),
    case("zip-pdf-polyglot", upload(lambda: small_zip() + text_pdf(), "p.zip"), "done", text=KEY_WORD),
    case("png-with-trailing-html", upload(lambda: text_png() + HTML, "p.png"), "done", text=KEY_WORD),
    case("text-named-png", upload(lambda: TEXT, "page.png"), "rejected", words=UNSUPPORTED),
    case("text-named-pdf", upload(lambda: TEXT, "page.pdf"), "rejected", words=UNSUPPORTED),
    case("html-file", upload(lambda: HTML, "page.html"), "rejected", words=UNSUPPORTED),
    case("html-with-pdf-marker", upload(lambda: b"<html>%PDF-1.7 " + HTML, "page.pdf"), "rejected", words=("pdf",)),
    case("zip-file", upload(small_zip, "scans.zip"), "rejected", words=UNSUPPORTED),
    case("svg-file", upload(lambda: SVG, "page.svg"), "rejected", words=UNSUPPORTED),
    case("random-bytes-over-1mb", upload(lambda: bytes(range(256)) * 5000, "r.png"), "rejected", words=UNSUPPORTED),
    case("jpeg-named-pdf", upload(lambda: encoded(text_image(), "JPEG"), "scan.pdf"), "done", text=KEY_WORD),
    # Many frames: counted without decoding them; every frame is a page (README), within the caps.
    case("gif-10000-frames-first-page", upload(lambda: animated_gif(10_000), "a.gif", pages="1"), "ended", pages=1),
    case(
        "gif-10001-frames-over-page-cap",
        upload(lambda: animated_gif(10_001), "a.gif"),
        "rejected",
        words=("10001 pages",),
    ),
    # TIFF and PNG sample formats.
    case(
        "tiff-1-bit",
        upload(lambda: encoded(text_image("1"), "TIFF", compression="group4"), "1.tif"),
        "done",
        text=KEY_WORD,
    ),
    case("tiff-16-bit-grey", upload(lambda: sixteen_bit_grey("TIFF"), "16.tif"), "done", text=KEY_WORD),
    case("png-16-bit-grey", upload(lambda: sixteen_bit_grey("PNG"), "16.png"), "done", text=KEY_WORD),
    case("tiff-32-bit-float", upload(float_tiff, "f.tif"), "done", text=KEY_WORD),
    case("tiff-cmyk", upload(lambda: encoded(text_image("CMYK"), "TIFF"), "c.tif"), "done", text=KEY_WORD),
    case("tiff-palette", upload(lambda: encoded(text_image("P"), "TIFF"), "p.tif"), "done", text=KEY_WORD),
    case("tiff-3-pages", upload(multipage_tiff, "3.tif"), "done", text=KEY_WORD, pages=3),
    case("tiff-ifd-cycle", upload(tiff_with_ifd_cycle, "c.tif"), "done", text=KEY_WORD),
    case("tiff-corrupt-middle-page", upload(tiff_with_a_corrupt_middle_page, "m.tif"), "done", text=KEY_WORD, pages=3),
    case("bmp-top-down", upload(top_down_bmp, "t.bmp"), "done", text=KEY_WORD),
    # File names: kept as a label, never a path; the download name is cleaned.
    case("name-path-traversal", png_named("../../../../etc/passwd"), "done", text=KEY_WORD),
    case("name-windows-path", png_named("C:\\Windows\\..\\system32\\scan.png"), "done", text=KEY_WORD),
    case("name-nul-and-controls", png_named(b"scan\x00\x01\x1b[31m\x7f.png"), "done", text=KEY_WORD),
    case("name-crlf-header-injection", png_named(b"scan.png\r\nX-Injected: yes"), "ended"),
    case("name-1000-chars", png_named("n" * 996 + ".png"), "done", text=KEY_WORD),
    case("name-rtl-override", png_named("invoice\u202egnp.exe"), "done", text=KEY_WORD),
    case("name-empty", png_named(""), "ended"),
    case("name-unicode-and-quotes", png_named('r\u00e9sum\u00e9 "\u6587\u4ef6" \U0001f4c4.png'), "done", text=KEY_WORD),
    # Malformed requests.
    case("multipart-without-file-field", form(lambda: [Part("tier", b"cpu")]), "rejected", words=("no file",)),
    case("file-field-without-filename", form(lambda: [Part("file", text_png())]), "rejected", words=("no file",)),
    case(
        "file-part-with-wrong-content-type",
        form(lambda: [Part("file", text_png(), "p.png", "application/json")]),
        "done",
        text=KEY_WORD,
    ),
    case(
        "two-file-fields",
        form(lambda: [Part("file", text_png(), "a.png"), Part("file", text_png(), "b.png")]),
        "rejected",
        words=("too many files",),
    ),
    case(
        "option-sent-as-a-file",
        form(lambda: [Part("tier", b"cpu", "tier.txt"), Part("file", text_png(), "a.png")]),
        "rejected",
        words=("too many files", "must be text"),
    ),
    case(
        "too-many-fields",
        form(lambda: [*(Part(f"f{n}", b"x") for n in range(40)), Part("file", text_png(), "a.png")]),
        "rejected",
        words=("too many fields",),
    ),
    case(
        "multipart-without-closing-boundary",
        form(lambda: [Part("file", text_png(), "a.png")], close=False),
        "rejected",
        words=("no file",),
    ),
    case(
        "multipart-without-boundary",
        form(lambda: [Part("file", text_png(), "a.png")], "multipart/form-data"),
        "rejected",
        words=("boundary",),
    ),
    case(
        "multipart-with-another-boundary",
        form(lambda: [Part("file", text_png(), "a.png")], boundary="other"),
        "rejected",
        words=("invalid multipart", "no file"),
    ),
    case(
        "multipart-body-without-content-type",
        form(lambda: [Part("file", text_png(), "a.png")], None),
        "rejected",
        words=("no file",),
    ),
    case(
        "json-body",
        raw(lambda: b'{"file": "aGVsbG8=", "tier": "cpu"}', "application/json"),
        "rejected",
        words=("no file",),
    ),
    case(
        "urlencoded-body",
        raw(lambda: b"file=hello&tier=cpu", "application/x-www-form-urlencoded"),
        "rejected",
        words=("no file",),
    ),
    case("empty-body", raw(lambda: b"", MULTIPART), "rejected", words=("no file",)),
    case(
        "body-over-the-size-limit",
        upload(lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * OVER_LIMIT, "big.png"),
        "rejected",
        words=("exceeds the limit",),
    ),
    # Bad options: 400 before any work (and never 422).
    *[
        case(f"pages-{label}", with_field("pages", value), "rejected", words=("pages",))
        for label, value in [
            ("zero", "0"),
            ("words", "first"),
            ("backwards", "3-1"),
            ("past-the-end", "2"),
            ("empty-part", "1,,1"),
            ("lone-dash", "-"),
            ("5000-digits", "1-" + "9" * 5000),
            ("negative", "-1-1"),
        ]
    ],
    case("unknown-tier", with_field("tier", "gpu"), "rejected", words=("unknown tier",)),
    case("unknown-language", with_field("language", "klingon"), "rejected", words=("unsupported language",)),
    case(
        "huge-language",
        with_field("language", "x" * 100_000),
        "rejected",
        words=("unsupported language", "longer than 64 KB"),
    ),
    case("unknown-tool", with_field("tool", "summarize"), "rejected", words=("unknown tool",)),
    case("force-ocr-not-a-flag", with_field("force_ocr", "maybe"), "rejected", words=("true or false",)),
]
