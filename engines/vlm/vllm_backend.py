"""The VLM on vLLM (GPU): vLLM's offline `LLM` engine schedules a list of pages as one continuous
batch. vllm is imported only here, when the backend is built: CPU installs do not have it."""

from pathlib import Path

import numpy as np

from engines.vlm.backend import Generation, generation_from_ids, special_ids_to_drop, to_pil
from engines.vlm.profiles import ModelProfile


def _import_vllm():
    try:
        import vllm
    except ImportError as error:
        raise ImportError(
            "The vllm backend needs the vllm package (GPU only; `pip install vllm`), which is not installed. "
            "Use backend='transformers' where there is no vllm."
        ) from error
    return vllm


class VllmBackend:
    """One `vllm.LLM` per process. `min_tokens` / `ignore_eos` force the output length (benchmarks).
    Extra keyword arguments go to `vllm.LLM` (engine arguments: `max_num_seqs`, `tensor_parallel_size`...)."""

    def __init__(
        self,
        model_dir: str | Path,
        profile: ModelProfile,
        dtype: str = "auto",
        max_model_len: int = 16384,
        gpu_memory_utilization: float = 0.85,
        load_format: str = "auto",
        trust_remote_code: bool = False,
        local_files_only: bool = True,
        min_tokens: int = 0,
        ignore_eos: bool = False,
        mm_processor_kwargs: dict | None = None,
        **engine_kwargs,
    ) -> None:
        vllm = _import_vllm()
        from transformers import AutoProcessor

        self.profile = profile
        self._vllm = vllm
        self._min_tokens = min_tokens
        self._ignore_eos = ignore_eos
        self._mm_processor_kwargs = mm_processor_kwargs or {}
        self.processor = AutoProcessor.from_pretrained(
            str(model_dir), trust_remote_code=trust_remote_code, local_files_only=local_files_only
        )
        self.tokenizer = self.processor.tokenizer
        self._drop = special_ids_to_drop(self.tokenizer, profile.keep_tokens)
        # OCR pages share no prefixes and no images: prefix caching and the processor cache only cost
        # hashing (vLLM's PaddleOCR-VL recipe turns both off).
        engine_kwargs.setdefault("enable_prefix_caching", False)
        engine_kwargs.setdefault("mm_processor_cache_gb", 0)
        self.llm = vllm.LLM(
            model=str(model_dir),
            dtype=dtype,
            load_format=load_format,
            max_model_len=max_model_len,
            limit_mm_per_prompt={"image": 1},
            gpu_memory_utilization=gpu_memory_utilization,
            trust_remote_code=trust_remote_code,
            **engine_kwargs,
        )

    def render_prompt(self, prompt: str) -> str:
        """The chat-templated prompt. vLLM tokenizes a text prompt with the tokenizer's special tokens:
        where that adds a begin-of-sequence token the template also wrote, the template's is removed."""
        text = self.processor.apply_chat_template(
            self.profile.messages(prompt), tokenize=False, add_generation_prompt=True
        )
        return strip_duplicate_bos(self.tokenizer, text)

    def sampling_params(self, max_new_tokens: int):
        return self._vllm.SamplingParams(
            temperature=0.0,
            max_tokens=max_new_tokens,
            min_tokens=min(self._min_tokens, max_new_tokens),
            ignore_eos=self._ignore_eos,
            logprobs=0,  # the sampled token's log-prob only
            # Table markup may be special tokens; we drop the other specials ourselves.
            skip_special_tokens=False,
        )

    def generate(self, images: list[np.ndarray], prompts: list[str], max_new_tokens: int) -> list[Generation]:
        if len(images) != len(prompts):
            raise ValueError(f"{len(images)} images but {len(prompts)} prompts")
        if not images:
            return []
        texts = [self.render_prompt(prompt) for prompt in prompts]
        requests = []
        for image, text in zip(images, texts, strict=True):
            request = {"prompt": text, "multi_modal_data": {"image": to_pil(image)}}
            if self._mm_processor_kwargs:
                request["mm_processor_kwargs"] = self._mm_processor_kwargs
            requests.append(request)
        outputs = self.llm.generate(requests, self.sampling_params(max_new_tokens), use_tqdm=False)
        return [self._generation(output.outputs[0], text) for output, text in zip(outputs, texts, strict=True)]

    def _generation(self, completion, prompt: str) -> Generation:
        ids = list(completion.token_ids)
        logprobs = [_chosen_logprob(position, token) for position, token in zip(completion.logprobs, ids, strict=True)]
        return generation_from_ids(self.tokenizer, ids, logprobs, self._drop, prompt)


def strip_duplicate_bos(tokenizer, text: str) -> str:
    bos = tokenizer.bos_token
    if not bos or not text.startswith(bos):
        return text
    added = tokenizer("x", add_special_tokens=True)["input_ids"]
    return text[len(bos) :] if added and added[0] == tokenizer.bos_token_id else text


def _chosen_logprob(position, token_id: int) -> float:
    """The log-prob of the sampled token from one position of vLLM's logprobs ({token id: Logprob})."""
    entry = position[token_id]
    return float(getattr(entry, "logprob", entry))
