"""Chat without a model quotes the value beside or below the label a question names: label/value
fields from line geometry, tables and single lines, labels' synonyms across languages, and the
answers on generated invoices in four languages (their text layers, read as the service reads them)."""

import pytest

from bench.invoice_documents import Beside, Grid, Prose, Stacked, pdf_bytes
from bench.value_documents import DOCUMENTS
from pipelines.chat.extractive_answer import NOT_FOUND
from pipelines.chat.fields import Field, page_fields
from pipelines.chat.index import FORMAT_VERSION, ChatIndex, stored_version
from pipelines.chat.labels import label_terms, synonyms
from pipelines.chat.service import answer_without_model
from pipelines.documents.document import Limits, open_document
from pipelines.documents.furniture import FurnitureMemory
from pipelines.jobs.record import page_record

LIMITS = Limits(max_page_pixels=60_000_000, pdf_dpi=200)


def text_layer_pages(pdf: bytes) -> list[dict]:
    document = open_document(pdf, LIMITS)
    try:
        furniture = FurnitureMemory()
        return [page_record(i, document.text_layer(i), "text_layer", furniture) for i in range(document.page_count)]
    finally:
        document.close()


def ask(index: ChatIndex, question: str):
    passages = [passage for passage, _ in index.search(question, 5)]
    return answer_without_model(question, index, passages)


def block(text: str, x0: float, y0: float, width: float = 150, height: float = 30) -> dict:
    return {"text": text, "bbox": [x0, y0, x0 + width, y0 + height], "confidence": 1.0}


def pairs(record: dict) -> set[tuple[str, str]]:
    return {(field.label, field.value) for field in page_fields(record)}


def test_value_beside_its_label_on_the_same_line() -> None:
    record = {"index": 0, "text": "", "blocks": [block("IBAN", 100, 100), block("NL91 ABNA 0417 1643 00", 400, 102)]}
    assert ("IBAN", "NL91 ABNA 0417 1643 00") in pairs(record)


def test_value_under_its_label_and_not_the_next_label_beside() -> None:
    blocks = [
        block("Rechnungsnummer", 100, 100),
        block("Bestellnummer", 500, 100),
        block("RE-2026-0415", 100, 135),
        block("BN-88213", 500, 135),
    ]
    found = pairs({"index": 0, "text": "", "blocks": blocks})
    assert {("Rechnungsnummer", "RE-2026-0415"), ("Bestellnummer", "BN-88213")} <= found
    assert ("Rechnungsnummer", "Bestellnummer") not in found


def test_far_or_unaligned_lines_are_no_values() -> None:
    blocks = [block("Telefon", 100, 100), block("0711 987 654 0", 900, 400), block("Notes", 100, 400)]
    assert not any(label == "Telefon" for label, _ in pairs({"index": 0, "text": "", "blocks": blocks}))


def test_single_lines_give_their_own_pairs() -> None:
    record = {
        "index": 2,
        "text": "Telefon: 059/987 6540\nBill no. 3139\nBill to:\nNorthwind Traders\nOrder date\t2 April",
    }
    fields = page_fields(record)
    assert Field(3, "Telefon", "059/987 6540", "Telefon: 059/987 6540") in fields
    assert ("Bill no.", "3139") in pairs(record)
    assert ("Bill to", "Northwind Traders") in pairs(record)
    assert ("Order date", "2 April") in pairs(record)


def test_table_cell_is_labelled_by_its_row_and_column() -> None:
    rows = [["Column name", "Data type", "Description"], ["USER_NAME", "VARCHAR(10)", "Name of the user profile."]]
    record = {"index": 7, "text": "", "tables": [{"bbox": [0, 0, 1, 1], "rows": rows}]}
    field = next(field for field in page_fields(record) if field.label == "USER_NAME, Data type")
    assert (field.page, field.value) == (8, "VARCHAR(10)")
    assert field.snippet == "USER_NAME\tVARCHAR(10)\tName of the user profile."


@pytest.mark.parametrize(
    ("label", "terms"),
    [
        ("USt-IdNr.", {"VAT", "NUMBER"}),
        ("BTW-nummer", {"VAT", "NUMBER"}),
        ("N° TVA intracommunautaire", {"VAT", "NUMBER"}),
        ("Partita IVA:", {"VAT", "NUMBER"}),
        ("Rechnungsnummer", {"INVOICE", "NUMBER"}),
        ("Numéro de commande", {"ORDER", "NUMBER"}),
        ("Bestelnummer", {"ORDER", "NUMBER"}),
        ("Telefonnummer", {"PHONE", "NUMBER"}),
        ("Gesamtbetrag", {"TOTAL", "AMOUNT"}),
        ("update", {"updat"}),  # a word ending in a lexicon word is no compound
    ],
)
def test_labels_in_several_languages_name_the_same_concepts(label: str, terms: set[str]) -> None:
    assert set(label_terms(label)) == terms


def test_search_widens_a_label_word_with_its_synonyms() -> None:
    assert {"btw", "tva", "iva"} <= set(synonyms("vat"))
    pages = [{"index": 0, "text": "Terms of delivery apply."}, {"index": 1, "text": "BTW-nummer NL8532.74.106.B01"}]
    assert ChatIndex.build(pages).search("What is the VAT number?")[0][0].page == 2


@pytest.fixture(scope="module")
def indexes() -> dict[str, ChatIndex]:
    names = ("invoice_en", "rechnung_de", "facture_fr", "fattura_it", "order_form_en")  # factura_es is OCRed
    return {name: ChatIndex.build(text_layer_pages(pdf_bytes(DOCUMENTS[name]))) for name in names}


@pytest.mark.parametrize(
    ("document", "question", "value", "page"),
    [
        ("invoice_en", "What is the IBAN?", "GB33 BUKB 2020 1555 5555 55", 1),
        ("invoice_en", "What is the VAT number?", "GB 284 5519 07", 1),
        ("invoice_en", "What is the order number?", "PO-77410", 1),
        ("invoice_en", "What is the unit price of the steel valve?", "24.50", 1),
        ("rechnung_de", "What is the VAT ID?", "DE 811 907 342", 1),
        ("rechnung_de", "Wie lautet die Rechnungsnummer?", "RE-2026-0415", 1),
        ("rechnung_de", "What is the order number?", "BN-88213", 1),
        ("rechnung_de", "What is the total?", "464,10 EUR", 1),
        ("facture_fr", "Quel est le numéro de facture ?", "F-2026-0093", 1),
        ("facture_fr", "What is the VAT number?", "FR 40 303 265 045", 1),
        ("facture_fr", "What is the phone number?", "04 72 10 55 38", 1),
        ("fattura_it", "What is the VAT number?", "IT 07643520567", 1),
        ("fattura_it", "Qual è il totale?", "552,66 EUR", 1),
        ("order_form_en", "What is the purchase order number?", "NW-PO-3381", 1),
        ("order_form_en", "What is the weight of the washers?", "0.9 kg", 1),
        ("order_form_en", "What is the IBAN?", "IE29 AIBK 9311 5212 3456 78", 2),
    ],
)
def test_answer_quotes_the_value_and_its_page(
    indexes: dict[str, ChatIndex], document: str, question: str, value: str, page: int
) -> None:
    answer = ask(indexes[document], question)
    assert f'"{value}" (p. {page})' in answer.content
    assert answer.citations[0].page == page
    assert value in answer.citations[0].snippet


@pytest.mark.parametrize(
    ("document", "question"),
    [
        ("invoice_en", "What is the SWIFT code?"),
        ("rechnung_de", "What is the fax number?"),
        ("fattura_it", "What is the delivery date?"),
    ],
)
def test_a_value_the_document_lacks_is_not_found(indexes: dict[str, ChatIndex], document: str, question: str) -> None:
    assert ask(indexes[document], question).content == NOT_FOUND


def test_invoice_date_does_not_answer_the_invoice_number(indexes: dict[str, ChatIndex]) -> None:
    answer = ask(indexes["invoice_en"], "What is the invoice number?")
    assert '"HT-58213"' in answer.content and "3 March 2026" not in answer.content


def test_fields_survive_the_stored_index(indexes: dict[str, ChatIndex]) -> None:
    data = indexes["rechnung_de"].to_bytes()
    assert stored_version(data) == FORMAT_VERSION
    assert ChatIndex.from_bytes(data).fields == indexes["rechnung_de"].fields


def test_stacked_and_beside_forms_drawn_small() -> None:
    pages = [[Prose(["Form"]), Stacked([("Kundennummer", "K-1"), ("Lieferdatum", "01.02.2026")], across=True)]]
    pages.append(
        [Beside([("Telefoon", "020 555 0187")]), Grid([["Artikel", "Gewicht"], ["Gitterbox", "170 kg"]], [90, 90])]
    )
    index = ChatIndex.build(text_layer_pages(pdf_bytes(pages)))
    assert '"K-1" (p. 1)' in ask(index, "What is the customer number?").content
    assert '"01.02.2026" (p. 1)' in ask(index, "What is the delivery date?").content
    assert '"020 555 0187" (p. 2)' in ask(index, "What is the phone number?").content
    assert '"170 kg" (p. 2)' in ask(index, "What is the weight of the Gitterbox?").content
