"""The terms of a field label or a question, with labels' synonyms across languages as one concept.

"BTW-nummer", "USt-IdNr.", "N° TVA" and "VAT number" all read as {VAT, NUMBER}; "Rechnungsnummer"
and "factuurnummer" (compounds of two known words, with or without a linking "s") as {INVOICE,
NUMBER}. Words outside the lexicon stay themselves (stemmed as `index.tokenize` does); stop and
question words of the supported languages are left out.
"""

import unicodedata
from functools import cache, lru_cache

from pipelines.chat.tokens import STOP_WORDS, WORD, stem, tokenize

CONCEPTS = {
    "INVOICE": "invoice bill factuur facture rechnung fattura factura fatura rg",
    "NUMBER": "number no nr n num nº numero número numéro nummer partita id idnr",
    "VAT": "vat btw tva ust iva mwst ustid nif cif steuernummer",
    "IBAN": "iban account konto rekening compte conto cuenta",
    "ORDER": "order bestell bestellung bestel commande ordine pedido po auftrag",
    "DATE": "date datum data fecha",
    "TOTAL": "total totale totaal summe gesamt grand",
    "AMOUNT": "amount betrag bedrag montant importo importe",
    "SUBTOTAL": "subtotal subtotaal netto imponibile",
    "PHONE": "phone telephone telefon telefoon téléphone telefono teléfono tel tél",
    "MOBILE": "mobile mobil cell handy portable cellulare móvil",
    "FAX": "fax telefax",
    "EMAIL": "email mail",
    "CUSTOMER": "customer client kunde kunden klant cliente",
    "DELIVERY": "delivery liefer lieferung levering livraison consegna entrega",
    "NOTE": "note schein bon",
    "QUANTITY": "quantity qty menge aantal quantité quantità cantidad anzahl",
    "PRICE": "price preis prijs prix prezzo precio",
    "WEIGHT": "weight gewicht poids peso",
}
# Words of labels that name no value of their own ("VAT Reg. No.", "N° TVA intracommunautaire").
NEUTRAL = frozenset("reg registration intracommunautaire intracomunitaria identification identificatie e".split())
QUESTION_WORDS = frozenset(
    "what which who is are the of was ist welche welcher welches wie lautet wat het hoe quel quelle quels est "
    "qual quale è cuál cual es el la le il lo di del de da hat haben firma company please tell me give".split()
)
LINKING = "s"
MIN_TAIL = 4  # a compound's last word ("nummer", "datum", "preis"); "no" would end "piano"
MIN_LONE_TAIL = 5  # the tail of a compound whose head is no lexicon word ("einzel|preis", not "up|date")


@cache
def _concept_of() -> dict[str, str]:
    return {_folded(word): concept for concept, words in CONCEPTS.items() for word in words.split()}


def _folded(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def label_terms(text: str) -> list[str]:
    """The terms of `text`: concept names (upper case) for lexicon words, else stemmed words."""
    terms = []
    for word in WORD.findall(_folded(text)):
        if word in NEUTRAL or word in QUESTION_WORDS or any(char.isdigit() for char in word):
            continue
        concepts = _concepts(word)
        if concepts:
            terms.extend(concepts)
        elif word not in STOP_WORDS and len(word) > 1 and word != "_":
            terms.append(stem(word))
    return list(dict.fromkeys(terms))


@lru_cache(maxsize=65536)
def _concepts(word: str) -> tuple[str, ...]:
    """The concepts of a lexicon word, or of a compound of two ("bestellnummer"), else none."""
    concept_of = _concept_of()
    for form in (word, word.removesuffix("s")):
        if form in concept_of:
            return (concept_of[form],)
    for cut in range(2, len(word) - MIN_TAIL + 1):
        head, tail = word[:cut], word[cut:]
        if tail not in concept_of:
            continue
        head_concepts = _concepts(head) or _concepts(head.removesuffix(LINKING))
        if head_concepts:
            return (*head_concepts, concept_of[tail])
        if len(tail) >= MIN_LONE_TAIL and len(head) >= MIN_TAIL:
            return (concept_of[tail],)
    return ()


def synonyms(token: str) -> list[str]:
    """The search tokens (`tokens.tokenize`) of the other words of a token's concept ("btw" for "vat")."""
    concept = _concept_of_token().get(token)
    return [] if concept is None else [other for other in tokenize(CONCEPTS[concept]) if other != token]


@cache
def _concept_of_token() -> dict[str, str]:
    return {token: concept for concept, words in CONCEPTS.items() for token in tokenize(words)}
