"""Line confidence from the model's token log-probabilities: exp(mean log-prob) of the tokens that
wrote the line, in (0, 1], rounded to 4 places."""

import math
from collections.abc import Sequence

# A line's confidence never rounds to 0: a block always has a confidence in (0, 1].
_FLOOR = 0.0001

TokenLogprobs = Sequence[tuple[str, float]]  # (token text, log-prob) in generation order


def to_confidence(mean_logprob: float) -> float:
    return max(round(math.exp(min(mean_logprob, 0.0)), 4), _FLOOR)


def token_offsets(tokens: TokenLogprobs) -> list[tuple[int, int, float]]:
    """(start, end, log-prob) of each token in the concatenated text."""
    offsets = []
    position = 0
    for text, logprob in tokens:
        offsets.append((position, position + len(text), logprob))
        position += len(text)
    return offsets


def span_logprobs(tokens: TokenLogprobs, start: int, end: int) -> list[float]:
    """Log-probs of the tokens whose text overlaps [start, end). A token that wrote no text (part of a
    character) belongs to the span where its text would have started."""
    selected = []
    for token_start, token_end, logprob in token_offsets(tokens):
        empty = token_start == token_end
        if (empty and start <= token_start < end) or (not empty and token_start < end and token_end > start):
            selected.append(logprob)
    return selected


def span_confidence(tokens: TokenLogprobs, start: int, end: int) -> float | None:
    """Confidence of the text at [start, end) of the output; None where no token wrote it."""
    logprobs = span_logprobs(tokens, start, end)
    return to_confidence(sum(logprobs) / len(logprobs)) if logprobs else None


def page_confidence(tokens: TokenLogprobs) -> float | None:
    return to_confidence(sum(lp for _, lp in tokens) / len(tokens)) if tokens else None


def line_confidences(tokens: TokenLogprobs) -> list[float | None]:
    """One confidence per line of the text (split at its newlines), from the tokens that wrote it."""
    text = "".join(piece for piece, _ in tokens)
    confidences = []
    position = 0
    for line in text.split("\n"):
        confidences.append(span_confidence(tokens, position, position + len(line)) if line else None)
        position += len(line) + 1
    return confidences
