"""The vision-language-model OCR engine (the `vlm` tier): pages sent to an OpenAI-compatible
model server (PaddleOCR-VL, dots.ocr or olmOCR behind `ray.serve.llm`, `vllm serve` or any other
that returns log-probabilities), with line boxes from the CPU text detector and per-line
confidence from the log-probs."""

from engines.vlm.detector import LineDetector, PaddleLineDetector
from engines.vlm.endpoint import VlmEndpoint, endpoint_answers, vlm_endpoint
from engines.vlm.errors import VlmAnswerError, VlmError, VlmUnavailable
from engines.vlm.profiles import PROFILES, TASKS, ModelProfile, ParsedLine, ParsedPage, get_profile
from engines.vlm.reader import PageModel, VlmPage, VlmReader
from engines.vlm.reply import Generation

__all__ = [
    "PROFILES",
    "TASKS",
    "Generation",
    "LineDetector",
    "ModelProfile",
    "PaddleLineDetector",
    "PageModel",
    "ParsedLine",
    "ParsedPage",
    "VlmAnswerError",
    "VlmEndpoint",
    "VlmError",
    "VlmPage",
    "VlmReader",
    "VlmUnavailable",
    "endpoint_answers",
    "get_profile",
    "vlm_endpoint",
]
