"""language=auto decides on evidence: Latin pages keep Latin, a page is turned only when the turned
reading is clearly better, the page's and a differing block's language are named, and a text layer in
no language is OCRed."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engines import language_id
from engines.orientation import read_upright
from engines.router import SHORT_TEXT_OSD_CHARACTERS
from engines.scripts import script_of
from engines.tesseract_cpu import Orientation
from engines.types import Block, PageResult
from pipelines.documents.document import Limits, open_document
from tests.documents import DATA, consonant_lines, pdf_with_lines
from tests.scoring import cer

FONT = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
LIMITS = Limits(max_page_pixels=50_000_000, pdf_dpi=200)


def rendered(lines: list[str], size: int = 30) -> np.ndarray:
    """Black lines on a white page, as a scanner at about 200 dpi would give them."""
    font = ImageFont.truetype(FONT, size)
    width = max(int(font.getlength(line)) for line in lines) + 120
    image = Image.new("RGB", (width, int(len(lines) * size * 1.8) + 120), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((60, 60 + number * size * 1.8), line, font=font, fill="black")
    return np.asarray(image)


def foreign_letters(page: PageResult) -> list[str]:
    return [char for block in page.blocks for char in block.text if script_of(char) not in (None, "Latin")]


def test_english_receipt_keeps_latin(router) -> None:
    lines = [
        "BY RALPH KINNEY BENNETT",
        "GSTIN 27AAACR5055K1Z5   Qty 2",
        "Item            yes+      12.50",
        "TOTAL AMOUNT PAYABLE      45.00",
        "Thank you for shopping with us today.",
    ]
    page = router.recognize(rendered(lines), "auto")
    assert foreign_letters(page) == []
    assert page.rotation == 0
    assert cer("\n".join(block.text for block in page.blocks), "\n".join(lines)) <= 0.05
    assert page.language == "en"


def test_vietnamese_keeps_its_diacritics_under_auto(router) -> None:
    lines = ["Tôi yêu tiếng Việt và đất nước Việt Nam.", "Hôm nay trời đẹp, chúng tôi đi dạo công viên."]
    image = rendered(lines)
    auto, explicit = router.recognize(image, "auto"), router.recognize(image, "vi")
    truth = "\n".join(lines)
    auto_cer = cer("\n".join(b.text for b in auto.blocks), truth)
    assert auto_cer <= cer("\n".join(b.text for b in explicit.blocks), truth) + 0.01
    assert auto.language == "vi"


def test_a_block_in_another_language_says_so(router) -> None:
    lines = [
        "The committee reviewed the annual report and approved the budget.",
        "Members asked for a clearer summary of the costs of the new building.",
        "Der Ausschuss hat den Jahresbericht geprüft und den Haushalt genehmigt.",
        "The next meeting will take place in the main hall on Monday morning.",
    ]
    page = router.recognize(rendered(lines), "auto")
    assert page.language == "en"
    languages = {block.text: block.language for block in page.blocks}
    german = next(text for text in languages if text.startswith("Der"))
    assert languages[german] == "de"
    assert [language for text, language in languages.items() if text != german] == [None] * (len(languages) - 1)


def script_line(name: str) -> np.ndarray:
    return np.asarray(Image.open(DATA / "script_lines" / name).convert("RGB"))


def test_a_line_too_short_for_osd_is_read_by_the_script_osd_names_from_fewer_characters(router, monkeypatch) -> None:
    image = script_line("rendered_kn_line.png")
    assert router.tesseract.orientation_and_script(image) is None  # too few characters for OSD's usual 50
    paddle_reads, paddle_read = [], router.paddle.recognize

    def counted(*args, **kwargs) -> PageResult:
        paddle_reads.append(args)
        return paddle_read(*args, **kwargs)

    monkeypatch.setattr(router.paddle, "recognize", counted)
    page = router.recognize(image, "auto")
    assert " ".join(block.text for block in page.blocks) == "ಎಲ್ಲಾ ಮಾನವರೂ ಸ್ವತಂತ್ರರಾಗಿಯೇ ಜನಿಸಿದ್ದಾರೆ."
    assert page.language == "kn"
    assert paddle_reads == []  # neither PP-OCRv6 nor the script trial read it


def test_a_latin_line_osd_names_cyrillic_from_few_characters_keeps_latin(router) -> None:
    image = script_line("rendered_hu_line_24_scan.png")
    assert router.tesseract.orientation_and_script(image) is None
    assert router.tesseract.orientation_and_script(image, characters=SHORT_TEXT_OSD_CHARACTERS).script == "Cyrillic"
    auto, explicit = router.recognize(image, "auto"), router.recognize(image, "hu")
    assert foreign_letters(auto) == []
    truth = "Minden emberi lény szabadon születik"
    assert cer(" ".join(b.text for b in auto.blocks), truth) <= cer(" ".join(b.text for b in explicit.blocks), truth)


def _reading(text: str, confidence: float) -> PageResult:
    return PageResult(width=100, height=100, blocks=[Block(text, [0, 0, 90, 10], confidence)])


@pytest.mark.parametrize(
    ("upright", "turned", "expected_rotation"),
    [
        (("Total 45.00 paid by card", 0.95), ("lzpd ⅄q pıɐd", 0.90), 0),  # OSD's guess on a sparse receipt
        (("l0ʇ", 0.40), ("Total 45.00 paid by card with thanks", 0.97), 180),  # really upside down
    ],
)
def test_a_page_is_turned_only_when_the_turned_reading_is_clearly_better(
    upright: tuple[str, float], turned: tuple[str, float], expected_rotation: int
) -> None:
    image = np.zeros((100, 60, 3), dtype=np.uint8)
    image[0, 0] = 1  # marks the upright image: the turned one has the mark elsewhere
    proposal = Orientation(rotate_clockwise=180, script="Latin", orientation_confidence=5.0, script_confidence=5.0)

    def read(img: np.ndarray) -> PageResult:
        return _reading(*upright) if img[0, 0, 0] == 1 else _reading(*turned)

    page = read_upright(image, read, proposal)
    assert page.rotation == expected_rotation
    assert page.blocks[0].text == (upright if expected_rotation == 0 else turned)[0]


def test_identifier_answers_only_when_sure() -> None:
    assert language_id.language_of("Комитет рассмотрел годовой отчёт и утвердил бюджет") == "ru"
    assert language_id.language_of("Toi yeu tieng Viet va dat nuoc Viet Nam") == "vi"
    assert language_id.language_of("yes+") is None
    assert language_id.language_of("Der Ausschuss hat", strict=True) is None  # too few letters for a block


def test_a_text_layer_in_no_language_is_not_used_and_the_reader_says_why() -> None:
    sound = ["The committee reviewed the annual report and approved the budget for the next year."] * 3
    broken = open_document(pdf_with_lines(consonant_lines()), LIMITS)
    fine = open_document(pdf_with_lines(sound), LIMITS)
    assert broken.text_layer(0) is None
    assert broken.text_layer_rejection(0) == "text in no language the identifier knows"
    layer = fine.text_layer(0)
    assert layer is not None and layer.language == "en"
    assert fine.text_layer_rejection(0) is None


def test_an_arabic_layer_with_a_broken_font_mapping_is_not_used() -> None:
    document = open_document((DATA / "right_to_left_02.pdf").read_bytes(), LIMITS)
    assert document.text_layer(0) is None
    assert document.text_layer_rejection(0) == "text in no language the identifier knows"
