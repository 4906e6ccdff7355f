"""The VLM on transformers (CPU or one GPU): a batch of pages per call, greedy decoding, and the
log-probability of every generated token."""

from pathlib import Path

import numpy as np
from transformers import LogitsProcessor, LogitsProcessorList

from engines.vlm.backend import Generation, generation_from_ids, special_ids_to_drop, to_pil
from engines.vlm.profiles import ModelProfile


def _dtype(name: str | None, device: str):
    import torch

    if name in (None, "auto"):
        return torch.float32 if device == "cpu" else torch.bfloat16
    return getattr(torch, name) if isinstance(name, str) else name


class TransformersBackend:
    """Loads the processor and model from a folder once; `generate` reads a batch of pages.

    `device`: "cpu", "cuda", "cuda:1"...; default: CUDA when there is one. `dtype`: a torch dtype
    name; default float32 on CPU, bfloat16 on GPU. `ignore_eos`: write exactly `max_new_tokens`
    tokens (for benchmarks)."""

    def __init__(
        self,
        model_dir: str | Path,
        profile: ModelProfile,
        device: str | None = None,
        dtype: str | None = None,
        local_files_only: bool = True,
        trust_remote_code: bool = False,
        ignore_eos: bool = False,
        attn_implementation: str | None = None,
    ) -> None:
        import torch
        from transformers import AutoProcessor

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.dtype = _dtype(dtype, self.device.split(":")[0])
        self.profile = profile
        self.ignore_eos = ignore_eos
        options = {"local_files_only": local_files_only, "trust_remote_code": trust_remote_code}
        self.processor = AutoProcessor.from_pretrained(str(model_dir), **options)
        self.tokenizer = self.processor.tokenizer
        self.tokenizer.padding_side = "left"  # generation continues each prompt at its right end
        self.model = _load_model(str(model_dir), self.dtype, attn_implementation, options).to(self.device).eval()
        self._drop = special_ids_to_drop(self.tokenizer, profile.keep_tokens)

    def render_prompt(self, prompt: str) -> str:
        return self.processor.apply_chat_template(
            self.profile.messages(prompt), tokenize=False, add_generation_prompt=True
        )

    def inputs(self, images: list[np.ndarray], prompts: list[str]):
        """The model inputs (token ids, pixels, image grids) of a batch, padded on the left."""
        texts = [self.render_prompt(prompt) for prompt in prompts]
        # The chat template writes the begin-of-sequence token itself.
        batch = self.processor(
            text=texts,
            images=[to_pil(image) for image in images],
            padding=True,
            add_special_tokens=False,
            return_tensors="pt",
        )
        return texts, batch.to(self.device)

    def generate(self, images: list[np.ndarray], prompts: list[str], max_new_tokens: int) -> list[Generation]:
        import torch

        if len(images) != len(prompts):
            raise ValueError(f"{len(images)} images but {len(prompts)} prompts")
        if not images:
            return []
        texts, batch = self.inputs(images, prompts)
        recorder = _ChosenLogprobs()
        options = {"min_new_tokens": max_new_tokens} if self.ignore_eos else {}
        with torch.inference_mode():
            sequences = self.model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                num_beams=1,
                logits_processor=LogitsProcessorList([recorder]),
                **options,
            )
        generated = sequences[:, batch["input_ids"].shape[1] :]
        chosen = recorder.finish(generated)
        return [
            self._generation(ids.tolist(), row.tolist(), text)
            for ids, row, text in zip(generated, chosen, texts, strict=True)
        ]

    def _generation(self, ids: list[int], logprobs: list[float], prompt: str) -> Generation:
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        if not self.ignore_eos:
            end = next((k + 1 for k, token in enumerate(ids) if token in eos_ids), len(ids))
            ids, logprobs = ids[:end], logprobs[:end]  # after the end of sequence comes padding
        return generation_from_ids(self.tokenizer, ids, logprobs, self._drop, prompt)


class _ChosenLogprobs(LogitsProcessor):
    """A logits processor that records the log-probability of each token greedy decoding picks, one
    step behind (a step's scores, then the token picked from them), without keeping every step's
    scores over the vocabulary. It runs after the generation config's processors, so the
    distribution is the one the token was picked from (the raw model's where none is configured)."""

    def __init__(self) -> None:
        super().__init__()
        self._previous = None
        self._values: list = []

    def __call__(self, input_ids, scores):
        if self._previous is not None:
            self._values.append(self._previous.gather(-1, input_ids[:, -1:]).squeeze(-1))
        self._previous = scores.float().log_softmax(dim=-1)
        return scores

    def finish(self, generated):
        """The log-probs of the generated tokens, (batch, steps)."""
        import torch

        if self._previous is not None and len(self._values) < generated.shape[1]:
            self._values.append(self._previous.gather(-1, generated[:, -1:]).squeeze(-1))
        self._previous = None
        if not self._values:
            return torch.zeros(generated.shape, dtype=torch.float32)
        return torch.stack(self._values, dim=1).cpu()


def _load_model(model_dir: str, dtype, attn_implementation: str | None, options: dict):
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

    kwargs = {"dtype": dtype, **options}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    try:
        return AutoModelForImageTextToText.from_pretrained(model_dir, **kwargs)
    except ValueError:
        # Models whose remote code registers only a causal-LM class (dots.ocr).
        return AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
