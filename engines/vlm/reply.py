"""A chat completion of the model for one page, read: its text and the text and log-probability
of each token that wrote it (`Generation`). A reply without text and log-probabilities is
garbage (`VlmAnswerError`)."""

import codecs
import logging
import math
from dataclasses import dataclass, field

from engines.vlm.errors import VlmAnswerError

logger = logging.getLogger("ocrchat.vlm")

# A log-probability servers write for "impossible" (vLLM: -9999.0 for -inf): the confidence floor.
_LOWEST_LOGPROB = -100.0
_NOT_UNDERSTOOD = "The vision model's reply was not understood: "


@dataclass
class Generation:
    """The model's text for a page and, in order, each token's text and log-probability; the
    token texts concatenate to `text`."""

    text: str
    tokens: list[tuple[str, float]] = field(default_factory=list)


def generation_from_reply(reply: object) -> Generation:
    """The `Generation` of an OpenAI chat completion asked with `logprobs: true`."""
    try:
        choice = reply["choices"][0]  # type: ignore[index]
        text = choice["message"]["content"]
        entries = choice["logprobs"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise VlmAnswerError(_NOT_UNDERSTOOD + "it holds no text with log-probabilities.") from exc
    if not isinstance(text, str) or not isinstance(entries, list):
        raise VlmAnswerError(_NOT_UNDERSTOOD + "its text or log-probabilities are missing.")
    if text.strip() and not entries:
        raise VlmAnswerError("The vision model's reply has no log-probabilities (the server must support `logprobs`).")
    return Generation(text, tokens_of_text(token_texts(entries), text))


def token_texts(entries: list) -> list[tuple[str, float]]:
    """(text, log-prob) of each `logprobs.content` entry. Where every entry has its `bytes`, the
    texts come from them, decoded in order: a token that ends inside a character writes nothing,
    the one that completes it writes the character."""
    try:
        logprobs = [max(float(entry["logprob"]), _LOWEST_LOGPROB) for entry in entries]
        if all(isinstance(entry.get("bytes"), list) for entry in entries):
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            texts = [decoder.decode(bytes(entry["bytes"])) for entry in entries]
        else:
            texts = [str(entry["token"]) for entry in entries]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise VlmAnswerError(_NOT_UNDERSTOOD + "its log-probabilities are malformed.") from exc
    if any(math.isnan(logprob) for logprob in logprobs):
        raise VlmAnswerError(_NOT_UNDERSTOOD + "its log-probabilities are malformed.")
    return list(zip(texts, logprobs, strict=True))


def tokens_of_text(tokens: list[tuple[str, float]], text: str) -> list[tuple[str, float]]:
    """The tokens laid over `text`: a token whose text is not the next piece of `text` (a special
    token the server left out of the text, the end of sequence) writes nothing, one reaching past
    the end writes what is left. Tokens that do not write all of `text` give way to one token of
    the whole text at their mean log-prob (the page's confidence for every line)."""
    laid, position = [], 0
    for piece, logprob in tokens:
        rest = text[position:]
        if piece and rest.startswith(piece):
            written = piece
        elif rest and piece.startswith(rest):
            written = rest
        else:
            written = ""
        laid.append((written, logprob))
        position += len(written)
    if position == len(text):
        return laid
    logger.warning("The model's tokens do not write its text (%d of %d characters)", position, len(text))
    return [(text, sum(lp for _, lp in tokens) / len(tokens))] if tokens and text else []
