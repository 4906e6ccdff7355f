"""Pages through the VLM: the task's prompt with the page image to the model server, the
profile's parsing of its answer, a box for every line (the model's own, or aligned to the CPU
text detector's, which runs while the model reads), and a confidence per line from the log-probs
of the tokens that wrote it."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from engines.types import Block, PageResult
from engines.vlm.alignment import align_boxes
from engines.vlm.confidence import page_confidence, span_confidence
from engines.vlm.detector import LineDetector
from engines.vlm.endpoint import image_data_url
from engines.vlm.profiles import ModelProfile, ParsedPage
from engines.vlm.reply import Generation


class PageModel(Protocol):
    async def complete(self, messages: list[dict], **options) -> Generation:
        """The model's answer to one page's chat messages (engines/vlm/endpoint.py)."""
        ...


@dataclass
class VlmPage:
    """A page read by the VLM: its lines (`result`), and the Markdown and tables the model wrote."""

    result: PageResult
    markdown: str
    tables: list[list[list[str]]] = field(default_factory=list)
    raw_text: str = ""  # the model's answer as it came
    prompt: str = ""  # the task's prompt


class VlmReader:
    def __init__(self, model: PageModel, profile: ModelProfile, detector: LineDetector | None = None) -> None:
        self.model = model
        self.profile = profile
        self.detector = detector
        self._detection = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vlm-detect") if detector else None

    async def read(self, image: np.ndarray, task: str = "ocr") -> VlmPage:
        prompt = self.profile.prompt(task)
        model_image = self._model_image(image)
        detection = self._detect(image)
        messages = self.profile.messages(prompt, image_data_url(model_image))
        try:
            generation = await self.model.complete(messages, **self.profile.request_options)
        except BaseException:
            if detection is not None:
                detection.cancel()
            raise
        detected = await detection if detection is not None else None
        return self._page(image, model_image, generation, task, detected)

    def _detect(self, image: np.ndarray) -> asyncio.Future | None:
        if self._detection is None or self.detector is None:
            return None
        return asyncio.get_running_loop().run_in_executor(self._detection, self.detector.detect, image)

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
        return VlmPage(result, parsed.markdown, parsed.tables, generation.text, self.profile.prompt(task))

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
