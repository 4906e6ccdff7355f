"""Type sniffing and document splitting, without the service."""

import pymupdf
import pytest

from engines.document_files import sniff_type
from pipelines.documents.document import DocumentError, Limits, open_document
from tests.documents import born_digital_pdf, converted, data_file, multipage_tiff, scanned_pdf, with_corrupt_image

LIMITS = Limits(max_page_pixels=60_000_000, pdf_dpi=100)


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_image_types_are_sniffed_from_bytes(image_format):
    assert sniff_type(converted("phototest.tif", image_format)[:1024]) == image_format.lower()


def test_pdf_is_sniffed_and_rendered_at_the_dpi():
    document = open_document(data_file("three_pages.pdf"), LIMITS)
    assert document.page_count == 3
    assert document.render(0).shape == (1170, 827, 3)  # A4 at 100 dpi


def test_multi_frame_tiff_has_a_page_per_frame():
    document = open_document(multipage_tiff("phototest.tif", "webp-test.webp"), LIMITS)
    assert document.page_count == 2
    assert document.render(1).shape[2] == 3


def test_encrypted_pdf_is_refused():
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "secret")
    encrypted = pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="pw")
    with pytest.raises(DocumentError, match="encrypted"):
        open_document(encrypted, LIMITS)


def test_a_page_with_corrupt_image_data_fails_alone():
    document = open_document(with_corrupt_image(scanned_pdf(["phototest.tif"] * 3), 1), LIMITS)
    assert document.render(0).shape[2] == 3
    assert document.text_layer(1) is None  # decodes the image first, as the page pipeline does
    with pytest.raises(DocumentError, match="Page 2 of the PDF has corrupt image data"):
        document.render(1)
    assert document.render(2).shape[2] == 3


def test_pages_that_draw_text_are_told_from_scans_also_when_resources_are_inherited():
    pdf = pymupdf.open(stream=born_digital_pdf(2, lines=2), filetype="pdf")
    pdf.insert_pdf(pymupdf.open(stream=scanned_pdf(["phototest.tif"]), filetype="pdf"))
    first = pdf.page_xref(0)  # its resources moved up to the page tree, which pages inherit
    page_tree = int(pdf.xref_get_key(pdf.pdf_catalog(), "Pages")[1].split()[0])
    pdf.xref_set_key(page_tree, "Resources", pdf.xref_get_key(first, "Resources")[1])
    pdf.xref_set_key(first, "Resources", "null")

    document = open_document(pdf.tobytes(), LIMITS)

    assert [document.draws_text(index) for index in range(3)] == [True, True, False]
    assert document.text_layer(0) is not None


def _jpx_pdf(tile_part: int) -> bytes:
    """A page holding one JPEG 2000 picture; its tile-part index set to `tile_part` (1: invalid)."""
    import io

    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(picture).text((20, 80), "A JPEG 2000 page", fill="black")
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG2000")
    data = bytearray(buffer.getvalue())
    start_of_tile = data.find(b"\xff\x90")
    data[start_of_tile + 10], data[start_of_tile + 11] = tile_part, max(1, tile_part)
    pdf = pymupdf.open()
    page = pdf.new_page(width=400, height=200)
    page.insert_image(page.rect, stream=bytes(data))
    return pdf.tobytes()


def test_a_decoders_warning_is_not_corrupt_data_but_its_error_is():
    from pipelines.documents.document import corrupt_image_warnings

    assert corrupt_image_warnings("openjpeg warning: Non conformant codestream TPsot==TNsot.") == []
    assert corrupt_image_warnings("jbig2dec warning: end of data (page 1)\nzlib error: invalid distance") == [
        "zlib error: invalid distance"
    ]
    limits = Limits(max_page_pixels=60_000_000, pdf_dpi=100)
    good = open_document(_jpx_pdf(0), limits)
    assert good.render(0).shape[:2] == (278, 556)
    broken = open_document(_jpx_pdf(1), limits)
    with pytest.raises(DocumentError, match="corrupt image data .*openjpeg error"):
        broken.render(0)
