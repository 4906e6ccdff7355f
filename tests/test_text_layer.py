"""Born-digital pages use their own text layer; scans and broken layers are OCRed."""

import io

import pymupdf
import pytest
from PIL import Image

from pipelines.documents.document import Limits, open_document
from tests.documents import born_digital_pdf, data_file, page_lines

LIMITS = Limits(max_page_pixels=60_000_000, pdf_dpi=200)


def test_born_digital_page_gives_its_exact_lines_in_pixels():
    document = open_document(born_digital_pdf(3), LIMITS)
    layer = document.text_layer(1)
    assert layer is not None
    assert [block.text for block in layer.blocks] == page_lines(2)
    assert all(block.confidence == 1.0 for block in layer.blocks)
    assert (layer.width, layer.height) == document.render(1).shape[1::-1]
    # The first line's baseline is at 60 pt from the top: about 167 px at 200 dpi.
    assert layer.blocks[0].bbox[1] < 167 < layer.blocks[0].bbox[3]


def test_rotated_page_boxes_are_where_the_rendering_shows_the_text():
    pdf = pymupdf.open(stream=born_digital_pdf(1, lines=3))
    pdf[0].set_rotation(90)
    document = open_document(pdf.tobytes(), LIMITS)
    layer = document.text_layer(0)
    image = document.render(0)
    assert (layer.width, layer.height) == image.shape[1::-1]
    # Turned a quarter clockwise, the first line runs down near the right edge.
    x0, y0, x1, y1 = layer.blocks[0].bbox
    assert y1 - y0 > 10 * (x1 - x0) and x0 > 0.8 * layer.width
    # The box covers dark (text) pixels of the rendered page.
    assert image[int(y0) : int(y1), int(x0) : int(x1)].min() < 100


def test_scanned_page_has_no_text_layer():
    image = io.BytesIO()
    Image.open(io.BytesIO(data_file("phototest.tif"))).convert("RGB").save(image, format="PNG")
    pdf = pymupdf.open()
    pdf.new_page(width=612, height=792).insert_image(pymupdf.Rect(0, 0, 612, 792), stream=image.getvalue())
    assert open_document(pdf.tobytes(), LIMITS).text_layer(0) is None


def _pdf_with_private_use_text() -> bytes:
    """A page whose font maps its letters to private-use code points (as icon fonts do)."""
    pdf = pymupdf.open()
    page = pdf.new_page()
    cmap = pdf.get_new_xref()
    pdf.update_object(cmap, "<<>>")
    pdf.update_stream(
        cmap,
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <41> <5A> <E000> endbfrange "
        b"endcmap CMapName currentdict /CMap defineresource pop end end",
    )
    font = pdf.get_new_xref()
    pdf.update_object(font, f"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/ToUnicode {cmap} 0 R>>")
    pdf.xref_set_key(page.xref, "Resources", f"<</Font<</F9 {font} 0 R>>>>")
    content = pdf.get_new_xref()
    pdf.update_object(content, "<<>>")
    pdf.update_stream(content, b"BT /F9 12 Tf 72 720 Td (ABCDEFGHIJKLMNOPQRSTUVWXYZ ABCDEF) Tj ET")
    pdf.xref_set_key(page.xref, "Contents", f"{content} 0 R")
    return pdf.tobytes()


def test_page_with_garbage_characters_is_ocred():
    document = open_document(_pdf_with_private_use_text(), LIMITS)
    assert document.page_count == 1
    assert document.text_layer(0) is None


@pytest.mark.parametrize("name", ["skipped_1page.pdf", "skipped_2pages.pdf"])
def test_broken_font_layers_are_ocred(name):
    """Their Korean text is drawn with CID fonts that have no ToUnicode map."""
    document = open_document(data_file(name), LIMITS)
    assert [document.text_layer(i) for i in range(document.page_count)] == [None] * document.page_count


def test_report_pages_use_the_text_layer_except_unmapped_or_empty_ones():
    document = open_document(data_file("redp5110_sampled.pdf"), LIMITS)
    sources = ["T" if document.text_layer(i) else "o" for i in range(document.page_count)]
    # Page 3 is set in a CID font without ToUnicode; page 17 has no text at all.
    assert "".join(sources) == "TTo" + "T" * 13 + "oT"
