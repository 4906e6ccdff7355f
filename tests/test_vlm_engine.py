"""The VLM engine (engines/vlm) without a GPU: the reader against a scripted model (prompts,
image scaling, parsing, boxes, confidence from log-probs), the endpoint client against a scripted
OpenAI-compatible server (the request, log-probs, retries, errors that never name the server,
garbage), hand-written model outputs for the parsers, and the alignment and confidence maths."""

import asyncio
import base64
import io
import json

import httpx
import numpy as np
import pytest
from PIL import Image

from engines.vlm import (
    PROFILES,
    Generation,
    ModelProfile,
    PaddleLineDetector,
    VlmAnswerError,
    VlmEndpoint,
    VlmReader,
    VlmUnavailable,
    endpoint_answers,
    get_profile,
)
from engines.vlm.alignment import align_boxes, align_groups
from engines.vlm.confidence import line_confidences, span_confidence, to_confidence
from engines.vlm.profiles import parse_dots_ocr, parse_olmocr, parse_paddleocr_vl, split_front_matter
from engines.vlm.reply import generation_from_reply, token_texts, tokens_of_text
from tests.openai_server import API_KEY, MODEL, OCR_TOKENS, completion, image_size, prompt_of, scripted_model_server

LINES = ["Invoice number 2024-0042", "Total amount: 1,250.00 EUR", "Alice 30 Paris"]


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def detector(tmp_path_factory: pytest.TempPathFactory) -> PaddleLineDetector:
    return PaddleLineDetector(tmp_path_factory.mktemp("models"), det_limit_side_len=960, threads=1)


@pytest.fixture(scope="session")
def page_image() -> np.ndarray:
    """Three lines of black text on white, 480 x 320."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (480, 320), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for index, line in enumerate(LINES):
        draw.text((24, 30 + 90 * index), line, fill="black", font=font)
    return np.asarray(image)


@pytest.fixture(scope="session")
def noise_image() -> np.ndarray:
    return (np.random.default_rng(0).random((300, 400, 3)) * 255).astype(np.uint8)


class FixedDetector:
    def __init__(self, boxes: list[list[float]]) -> None:
        self.boxes = boxes

    def detect(self, image: np.ndarray) -> list[list[float]]:
        return [list(box) for box in self.boxes]


class ScriptedModel:
    """Answers every page with the same tokens; records what it was asked."""

    def __init__(self, tokens: list[tuple[str, float]]) -> None:
        self.tokens = tokens
        self.calls: list[tuple[list[dict], dict]] = []

    async def complete(self, messages, **options):
        self.calls.append((messages, options))
        return Generation(text="".join(piece for piece, _ in self.tokens), tokens=list(self.tokens))

    def image_shape(self, call: int = 0) -> tuple[int, int]:
        width, height = image_size({"messages": self.calls[call][0]})
        return height, width


def read(reader: VlmReader, image: np.ndarray, task: str = "ocr"):
    return asyncio.run(reader.read(image, task))


@pytest.fixture
def model_server():
    with scripted_model_server() as server:
        yield server


def endpoint(server, **options) -> VlmEndpoint:
    return VlmEndpoint(server.url, MODEL, API_KEY, **options)


# --- the text detector -------------------------------------------------------------------------------------


def test_line_detector_gives_line_boxes_in_reading_order(detector, page_image):
    boxes = detector.detect(page_image)
    assert len(boxes) == 3
    tops = [box[1] for box in boxes]
    assert tops == sorted(tops)
    for box, row in zip(boxes, range(3), strict=True):
        assert 30 + 90 * row - 10 <= (box[1] + box[3]) / 2 <= 30 + 90 * row + 40


# --- the reader with a scripted model --------------------------------------------------------------------


def test_reader_aligns_lines_to_detector_boxes_and_scores_each_line():
    tokens = [("Invoice", -0.1), (" number\n", -0.3), ("Total", -0.2), (" amount\n\n", -0.4), ("Alice", -1.0)]
    boxes = [[20, 30, 300, 60], [20, 120, 340, 150], [20, 210, 200, 240]]
    reader = VlmReader(ScriptedModel(tokens), PROFILES["paddleocr-vl"], detector=FixedDetector(boxes))
    page = read(reader, np.zeros((320, 480, 3), np.uint8))
    assert [b.text for b in page.result.blocks] == ["Invoice number", "Total amount", "Alice"]
    assert [b.bbox for b in page.result.blocks] == boxes
    assert [b.confidence for b in page.result.blocks] == [
        to_confidence(-0.2),
        to_confidence(-0.3),
        to_confidence(-1.0),
    ]
    assert page.markdown == "Invoice number\nTotal amount\n\nAlice"


def test_reader_without_detector_gives_the_whole_page():
    reader = VlmReader(ScriptedModel([("One line", -0.5)]), PROFILES["paddleocr-vl"])
    page = read(reader, np.zeros((100, 200, 3), np.uint8))
    assert [b.bbox for b in page.result.blocks] == [[0.0, 0.0, 200.0, 100.0]]


def test_reader_scales_model_boxes_and_large_pages_for_the_model():
    cells = [{"bbox": [100, 100, 700, 160], "category": "Text", "text": "Hello"}]
    model = ScriptedModel([(json.dumps(cells), -0.01)])
    profile = ModelProfile(
        name="dots-small",
        prompts={"ocr": "layout"},
        parser=parse_dots_ocr,
        max_image_side=1400,  # 1400 x 700 after scaling: a multiple of 28, so dots' resize keeps it
    )
    page = read(VlmReader(model, profile), np.zeros((1400, 2800, 3), np.uint8))
    assert model.image_shape() == (700, 1400)
    assert page.result.blocks[0].bbox == pytest.approx([200, 200, 1400, 320])
    assert page.result.engine == "vlm:dots-small"


def test_olmocr_pages_are_scaled_to_its_training_size():
    model = ScriptedModel([("---\nprimary_language: en\n---\nHi", -0.1)])
    page = read(VlmReader(model, PROFILES["olmocr"]), np.zeros((2000, 1000, 3), np.uint8))
    assert model.image_shape() == (1288, 644)
    assert prompt_of({"messages": model.calls[0][0]}).startswith("Attached is one page of a document")
    assert [b.text for b in page.result.blocks] == ["Hi"]
    assert (page.result.width, page.result.height) == (1000, 2000)


def test_empty_output_gives_an_empty_page():
    page = read(VlmReader(ScriptedModel([]), PROFILES["paddleocr-vl"]), np.zeros((10, 10, 3), np.uint8))
    assert page.result.blocks == [] and page.markdown == "" and page.tables == []


# --- profile parsers on hand-written outputs ---------------------------------------------------------------


def test_paddle_otsl_table_becomes_rows():
    raw = "<fcel>Name<fcel>Age<fcel>City<nl><fcel>Alice<fcel>30<ecel><nl><fcel>Total<lcel><fcel>2<nl>"
    page = parse_paddleocr_vl(raw, "table", (100, 100))
    assert page.tables == [[["Name", "Age", "City"], ["Alice", "30", ""], ["Total", "", "2"]]]
    assert [line.text for line in page.lines] == ["Name\tAge\tCity", "Alice\t30\t", "Total\t\t2"]
    assert raw[page.lines[1].start : page.lines[1].end] == "<fcel>Alice<fcel>30<ecel>"
    assert page.markdown.splitlines() == [
        "| Name | Age | City |",
        "| --- | --- | --- |",
        "| Alice | 30 |  |",
        "| Total |  | 2 |",
    ]


def test_paddle_otsl_rows_are_padded_and_merges_kept_in_place():
    raw = "<fcel>A<fcel>B<nl><ucel><fcel>C<xcel><nl>"
    page = parse_paddleocr_vl(raw, "ocr", (10, 10))
    assert page.tables == [[["A", "B", ""], ["", "C", ""]]]


def test_html_table_becomes_rows_with_spans():
    raw = (
        "<table><tr><th colspan=2>Head</th><th>X</th></tr>"
        "<tr><td rowspan=2>a</td><td>b</td><td>c</td></tr><tr><td>d</td><td>e &amp; f</td></tr></table>"
    )
    page = parse_paddleocr_vl(raw, "table", (10, 10))
    assert page.tables == [[["Head", "", "X"], ["a", "b", "c"], ["", "d", "e & f"]]]
    assert [line.text for line in page.lines] == ["Head\t\tX", "a\tb\tc", "\td\te & f"]
    assert raw[page.lines[1].start : page.lines[1].end].startswith("<tr><td rowspan=2>a")


def test_paddle_formula_is_display_math():
    for raw in ("\\[ \\frac{a}{b} + x^2 \\]", "$$\\frac{a}{b} + x^2$$", "\\frac{a}{b} + x^2"):
        page = parse_paddleocr_vl(raw, "formula", (10, 10))
        assert page.markdown == "$$\n\\frac{a}{b} + x^2\n$$"
        assert [line.text for line in page.lines] == ["\\frac{a}{b} + x^2"]


def test_paddle_text_is_lines_and_escaped_markdown():
    page = parse_paddleocr_vl("# not a heading\n  a*b_c  \n\n1. item", "ocr", (10, 10))
    assert [line.text for line in page.lines] == ["# not a heading", "a*b_c", "1. item"]
    assert page.markdown == "\\# not a heading\na\\*b\\_c\n\n1\\. item"


def test_olmocr_front_matter_is_stripped():
    raw = (
        "---\nprimary_language: en\nis_rotation_valid: True\nrotation_correction: 0\nis_table: False\n"
        "is_diagram: False\n---\n# Report\n\nFirst line\n![A chart](page_1_2_3_4.png)\n\\[ E = mc^2 \\]\n"
        "<table><tr><td>a</td><td>b</td></tr></table>"
    )
    meta, start = split_front_matter(raw)
    assert meta["primary_language"] == "en" and meta["rotation_correction"] == "0"
    assert raw[start:].startswith("# Report")
    page = parse_olmocr(raw, "ocr", (10, 10))
    assert [line.text for line in page.lines] == ["Report", "First line", "E = mc^2", "a\tb"]
    assert "primary_language" not in page.markdown and "page_1_2_3_4" not in page.markdown
    assert page.markdown == "# Report\n\nFirst line\n\n$$\nE = mc^2\n$$\n\n| a | b |\n| --- | --- |"
    assert page.tables == [[["a", "b"]]]
    assert raw[page.lines[1].start : page.lines[1].end] == "First line"


def test_olmocr_without_front_matter_is_kept_whole():
    assert [line.text for line in parse_olmocr("Just text", "ocr", (1, 1)).lines] == ["Just text"]


def test_dots_json_becomes_lines_with_boxes():
    cells = [
        {"bbox": [28, 28, 560, 84], "category": "Title", "text": "Invoice"},
        {"bbox": [28, 112, 560, 196], "category": "Text", "text": "Line one\nLine two"},
        {"bbox": [28, 224, 560, 336], "category": "Table", "text": "<table><tr><td>a</td><td>1</td></tr></table>"},
        {"bbox": [28, 364, 560, 420], "category": "Formula", "text": "$$x^2$$"},
        {"bbox": [28, 448, 280, 560], "category": "Picture"},
    ]
    raw = json.dumps(cells)
    # 560 x 588 is a multiple of 28 within dots' pixel bounds: boxes stay in the image's pixels.
    page = parse_dots_ocr(raw, "ocr", (560, 588))
    assert [line.text for line in page.lines] == ["Invoice", "Line one", "Line two", "a\t1", "x^2"]
    assert page.lines[0].bbox == [28, 28, 560, 84]
    assert page.lines[1].bbox == [28, 112, 560, 154] and page.lines[2].bbox == [28, 154, 560, 196]
    assert page.tables == [[["a", "1"]]]
    assert page.markdown == "# Invoice\n\nLine one\nLine two\n\n| a | 1 |\n| --- | --- |\n\n$$\nx^2\n$$"
    assert json.loads(raw[page.lines[0].start : page.lines[0].end]) == cells[0]


def test_dots_boxes_scale_from_the_resized_image():
    cells = [{"bbox": [0, 0, 1000, 1000], "category": "Text", "text": "x"}]
    # 1010 x 1010 is resized to 1008 x 1008 by dots' processor.
    page = parse_dots_ocr(json.dumps(cells), "ocr", (1010, 1010))
    assert page.lines[0].bbox == pytest.approx([0, 0, 1000 * 1010 / 1008, 1000 * 1010 / 1008])


def test_dots_truncated_json_keeps_complete_cells():
    raw = '[{"bbox": [0, 0, 28, 28], "category": "Text", "text": "kept"}, {"bbox": [0, 28, 28, 56], "categ'
    assert [line.text for line in parse_dots_ocr(raw, "ocr", (28, 56)).lines] == ["kept"]


def test_dots_plain_text_answer_is_read_as_text():
    assert [line.text for line in parse_dots_ocr("no json here", "ocr", (28, 28)).lines] == ["no json here"]


# --- alignment ---------------------------------------------------------------------------------------------


def test_alignment_one_box_per_line():
    boxes = [[0, 0, 200, 20], [0, 30, 100, 50], [0, 60, 150, 80]]
    assert align_groups(["a" * 20, "b" * 10, "c" * 15], boxes) == [[0], [1], [2]]
    assert align_boxes(["a" * 20, "b" * 10, "c" * 15], boxes, (200, 100)) == [[float(v) for v in b] for b in boxes]


def test_alignment_merges_boxes_a_line_spans():
    # A table row the model wrote as one line; the detector found its two cells.
    boxes = [[0, 0, 200, 20], [0, 30, 90, 50], [110, 30, 200, 50], [0, 60, 200, 80]]
    lines = ["x" * 20, "left\tright side", "y" * 20]
    assert align_groups(lines, boxes) == [[0], [1, 2], [3]]
    assert align_boxes(lines, boxes, (200, 100))[1] == [0.0, 30.0, 200.0, 50.0]


def test_alignment_line_without_box_gets_its_neighbours_union():
    boxes = [[0, 0, 200, 20], [0, 60, 200, 80]]
    lines = ["a" * 20, "b", "c" * 20]
    assert align_groups(lines, boxes) == [[0], [], [1]]
    assert align_boxes(lines, boxes, (200, 100))[1] == [0.0, 0.0, 200.0, 80.0]


def test_alignment_leaves_extra_boxes_and_falls_back_to_the_page():
    boxes = [[0, 0, 200, 20], [0, 30, 20, 50], [0, 60, 200, 80]]  # a speck the model did not read
    assert align_groups(["a" * 20, "c" * 20], boxes) == [[0], [2]]
    assert align_boxes(["a", "b"], [], (200, 100)) == [[0.0, 0.0, 200.0, 100.0]] * 2
    assert align_boxes([], boxes, (200, 100)) == []


def test_alignment_uses_box_height_for_character_capacity():
    # A heading in a large font: wide box, few characters; the body line below is as wide but holds more.
    boxes = [[0, 0, 200, 60], [0, 70, 200, 90], [0, 100, 200, 120]]
    assert align_groups(["Title", "x" * 30, "y" * 30], boxes) == [[0], [1], [2]]


def _reference_align_groups(lines, boxes):
    """The original pure-Python alignment (row-major relaxation, strict improvement by > 1e-12)."""
    from engines.vlm.alignment import _capacity, _shares

    text, share = _shares([len(line.strip()) for line in lines]), _shares([_capacity(box) for box in boxes])
    n, m, inf = len(lines), len(boxes), float("inf")
    cost, back = [[inf] * (m + 1) for _ in range(n + 1)], [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0

    def relax(i, j, value, origin):
        if value < cost[i][j] - 1e-12:
            cost[i][j], back[i][j] = value, origin

    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if j < m:
                relax(i, j + 1, here + share[j], (i, j))
            if i < n:
                relax(i + 1, j, here + text[i], (i, j))
                taken = 0.0
                for k in range(j, min(m, j + 16)):
                    taken += share[k]
                    relax(i + 1, k + 1, here + abs(text[i] - taken) + 0.25 / max(m, 1) * (k - j), (i, j))
    groups, i, j = [[] for _ in range(n)], n, m
    while i or j:
        pi, pj = back[i][j]
        if pi == i - 1 and pj < j:
            groups[pi] = list(range(pj, j))
        i, j = pi, pj
    return groups


def _random_page(rng: np.random.Generator, n: int, m: int):
    style = rng.integers(3)  # 0: few distinct sizes (many exact ties), 1: integer sizes, 2: real sizes
    lengths = rng.choice([0, 5, 10, 20], n) if style == 0 else rng.integers(0, 80, n)
    lines = [" " * int(rng.integers(2)) + "x" * int(length) for length in lengths]
    if rng.random() < 0.05:
        lines = [""] * n  # no text at all
    boxes = []
    for _ in range(m):
        x, y = rng.integers(0, 500, 2)
        if style == 0:
            size = [rng.choice([0, 50, 100, 200]), rng.choice([10, 20])]
        elif style == 1:
            size = rng.integers(0, 300), rng.integers(0, 40)
        else:
            size = rng.uniform(-20, 400), rng.uniform(-5, 60)
        boxes.append([float(x), float(y), float(x + size[0]), float(y + size[1])])
    if rng.random() < 0.05:
        boxes = [[0.0, 0.0, 0.0, 10.0]] * m  # no capacity at all
    return lines, boxes


def test_alignment_matches_the_reference_dynamic_programme():
    rng = np.random.default_rng(20240611)
    sizes = [(0, 0), (0, 5), (5, 0), (1, 1), (1, 40), (40, 1), (3, 60), (60, 3), (30, 10), (10, 30), (17, 17)]
    sizes += [tuple(int(v) for v in rng.integers(0, 40, 2)) for _ in range(300 - len(sizes))]
    for n, m in sizes:
        lines, boxes = _random_page(rng, n, m)
        assert align_groups(lines, boxes) == _reference_align_groups(lines, boxes), (lines, boxes)


def test_alignment_of_a_long_page_matches_the_reference():
    rng = np.random.default_rng(7)
    lines = ["w" * int(k) for k in rng.integers(3, 90, 120)]
    sizes = rng.uniform((0, 20, 10), (300, 900, 30), (130, 3))  # x, width, height
    boxes = [[x, 20.0 * k, x + w, 20.0 * k + h] for k, (x, w, h) in enumerate(sizes.tolist())]
    assert align_groups(lines, boxes) == _reference_align_groups(lines, boxes)


# --- confidence and token texts ----------------------------------------------------------------------------


def test_line_confidences_split_tokens_at_newlines():
    tokens = [("ab", -0.1), ("c\nd", -0.5), ("e", -0.3), ("\n", -2.0), ("f", 0.0)]
    assert line_confidences(tokens) == [to_confidence(-0.3), to_confidence(-0.4), 1.0]
    assert span_confidence(tokens, 0, 0) is None
    assert to_confidence(-50.0) == 0.0001
    assert to_confidence(-0.105360516) == 0.9


# --- the reader: prompts, the request, boxes from the detector -----------------------------------------------


def test_read_sends_the_page_as_a_png_with_the_tasks_prompt_and_keeps_table_tokens(page_image):
    model = ScriptedModel([("Invoice number 2024-0042", -0.1)])
    reader = VlmReader(model, PROFILES["paddleocr-vl"])
    for task, prompt in (("ocr", "OCR:"), ("handwriting", "OCR:"), ("table", "Table Recognition:")):
        page = read(reader, page_image, task)
        assert page.prompt == prompt
    messages, options = model.calls[-1]
    assert prompt_of({"messages": messages}) == "Table Recognition:"
    (image_part,) = [part for part in messages[0]["content"] if part["type"] == "image_url"]
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    sent = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))
    assert np.array_equal(sent, page_image)  # lossless
    assert options == {"skip_special_tokens": False}  # OTSL table tokens are special in PaddleOCR-VL
    assert [part["type"] for part in messages[0]["content"]] == ["image_url", "text"]
    with pytest.raises(ValueError, match="no prompt for task"):
        read(reader, page_image, "poetry")


def test_read_boxes_the_models_lines_with_the_detectors(page_image, detector):
    tokens = [(LINES[0] + "\n", -0.1), (LINES[1] + "\n", -0.2), (LINES[2], -0.3)]
    page = read(VlmReader(ScriptedModel(tokens), PROFILES["paddleocr-vl"], detector), page_image)
    detected = detector.detect(page_image)
    assert [block.text for block in page.result.blocks] == LINES
    assert [block.bbox for block in page.result.blocks] == detected
    assert [block.confidence for block in page.result.blocks] == [to_confidence(lp) for lp in (-0.1, -0.2, -0.3)]


# --- the reply: text and log-probs ---------------------------------------------------------------------------


def test_reply_tokens_write_the_text_and_the_end_token_writes_nothing():
    generation = generation_from_reply(completion(OCR_TOKENS))
    assert generation.text == "Invoice 2024-0042\nTotal 1,250.00 EUR"
    assert generation.tokens == [*OCR_TOKENS, ("", -0.01)]
    assert line_confidences(generation.tokens) == [to_confidence(-0.2), to_confidence(-0.3)]


def test_reply_bytes_hold_back_partial_characters():
    entries = [
        {"token": "a", "logprob": -0.1, "bytes": [97]},
        {"token": "bytes:\\xc3", "logprob": -0.2, "bytes": [0xC3]},
        {"token": "bytes:\\xa9", "logprob": -0.3, "bytes": [0xA9]},
        {"token": "b", "logprob": -9999.0, "bytes": [98]},
    ]
    assert token_texts(entries) == [("a", -0.1), ("", -0.2), ("é", -0.3), ("b", -100.0)]


def test_tokens_that_do_not_write_the_text_give_the_page_confidence():
    assert tokens_of_text([("Hello", -0.2), (" there", -0.4)], "Hello world") == [("Hello world", pytest.approx(-0.3))]
    assert tokens_of_text([("<|special|>", -0.5), ("Hi", -0.1)], "Hi") == [("", -0.5), ("Hi", -0.1)]


@pytest.mark.parametrize(
    "reply",
    [
        {"choices": []},
        {"choices": [{"message": {"content": None}}]},
        {"choices": [{"message": {"content": "text"}}]},  # no log-probs asked for or given
        {"choices": [{"message": {"content": "text"}, "logprobs": {"content": []}}]},
        {"choices": [{"message": {"content": "t"}, "logprobs": {"content": [{"token": "t", "logprob": "x"}]}}]},
        "not a completion",
    ],
)
def test_a_reply_without_text_and_log_probs_is_garbage(reply):
    with pytest.raises(VlmAnswerError, match="not understood|no log-probabilities"):
        generation_from_reply(reply)


# --- the endpoint client against the scripted server ---------------------------------------------------------


def test_endpoint_asks_with_log_probs_and_reads_the_answer(model_server, page_image):
    page = read(VlmReader(endpoint(model_server, max_tokens=77), PROFILES["paddleocr-vl"]), page_image)
    assert [block.text for block in page.result.blocks] == ["Invoice 2024-0042", "Total 1,250.00 EUR"]
    assert [block.confidence for block in page.result.blocks] == [to_confidence(-0.2), to_confidence(-0.3)]
    (request,) = model_server.requests
    assert request["model"] == MODEL and request["logprobs"] is True and request["temperature"] == 0
    assert request["max_tokens"] == 77 and request["skip_special_tokens"] is False
    assert image_size(request) == (480, 320)


def test_endpoint_retries_a_passing_failure_then_answers(model_server, monkeypatch):
    monkeypatch.setattr("engines.vlm.endpoint.FIRST_PAUSE_SECONDS", 0.01)
    calls = []
    real_post = httpx.AsyncClient.post

    async def flaky_post(self, url, **kwargs):
        calls.append(url)
        if len(calls) < 3:
            return httpx.Response(503, request=httpx.Request("POST", url))
        return await real_post(self, url, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "post", flaky_post)
    generation = asyncio.run(endpoint(model_server, retries=2).complete(messages("OCR:")))
    assert len(calls) == 3 and generation.text.startswith("Invoice")


def test_endpoint_down_fails_the_page_without_naming_the_server(model_server, monkeypatch):
    monkeypatch.setattr("engines.vlm.endpoint.FIRST_PAUSE_SECONDS", 0.01)
    model_server.down = True
    with pytest.raises(VlmUnavailable) as failure:
        asyncio.run(endpoint(model_server, retries=1).complete(messages("OCR:")))
    assert str(failure.value) == "The vision model failed: it answered HTTP 503."
    unreachable = VlmEndpoint("http://127.0.0.1:9/v1", MODEL, retries=0)
    with pytest.raises(VlmUnavailable) as failure:
        asyncio.run(unreachable.complete(messages("OCR:")))
    assert "127.0.0.1" not in str(failure.value) and "could not be reached" in str(failure.value)


def test_endpoint_too_slow_is_a_timeout_told_as_such(model_server):
    model_server.delay = 1.0
    with pytest.raises(VlmUnavailable, match="did not answer in time"):
        asyncio.run(endpoint(model_server, timeout=0.2, retries=0).complete(messages("OCR:")))


def test_endpoint_garbage_is_an_answer_error_and_not_retried(model_server):
    model_server.garbage_widths = {8}
    with pytest.raises(VlmAnswerError, match="not understood"):
        asyncio.run(endpoint(model_server).complete(messages("OCR:")))
    assert len(model_server.requests) == 1


def test_endpoint_answers_only_while_it_is_up(model_server):
    assert asyncio.run(endpoint_answers(model_server.url, API_KEY))
    assert not asyncio.run(endpoint_answers(model_server.url, "wrong key"))
    model_server.down = True
    assert not asyncio.run(endpoint_answers(model_server.url, API_KEY))
    assert not asyncio.run(endpoint_answers("http://127.0.0.1:9/v1"))


def messages(prompt: str) -> list[dict]:
    from engines.vlm.endpoint import image_data_url

    return get_profile("paddleocr-vl").messages(prompt, image_data_url(np.zeros((8, 8, 3), np.uint8)))
