"""Answers that quote the value of the field a question names ("What is the VAT number?" ->
"BTW-nummer: NL8532.74.106.B01 (p. 1)").

A question and a field label are compared as `labels.label_terms` (synonyms across languages are
one concept). A field answers when its label covers most of the question's terms and names no
other field: "Invoice date" does not answer "What is the invoice number?". Question words that are
nowhere in the document ("Which phone number does the company have?") are left out of the count.
"""

from collections.abc import Callable, Iterable

from pipelines.chat.extractive_answer import Answer, Citation, quoted_answer, snippet
from pipelines.chat.fields import Field
from pipelines.chat.labels import label_terms

MIN_COVERAGE = 0.75
MAX_QUOTES = 3
WEAK = {"NUMBER": 0.3}  # "number" adds little to "VAT number"; most labels say it or leave it out
IDENTIFIERS = {"IBAN", "VAT", "PHONE", "MOBILE", "FAX"}  # their labels may add "number" ("IBAN No.")


def value_answer(question: str, fields: Iterable[Field], in_document: Callable[[str], bool]) -> Answer | None:
    """Quote the value(s) of the best-matching field, or None when no field's label fits the question.

    `in_document(term)` tells whether a word term (not a concept) occurs in the document.
    """
    terms = [term for term in label_terms(question) if term.isupper() or in_document(term)]
    if not any(WEAK.get(term, 1.0) == 1.0 for term in terms):
        return None
    scored = [(score, field) for field in fields if (score := _score(terms, field)) is not None]
    if not scored:
        return None
    best = max(score for score, _ in scored)
    chosen = list({field.value: field for score, field in scored if score == best}.values())[:MAX_QUOTES]
    return _answer(chosen)


def _score(terms: list[str], field: Field) -> tuple[float, float] | None:
    """(coverage of the question's terms, share of the label's terms the question names), or None."""
    label = set(label_terms(field.label))
    other = {term for term in label.difference(terms) if term.isupper()}
    if other - {"NUMBER"} or (other and not label & IDENTIFIERS):
        return None
    weights = {term: WEAK.get(term, 1.0) for term in terms}
    covered = sum(weight for term, weight in weights.items() if term in label)
    coverage = covered / sum(weights.values())
    if coverage < MIN_COVERAGE:
        return None
    return coverage, len(label.intersection(terms)) / len(label)


def _answer(fields: list[Field]) -> Answer:
    quotes = [f'{field.label}: "{snippet(field.value)}" (p. {field.page})' for field in fields]
    return quoted_answer(quotes, [Citation(field.page, snippet(field.snippet)) for field in fields])
