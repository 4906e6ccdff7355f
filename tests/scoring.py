"""Text scores used by tests and benchmarks (corpus conventions: NFC, whitespace collapsed)."""

import unicodedata

from rapidfuzz.distance import Levenshtein


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(recognised: str, truth: str) -> float:
    """Character error rate of `recognised` against `truth`, on the whitespace-collapsed stream."""
    truth_n = normalize(truth)
    return Levenshtein.distance(normalize(recognised), truth_n) / max(1, len(truth_n))


def bag_of_words_f1(recognised: str, truth: str) -> float:
    from collections import Counter

    got, want = Counter(normalize(recognised).split()), Counter(normalize(truth).split())
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)
