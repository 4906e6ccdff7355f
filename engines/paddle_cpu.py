"""The CPU OCR engine: paddleocr's PP-OCR pipeline on ONNX Runtime, PP-OCRv6 small models (the
`accurate` cpu profile) or tiny ones (`fast`)."""

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from engines.model_files import PROFILE_MODEL_NAMES, prepare_model_dirs
from engines.onnx_sessions import MEMORY_OPTIONS
from engines.parallel_recognition import ParallelRecognition
from engines.types import Block, PageResult

# paddlex probes model hosts at import unless told not to; we never download anything.
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")


def _paddleocr_without_torch():
    """paddleocr, imported without torch. paddlex imports modelscope, whose logger imports torch
    wherever it is installed (the vlm tier's and the tests' environments) to ask whether it runs
    distributed: CPU-seconds and memory in every OCR process, for an engine on ONNX Runtime
    (docs/capacity.md, start-up). transformers, which paddlex also imports, looks for torch once:
    it is imported first, so that it still finds torch for the vlm tier in the same process."""
    with contextlib.suppress(ImportError):
        importlib.import_module("transformers.utils")
    with _torch_hidden():
        return importlib.import_module("paddleocr")


@contextlib.contextmanager
def _torch_hidden() -> Iterator[None]:
    """`import torch` fails and `importlib.util.find_spec("torch")` is None meanwhile, unless
    torch is already imported."""
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # the import system's mark for "not importable"
    try:
        yield
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


def _engine_config(threads: int) -> dict:
    # `cpu_threads` is Paddle's: ONNX Runtime takes its threads from its own config.
    return {"intra_op_num_threads": threads, "inter_op_num_threads": 1, **MEMORY_OPTIONS}


def text_recognition(model_name: str, model_dir: Path, threads: int):
    """paddleocr's text recognition model alone (its `predict` reads line crops), on `threads` threads."""
    return _paddleocr_without_torch().TextRecognition(
        model_name=model_name,
        model_dir=str(model_dir),
        device="cpu",
        engine="onnxruntime",
        engine_config=_engine_config(threads),
    )


# An engine on one ONNX Runtime thread reads a page's lines in this many recognition runs at once.
ONE_THREAD_RECOGNITION_RUNS = 2


class PaddleCpuEngine:
    """Loads the detection and recognition models once; `recognize` reads one page image.

    On one thread, the engine reads a page's lines in ONE_THREAD_RECOGNITION_RUNS runs at once
    (`engines.parallel_recognition`); on more, its sessions use them."""

    def __init__(
        self, cache_dir: Path, threads: int, det_limit_side_len: int = 1600, profile: str = "accurate"
    ) -> None:
        PaddleOCR = _paddleocr_without_torch().PaddleOCR  # heavy import, kept off module import

        dirs = prepare_model_dirs(cache_dir, profile)
        det_name, rec_name = PROFILE_MODEL_NAMES[profile]
        self.profile = profile
        self._ocr = PaddleOCR(
            text_detection_model_name=det_name,
            text_detection_model_dir=str(dirs.detection),
            text_recognition_model_name=rec_name,
            text_recognition_model_dir=str(dirs.recognition),
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            # The text-line orientation classifier flips clean lines upside down (measured).
            use_textline_orientation=False,
            text_det_limit_type="max",
            text_det_limit_side_len=det_limit_side_len,
            # Named, so that paddlex does not import torch (where installed) to look for a GPU.
            device="cpu",
            engine="onnxruntime",
            engine_config=_engine_config(threads),
        )
        if threads == 1 and ONE_THREAD_RECOGNITION_RUNS > 1:
            self._read_lines_in_runs(rec_name, dirs.recognition, ONE_THREAD_RECOGNITION_RUNS)

    def _read_lines_in_runs(self, model_name: str, model_dir: Path, runs: int) -> None:
        """The pipeline's recognition predictor and `runs - 1` more of the same model read its lines."""
        pipeline = self._ocr.paddlex_pipeline._pipeline  # paddlex's OCR pipeline, which holds the predictors
        first = pipeline.text_rec_model
        more = [text_recognition(model_name, model_dir, threads=1).paddlex_predictor for _ in range(runs - 1)]
        pipeline.text_rec_model = ParallelRecognition([first, *more], first.batch_sampler.batch_size)

    def recognize(self, image: np.ndarray, keep_empty: bool = False) -> PageResult:
        """Read an RGB uint8 page image (H x W x 3). Blocks come in detector order.

        `keep_empty` keeps detected lines the model read as blank (the router re-reads them: PP-OCR
        reads the characters of scripts it does not know as nothing)."""
        height, width = image.shape[:2]
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        result = self._ocr.predict(bgr)[0]
        blocks = [
            Block(text=text, bbox=[float(v) for v in box], confidence=round(float(score), 4))
            for text, score, box in zip(result["rec_texts"], result["rec_scores"], result["rec_boxes"], strict=True)
            if keep_empty or text.strip()
        ]
        return PageResult(width=width, height=height, blocks=blocks, engine="paddle")
