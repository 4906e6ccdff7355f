"""What runs the model: one interface, two implementations (transformers_backend, vllm_backend)."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass
class Generation:
    """One page's output: its text (special tokens dropped) and, in order, each generated token's text
    and log-probability under the model (the token texts concatenate to `text`)."""

    text: str
    tokens: list[tuple[str, float]] = field(default_factory=list)
    prompt: str = ""  # the prompt as sent, after the chat template


class VlmBackend(Protocol):
    def generate(self, images: list[np.ndarray], prompts: list[str], max_new_tokens: int) -> list[Generation]:
        """Read each RGB image (H x W x 3, uint8) with its task prompt; greedy decoding."""
        ...


def token_pieces(decode: Callable[[list[int]], str], ids: Sequence[int]) -> list[str]:
    """The text each token adds, by incremental decoding (as vLLM's detokenizer does): a token's text is
    what decoding gains when the token is added to a short window of the tokens before it. A token that
    ends inside a character (a partial UTF-8 byte sequence) adds nothing; the token completing it adds
    the character. The pieces concatenate to `decode(ids)`."""
    pieces = []
    prefix_start, read_start = 0, 0
    for index in range(len(ids)):
        prefix = decode(list(ids[prefix_start:read_start]))
        extended = decode(list(ids[prefix_start : index + 1]))
        if len(extended) > len(prefix) and not extended.endswith("\ufffd") and extended.startswith(prefix):
            pieces.append(extended[len(prefix) :])
            prefix_start, read_start = read_start, index + 1
        else:
            pieces.append("")
    # Whatever the windows missed (a trailing partial character, a decoder that rewrites earlier text).
    full = decode(list(ids))
    joined = "".join(pieces)
    if joined != full:
        if full.startswith(joined) and pieces:
            pieces[-1] += full[len(joined) :]
        else:
            return _fallback_pieces(decode, ids)
    return pieces


def _fallback_pieces(decode: Callable[[list[int]], str], ids: Sequence[int]) -> list[str]:
    """Exact but quadratic: each token's text is the growth of the decoded prefix."""
    pieces, previous = [], ""
    for index in range(len(ids)):
        current = decode(list(ids[: index + 1]))
        common = len(previous) if current.startswith(previous) else 0
        pieces.append(current[common:])
        previous = current
    return pieces


def special_ids_to_drop(tokenizer, keep_tokens: Collection[str]) -> set[int]:
    """The tokenizer's special tokens (end of sequence, padding, image placeholders) that are not text,
    less `keep_tokens` (markup the parser needs that some tokenizers mark special)."""
    keep = {tokenizer.convert_tokens_to_ids(token) for token in keep_tokens}
    return {int(i) for i in tokenizer.all_special_ids} - keep


def generation_from_ids(
    tokenizer, ids: Sequence[int], logprobs: Sequence[float], drop: Collection[int], prompt: str = ""
) -> Generation:
    """A Generation from generated token ids and their log-probs; tokens in `drop` are left out."""
    kept = [(int(i), float(lp)) for i, lp in zip(ids, logprobs, strict=True) if int(i) not in drop]
    kept_ids = [i for i, _ in kept]

    def decode(window: list[int]) -> str:
        return tokenizer.decode(window, skip_special_tokens=False, clean_up_tokenization_spaces=False)

    pieces = token_pieces(decode, kept_ids)
    return Generation(
        text="".join(pieces), tokens=[(p, lp) for p, (_, lp) in zip(pieces, kept, strict=True)], prompt=prompt
    )


def to_pil(image: np.ndarray):
    from PIL import Image

    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return Image.fromarray(np.ascontiguousarray(image[:, :, :3]).astype(np.uint8))
