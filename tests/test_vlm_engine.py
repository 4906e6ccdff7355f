"""The VLM engine (engines/vlm) on CPU: a tiny random PaddleOCR-VL built in a fixture proves the
plumbing (prompt, preprocessing, generation, parsing, boxes, confidence); hand-written model outputs
prove the parsers; the alignment and confidence maths are checked on their own."""

import importlib.util
import json
import math
import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never ask a hub for anything
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from engines.vlm import (  # noqa: E402
    PROFILES,
    Generation,
    ModelProfile,
    PaddleLineDetector,
    VlmReader,
    get_profile,
    load_vlm_reader,
)
from engines.vlm.alignment import align_boxes, align_groups  # noqa: E402
from engines.vlm.backend import token_pieces  # noqa: E402
from engines.vlm.confidence import line_confidences, span_confidence, to_confidence  # noqa: E402
from engines.vlm.profiles import (  # noqa: E402
    parse_dots_ocr,
    parse_olmocr,
    parse_paddleocr_vl,
    profile_for_config,
    split_front_matter,
)
from tests.vlm_model import build_tiny_paddleocr_vl  # noqa: E402

MAX_NEW_TOKENS = 24
LINES = ["Invoice number 2024-0042", "Total amount: 1,250.00 EUR", "Alice 30 Paris"]


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory):
    return build_tiny_paddleocr_vl(tmp_path_factory.mktemp("tiny-paddleocr-vl"))


@pytest.fixture(scope="session")
def reader(tiny_model_dir) -> VlmReader:
    return load_vlm_reader(tiny_model_dir, backend="transformers", max_new_tokens=MAX_NEW_TOKENS, device="cpu")


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


class ScriptedBackend:
    """Answers every page with the same tokens; records what it was asked."""

    def __init__(self, tokens: list[tuple[str, float]]) -> None:
        self.tokens = tokens
        self.calls: list[tuple[list[tuple[int, ...]], list[str]]] = []

    def generate(self, images, prompts, max_new_tokens):
        self.calls.append(([image.shape for image in images], list(prompts)))
        text = "".join(piece for piece, _ in self.tokens)
        return [Generation(text=text, tokens=list(self.tokens), prompt=prompt) for prompt in prompts]


def _exact_pieces(tokenizer, ids: list[int]) -> list[str]:
    """Each token's text as the growth of the decoded prefix (quadratic, for checking)."""
    pieces, previous = [], ""
    for end in range(1, len(ids) + 1):
        current = tokenizer.decode(ids[:end], skip_special_tokens=True)
        pieces.append(current[len(previous) :])
        previous = current
    return pieces


# --- the tiny model end to end -----------------------------------------------------------------------------


def test_read_gives_blocks_with_boxes_in_the_page_and_confidences(reader, page_image, detector):
    reader_with_detector = VlmReader(reader.backend, reader.profile, detector=detector, max_new_tokens=MAX_NEW_TOKENS)
    page = reader_with_detector.read(page_image)
    result = page.result
    assert result.engine == "vlm:paddleocr-vl"
    assert (result.width, result.height) == (480, 320)
    assert result.blocks, "the seeded tiny model writes several lines"
    for block in result.blocks:
        x0, y0, x1, y1 = block.bbox
        assert 0 <= x0 <= x1 <= result.width and 0 <= y0 <= y1 <= result.height
        assert 0 < block.confidence <= 1
    assert result.markdown == page.markdown and result.tables == page.tables == []
    # Boxes come from the detector (three lines), not the whole page.
    detected = detector.detect(page_image)
    assert all(block.bbox != [0.0, 0.0, 480.0, 320.0] for block in result.blocks)
    assert len(detected) == 3


def test_text_is_the_decoded_generation(reader, page_image):
    backend = reader.backend
    _, batch = backend.inputs([page_image], ["OCR:"])
    with torch.inference_mode():
        sequences = backend.model.generate(**batch, max_new_tokens=MAX_NEW_TOKENS, do_sample=False)
    generated = sequences[0, batch["input_ids"].shape[1] :].tolist()
    decoded = backend.tokenizer.decode(generated, skip_special_tokens=True)
    page = reader.read(page_image)
    assert page.raw_text == decoded
    assert "\n" in decoded, "the seeded tiny model writes several lines"
    assert [block.text for block in page.result.blocks] == [
        line.strip() for line in decoded.split("\n") if line.strip()
    ]


def test_confidence_is_exp_mean_logprob_of_the_line_tokens(reader, page_image):
    """Log-probs recomputed with one forward pass over prompt + output, split into lines by hand."""
    backend = reader.backend
    _, batch = backend.inputs([page_image], ["OCR:"])
    with torch.inference_mode():
        sequences = backend.model.generate(**batch, max_new_tokens=MAX_NEW_TOKENS, do_sample=False)
        prompt_length = batch["input_ids"].shape[1]
        generated = sequences[:, prompt_length:]
        mm_token_type_ids = torch.cat([batch["mm_token_type_ids"], torch.zeros_like(generated)], dim=1)
        logits = backend.model(
            input_ids=sequences,
            attention_mask=torch.ones_like(sequences),
            pixel_values=batch["pixel_values"],
            image_grid_thw=batch["image_grid_thw"],
            mm_token_type_ids=mm_token_type_ids,
        ).logits
    logprobs = logits[0, prompt_length - 1 : -1].float().log_softmax(-1).gather(-1, generated[0, :, None])[:, 0]
    ids = generated[0].tolist()
    special = set(backend.tokenizer.all_special_ids)
    kept = [(token, float(lp)) for token, lp in zip(ids, logprobs.tolist(), strict=True) if token not in special]
    pieces = _exact_pieces(backend.tokenizer, [token for token, _ in kept])

    generation = backend.generate([page_image], ["OCR:"], MAX_NEW_TOKENS)[0]
    assert [piece for piece, _ in generation.tokens] == pieces
    assert np.allclose([lp for _, lp in generation.tokens], [lp for _, lp in kept], atol=1e-4)

    # Expected per line: the tokens whose text overlaps the line's characters.
    expected = []
    position = 0
    text = "".join(pieces)
    for line in text.split("\n"):
        start = position + (len(line) - len(line.lstrip()))
        end = position + len(line.rstrip())
        if line.strip():
            chosen, cursor = [], 0
            for piece, (_, lp) in zip(pieces, kept, strict=True):
                if cursor < end and cursor + len(piece) > start:
                    chosen.append(lp)
                cursor += len(piece)
            expected.append(round(math.exp(sum(chosen) / len(chosen)), 4))
        position += len(line) + 1
    page = reader.read(page_image)
    assert [block.confidence for block in page.result.blocks] == pytest.approx(expected, abs=2e-4)


def test_prompts_follow_the_task(reader, page_image):
    assert "Table Recognition:" in reader.read(page_image, task="table").prompt
    assert "Formula Recognition:" in reader.read(page_image, task="formula").prompt
    for task in ("ocr", "handwriting"):
        prompt = reader.read(page_image, task=task).prompt
        assert prompt.endswith("OCR:\nAssistant: ") and "<|IMAGE_PLACEHOLDER|>" in prompt
    with pytest.raises(ValueError, match="no prompt for task"):
        reader.read(page_image, task="poetry")


def test_formula_task_writes_display_math(reader, page_image):
    page = reader.read(page_image, task="formula")
    assert page.markdown.startswith("$$\n") and page.markdown.endswith("\n$$")
    assert len(page.result.blocks) == 1


def test_batch_reads_as_single_reads(reader, page_image, noise_image):
    batch = reader.read_batch([page_image, noise_image], task="ocr")
    singles = [reader.read(page_image), reader.read(noise_image)]
    for together, alone in zip(batch, singles, strict=True):
        assert together.raw_text == alone.raw_text
        assert [b.text for b in together.result.blocks] == [b.text for b in alone.result.blocks]
        assert [b.bbox for b in together.result.blocks] == [b.bbox for b in alone.result.blocks]
        together_conf = [b.confidence for b in together.result.blocks]
        assert together_conf == pytest.approx([b.confidence for b in alone.result.blocks], abs=2e-4)


def test_profile_comes_from_the_model_config(tiny_model_dir):
    config = json.loads((tiny_model_dir / "config.json").read_text())
    assert profile_for_config(config).name == "paddleocr-vl"
    assert profile_for_config({"model_type": "dots_ocr"}).name == "dots.ocr"
    assert profile_for_config({"architectures": ["DotsOCRForCausalLM"], "model_type": "x"}).name == "dots.ocr"
    assert profile_for_config({"model_type": "qwen2_5_vl"}).name == "olmocr"
    assert profile_for_config({"model_type": "x"}, hint="olmOCR-2-7B-1025").name == "olmocr"
    with pytest.raises(ValueError, match="No VLM profile"):
        profile_for_config({"model_type": "llama"})
    with pytest.raises(ValueError, match="Unknown VLM profile"):
        get_profile("nougat")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_vllm_backend_without_vllm_says_so(tiny_model_dir):
    with pytest.raises(ImportError, match="vllm"):
        load_vlm_reader(tiny_model_dir, backend="vllm")


def test_unknown_backend_is_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="backend"):
        load_vlm_reader(tiny_model_dir, backend="onnx")  # type: ignore[arg-type]


# --- the text detector -------------------------------------------------------------------------------------


def test_line_detector_gives_line_boxes_in_reading_order(detector, page_image):
    boxes = detector.detect(page_image)
    assert len(boxes) == 3
    tops = [box[1] for box in boxes]
    assert tops == sorted(tops)
    for box, row in zip(boxes, range(3), strict=True):
        assert 30 + 90 * row - 10 <= (box[1] + box[3]) / 2 <= 30 + 90 * row + 40


# --- the reader with a scripted backend --------------------------------------------------------------------


def test_reader_aligns_lines_to_detector_boxes_and_scores_each_line():
    tokens = [("Invoice", -0.1), (" number\n", -0.3), ("Total", -0.2), (" amount\n\n", -0.4), ("Alice", -1.0)]
    boxes = [[20, 30, 300, 60], [20, 120, 340, 150], [20, 210, 200, 240]]
    reader = VlmReader(ScriptedBackend(tokens), PROFILES["paddleocr-vl"], detector=FixedDetector(boxes))
    page = reader.read(np.zeros((320, 480, 3), np.uint8))
    assert [b.text for b in page.result.blocks] == ["Invoice number", "Total amount", "Alice"]
    assert [b.bbox for b in page.result.blocks] == boxes
    assert [b.confidence for b in page.result.blocks] == [
        to_confidence(-0.2),
        to_confidence(-0.3),
        to_confidence(-1.0),
    ]
    assert page.markdown == "Invoice number\nTotal amount\n\nAlice"


def test_reader_without_detector_gives_the_whole_page():
    reader = VlmReader(ScriptedBackend([("One line", -0.5)]), PROFILES["paddleocr-vl"])
    page = reader.read(np.zeros((100, 200, 3), np.uint8))
    assert [b.bbox for b in page.result.blocks] == [[0.0, 0.0, 200.0, 100.0]]


def test_reader_scales_model_boxes_and_large_pages_for_the_model():
    cells = [{"bbox": [100, 100, 700, 160], "category": "Text", "text": "Hello"}]
    backend = ScriptedBackend([(json.dumps(cells), -0.01)])
    profile = ModelProfile(
        name="dots-small",
        model_types=(),
        prompts={"ocr": "layout"},
        parser=parse_dots_ocr,
        max_image_side=1400,  # 1400 x 700 after scaling: a multiple of 28, so dots' resize keeps it
    )
    page = VlmReader(backend, profile).read(np.zeros((1400, 2800, 3), np.uint8))
    assert backend.calls[0][0] == [(700, 1400, 3)]
    assert page.result.blocks[0].bbox == pytest.approx([200, 200, 1400, 320])
    assert page.result.engine == "vlm:dots-small"


def test_olmocr_pages_are_scaled_to_its_training_size():
    backend = ScriptedBackend([("---\nprimary_language: en\n---\nHi", -0.1)])
    page = VlmReader(backend, PROFILES["olmocr"]).read(np.zeros((2000, 1000, 3), np.uint8))
    assert backend.calls[0][0] == [(1288, 644, 3)]
    assert backend.calls[0][1][0].startswith("Attached is one page of a document")
    assert [b.text for b in page.result.blocks] == ["Hi"]
    assert (page.result.width, page.result.height) == (1000, 2000)


def test_empty_output_gives_an_empty_page():
    page = VlmReader(ScriptedBackend([]), PROFILES["paddleocr-vl"]).read(np.zeros((10, 10, 3), np.uint8))
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


def test_token_pieces_follow_incremental_decoding(reader):
    tokenizer = reader.backend.tokenizer
    ids = tokenizer.encode("Der Bericht wurde veröffentlicht.\nLes résultats", add_special_tokens=False)

    def decode(window):
        return tokenizer.decode(window, skip_special_tokens=False)

    pieces = token_pieces(decode, ids)
    assert "".join(pieces) == decode(ids)
    assert pieces == _exact_pieces(tokenizer, ids)


def test_token_pieces_hold_back_partial_characters():
    # Byte-level tokens: "é" is two bytes, written by the second token.
    data = [b"a", "é".encode()[:1], "é".encode()[1:], b"b"]

    def decode(window):
        return b"".join(data[i] for i in window).decode("utf-8", errors="replace")

    assert token_pieces(decode, [0, 1, 2, 3]) == ["a", "", "é", "b"]


def test_vllm_outputs_become_generations(reader):
    """vLLM's completion (token ids, one {token id: Logprob} per position) read without vllm."""
    from types import SimpleNamespace

    from engines.vlm.vllm_backend import VllmBackend

    tokenizer = reader.backend.tokenizer
    ids = tokenizer.encode("Alice 30\nBob", add_special_tokens=False) + [tokenizer.eos_token_id]
    logprobs = [{token: SimpleNamespace(logprob=-0.1 * (k + 1), rank=1)} for k, token in enumerate(ids)]
    backend = VllmBackend.__new__(VllmBackend)  # no engine: only the output handling
    backend.tokenizer = tokenizer
    backend._drop = set(tokenizer.all_special_ids)
    generation = backend._generation(SimpleNamespace(token_ids=ids, logprobs=logprobs), "prompt")
    assert generation.text == "Alice 30\nBob"
    assert [lp for _, lp in generation.tokens] == pytest.approx([-0.1 * (k + 1) for k in range(len(ids) - 1)])


def test_vllm_prompt_keeps_a_single_begin_token():
    from engines.vlm.vllm_backend import strip_duplicate_bos

    class Tokenizer:
        bos_token, bos_token_id = "<s>", 1

        def __init__(self, adds_bos: bool) -> None:
            self.adds_bos = adds_bos

        def __call__(self, text, add_special_tokens=True):
            return {"input_ids": ([1] if self.adds_bos else []) + [7]}

    assert strip_duplicate_bos(Tokenizer(True), "<s>User: x") == "User: x"
    assert strip_duplicate_bos(Tokenizer(False), "<s>User: x") == "<s>User: x"
    assert strip_duplicate_bos(Tokenizer(True), "User: x") == "User: x"
