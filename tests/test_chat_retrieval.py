"""Retrieval (BM25 over a job's passages) and extractive answers, on a generated invoice-like job."""

import re

import pytest

from pipelines.chat.extractive_answer import NOT_FOUND, extractive_answer
from pipelines.chat.index import ChatIndex, Passage, page_passages, split_text, tokenize

HEADER = """ACME Industrial Supplies GmbH
Hafenstrasse 12, 20457 Hamburg, Germany
VAT ID: DE123456789

INVOICE

Invoice number: INV-2027-0042
Invoice date: 14 February 2027
Customer number: C-7781

Bill to:
Northwind Traders Ltd
42 Harbour Road
Dublin D02 XY45, Ireland

Ship to:
Northwind Traders warehouse
Unit 7, Greenhills Industrial Estate
Dublin 12, Ireland"""

LINE_ITEMS = """Line items

Item\tDescription\tQuantity\tUnit price\tAmount
1\tHydraulic pump HP-200\t2\t310.00\t620.00
2\tStainless steel valve SV-15\t10\t24.50\t245.00
3\tRubber gasket set\t5\t12.00\t60.00
4\tPressure gauge PG-9\t3\t45.00\t135.00

Delivery was made by road freight
on 10 February 2027 in two pallets."""

TOTALS = """Subtotal: 1,060.00 EUR
Shipping: 77.00 EUR
VAT (8.5%): 97.50 EUR
Total due: 1,234.50 EUR by 15 March 2027

Payment terms
Please pay by bank transfer to IBAN DE44 5001 0517 5407 3249 31,
quoting the invoice number. Late payments incur interest of 1% per month.

Thank you for your business."""

RUSSIAN = """Акт выполненных работ № 17

Исполнитель выполнил монтаж оборудования на складе заказчика.
Стоимость работ составила 58 000 рублей, включая НДС.
Претензий по качеству и срокам заказчик не имеет."""


def invoice_pages() -> list[dict]:
    texts = [HEADER, LINE_ITEMS, TOTALS, RUSSIAN]
    return [{"index": i, "text": text, "markdown": text, "blocks": []} for i, text in enumerate(texts)]


@pytest.fixture(scope="module")
def index() -> ChatIndex:
    return ChatIndex.build(invoice_pages())


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_text(page: int) -> str:
    return flat(invoice_pages()[page - 1]["text"])


ANSWERABLE = [
    ("What is the total due?", 3, "1,234.50"),
    ("When is the payment due?", 3, "15 March 2027"),
    ("What is the invoice number?", 1, "INV-2027-0042"),
    ("Who is the invoice billed to?", 1, "Northwind"),
    ("How many stainless steel valves were ordered?", 2, "SV-15"),
    ("What is the unit price of the hydraulic pump?", 2, "310.00"),
    ("What interest is charged on late payments?", 3, "1% per month"),
    ("How was the delivery made?", 2, "road freight"),
    ("What is the VAT ID of the supplier?", 1, "DE123456789"),
]


@pytest.mark.parametrize(("question", "page", "expected"), ANSWERABLE)
def test_retrieval_finds_the_answer_page(index: ChatIndex, question: str, page: int, expected: str) -> None:
    found = index.search(question, k=3)
    assert found[0][0].page == page
    assert expected in flat(found[0][0].text)


@pytest.mark.parametrize(("question", "page", "expected"), ANSWERABLE)
def test_extractive_answer_quotes_the_page(index: ChatIndex, question: str, page: int, expected: str) -> None:
    answer = extractive_answer(question, index.search(question, k=5))
    assert answer.content != NOT_FOUND
    assert answer.citations[0].page == page
    assert f"(p. {page})" in answer.content
    assert expected in answer.content
    for citation in answer.citations:
        assert flat(citation.snippet) in page_text(citation.page)


def test_table_row_is_quoted_with_its_header(index: ChatIndex) -> None:
    question = "What is the unit price of the hydraulic pump?"
    answer = extractive_answer(question, index.search(question))
    assert "Hydraulic pump HP-200 | 2 | 310.00 | 620.00" in answer.content
    assert "Unit price" in answer.content
    assert answer.citations[0].snippet == "1\tHydraulic pump HP-200\t2\t310.00\t620.00"


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Australia?", "Who won the football match yesterday?", "What is the CEO's salary?"],
)
def test_unanswerable_question_is_not_found(index: ChatIndex, question: str) -> None:
    answer = extractive_answer(question, index.search(question))
    assert answer.content == NOT_FOUND
    assert answer.citations == []


def test_nothing_matches_gives_no_passages(index: ChatIndex) -> None:
    assert index.search("zebra xylophone") == []
    assert index.search("") == []
    assert extractive_answer("the", []).content == NOT_FOUND


def test_follow_up_uses_the_previous_question(index: ChatIndex) -> None:
    found = index.search("and the shipping?\nWhat is the total due?")
    assert found[0][0].page == 3
    assert "Shipping: 77.00 EUR" in extractive_answer("and the shipping?", found).content


def test_round_trip_through_bytes(index: ChatIndex) -> None:
    loaded = ChatIndex.from_bytes(index.to_bytes())
    for question, _, _ in ANSWERABLE:
        assert loaded.search(question, k=5) == index.search(question, k=5)


def test_russian_question_finds_the_russian_page(index: ChatIndex) -> None:
    found = index.search("Какова стоимость работ?")
    assert found[0][0].page == 4
    answer = extractive_answer("Какова стоимость работ?", found)
    assert "58 000 рублей" in answer.content
    assert answer.citations[0].page == 4


def test_tokens_cover_other_scripts() -> None:
    assert "請求" in tokenize("東京都の請求書")
    assert "हिन्दी" in tokenize("हिन्दी भाषा")
    assert "financial" in tokenize("ﬁnancial")


def test_empty_job_and_error_pages() -> None:
    empty = ChatIndex.build([{"index": 0, "text": "", "error": "unreadable"}])
    assert empty.search("total") == []
    assert ChatIndex.from_bytes(empty.to_bytes()).search("total") == []


def test_passages_stay_on_their_page_and_short() -> None:
    long_page = "\n".join(f"Line {n} of a long paragraph that goes on and on" for n in range(200))
    pages = [{"index": 0, "text": long_page}, {"index": 1, "text": "Second page."}]
    index = ChatIndex.build(pages)
    chunks = split_text(long_page)
    assert len(chunks) > 1 and all(len(chunk) <= 700 for chunk in chunks)
    assert index.search("Second page", k=1)[0][0] == Passage(2, "Second page.")


def test_running_headers_and_footers_stay_out_of_passages() -> None:
    record = {
        "index": 0,
        "text": "Harbour Board Bulletin\n\nThe berths open in May.\n\n12",
        "blocks": [
            {"text": "Harbour Board Bulletin", "type": "header"},
            {"text": "The berths open in May.", "type": "text"},
            {"text": "12", "type": "footer"},
        ],
    }
    assert [passage.text for passage in page_passages([record])] == ["The berths open in May."]
