"""The vision-language-model OCR engine (the `vlm` tier): PaddleOCR-VL, dots.ocr or olmOCR behind
transformers or vLLM, with line boxes from the CPU text detector and per-line confidence.

Importing this package loads neither torch nor vllm; the backends import them when built."""

from engines.vlm.backend import Generation, VlmBackend
from engines.vlm.detector import LineDetector, PaddleLineDetector
from engines.vlm.loading import load_vlm_reader, resolve_profile
from engines.vlm.profiles import PROFILES, TASKS, ModelProfile, ParsedLine, ParsedPage, get_profile
from engines.vlm.reader import VlmPage, VlmReader

__all__ = [
    "PROFILES",
    "TASKS",
    "Generation",
    "LineDetector",
    "ModelProfile",
    "PaddleLineDetector",
    "ParsedLine",
    "ParsedPage",
    "VlmBackend",
    "VlmPage",
    "VlmReader",
    "get_profile",
    "load_vlm_reader",
    "resolve_profile",
]
