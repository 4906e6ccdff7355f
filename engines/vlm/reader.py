"""Pages through the VLM: prompt per task, generation, the profile's parsing, a box for every line
(the model's own, or aligned to the text detector's), and a confidence per line."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from engines.types import Block, PageResult
from engines.vlm.alignment import align_boxes
from engines.vlm.backend import Generation, VlmBackend
from engines.vlm.confidence import page_confidence, span_confidence
from engines.vlm.detector import LineDetector
from engines.vlm.profiles import ModelProfile, ParsedPage


@dataclass
class VlmPage:
    """A page read by the VLM: its lines (`result`), and the Markdown and tables the model wrote."""

    result: PageResult
    markdown: str
    tables: list[list[list[str]]] = field(default_factory=list)
    raw_text: str = ""  # the model's output as decoded
    prompt: str = ""  # the prompt as sent


class VlmReader:
    def __init__(
        self,
        backend: VlmBackend,
        profile: ModelProfile,
        detector: LineDetector | None = None,
        max_new_tokens: int = 4096,
    ) -> None:
        self.backend = backend
        self.profile = profile
        self.detector = detector
        self.max_new_tokens = max_new_tokens
        self._detection = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vlm-detect") if detector else None

    def read(self, image: np.ndarray, task: str = "ocr") -> VlmPage:
        return self.read_batch([image], task)[0]

    def read_batch(self, images: list[np.ndarray], task: str = "ocr") -> list[VlmPage]:
        """Read pages with one model call; the text detector runs on the CPU meanwhile."""
        prompt = self.profile.prompt(task)
        detections = []
        if self._detection is not None and self.detector is not None:
            detections = [self._detection.submit(self.detector.detect, image) for image in images]
        model_images = [self._model_image(image) for image in images]
        generations = self.backend.generate(model_images, [prompt] * len(images), self.max_new_tokens)
        boxes = [future.result() for future in detections] or [None] * len(images)
        return [
            self._page(image, model_image, generation, task, page_boxes)
            for image, model_image, generation, page_boxes in zip(images, model_images, generations, boxes, strict=True)
        ]

    def _model_image(self, image: np.ndarray) -> np.ndarray:
        """The page scaled down to the profile's longest side, if it has one."""
        side = self.profile.max_image_side
        height, width = image.shape[:2]
        if not side or max(height, width) <= side:
            return image
        from PIL import Image

        scale = side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))

    def _page(
        self,
        image: np.ndarray,
        model_image: np.ndarray,
        generation: Generation,
        task: str,
        detected: list[list[float]] | None,
    ) -> VlmPage:
        height, width = image.shape[:2]
        model_height, model_width = model_image.shape[:2]
        parsed = self.profile.parse(generation.text, task, (model_width, model_height))
        boxes = self._boxes(parsed, detected or [], (width, height), (width / model_width, height / model_height))
        fallback = page_confidence(generation.tokens) or 1.0
        blocks = []
        for line, box in zip(parsed.lines, boxes, strict=True):
            confidence = span_confidence(generation.tokens, line.start, line.end) or fallback
            blocks.append(Block(text=line.text, bbox=box, confidence=confidence))
        result = PageResult(
            width=width,
            height=height,
            blocks=blocks,
            engine=f"vlm:{self.profile.name}",
            markdown=parsed.markdown,
            tables=parsed.tables,
        )
        return VlmPage(result, parsed.markdown, parsed.tables, generation.text, generation.prompt)

    @staticmethod
    def _boxes(
        parsed: ParsedPage, detected: list[list[float]], page_size: tuple[int, int], scale: tuple[float, float]
    ) -> list[list[float]]:
        """The model's own boxes (scaled to the page) where it gives them, else the aligned detector boxes."""
        if parsed.lines and all(line.bbox is not None for line in parsed.lines):
            sx, sy = scale
            return [[b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy] for b in (line.bbox for line in parsed.lines)]
        return align_boxes([line.text for line in parsed.lines], detected, page_size)

    def close(self) -> None:
        if self._detection:
            self._detection.shutdown(wait=False)
