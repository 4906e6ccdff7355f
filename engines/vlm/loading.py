"""A ready VlmReader from a model folder: the profile from the model's config, the backend by name."""

import json
from pathlib import Path
from typing import Literal

from engines.vlm.detector import LineDetector
from engines.vlm.profiles import ModelProfile, get_profile, profile_for_config
from engines.vlm.reader import VlmReader

BackendName = Literal["transformers", "vllm"]


def model_config(model_dir: str | Path, local_files_only: bool = True) -> dict:
    """The model's config.json as a dict (a hub id is looked up in the local Hugging Face cache, or on
    the hub where `local_files_only` is False)."""
    path = Path(model_dir)
    if path.is_dir():
        return json.loads((path / "config.json").read_text(encoding="utf-8"))
    from transformers import PretrainedConfig

    config, _ = PretrainedConfig.get_config_dict(str(model_dir), local_files_only=local_files_only)
    return config


def resolve_profile(
    model_dir: str | Path, profile: str | ModelProfile | None, local_files_only: bool = True
) -> ModelProfile:
    """The named profile, or the one the model's config.json calls for."""
    if isinstance(profile, ModelProfile):
        return profile
    if profile:
        return get_profile(profile)
    return profile_for_config(model_config(model_dir, local_files_only), hint=Path(str(model_dir)).name)


def load_vlm_reader(
    model_dir: str | Path,
    backend: BackendName = "transformers",
    profile: str | ModelProfile | None = None,
    detector: LineDetector | None = None,
    max_new_tokens: int = 4096,
    device: str | None = None,
    dtype: str | None = None,
    local_files_only: bool = True,
    trust_remote_code: bool = False,
    **backend_options,
) -> VlmReader:
    """Load the model in `model_dir` (a folder in Hugging Face layout; a hub id only where a hub or its
    cache is reachable) behind `backend`. `profile`: `paddleocr-vl`, `dots.ocr`, `olmocr`, or None to
    pick it from the model's config.json. The service never sets `local_files_only` to False: weights
    are never downloaded at run time.
    `backend_options` go to the backend (e.g. `ignore_eos`; for vLLM `gpu_memory_utilization`,
    `max_model_len`, `load_format`, `min_tokens`, engine arguments)."""
    chosen = resolve_profile(model_dir, profile, local_files_only)
    if backend == "transformers":
        from engines.vlm.transformers_backend import TransformersBackend

        engine = TransformersBackend(
            model_dir,
            chosen,
            device=device,
            dtype=dtype,
            local_files_only=local_files_only,
            trust_remote_code=trust_remote_code,
            **backend_options,
        )
    elif backend == "vllm":
        from engines.vlm.vllm_backend import VllmBackend

        engine = VllmBackend(
            model_dir,
            chosen,
            dtype=dtype or "auto",
            local_files_only=local_files_only,
            trust_remote_code=trust_remote_code,
            **backend_options,
        )
    else:
        raise ValueError(f"Unknown VLM backend {backend!r}: 'transformers' or 'vllm'")
    return VlmReader(engine, chosen, detector=detector, max_new_tokens=max_new_tokens)
