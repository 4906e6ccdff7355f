"""Languages through the real service: `language=auto` routes each script to its engine, the
page says what it was read as, turned pages come back upright, unknown codes are a 400."""

import io
import json

import pymupdf
from PIL import Image

from tests.documents import DATA, born_digital_pdf, consonant_lines, data_file, pdf_with_lines, truth
from tests.scoring import cer
from tests.test_api_exports import download
from tests.test_api_long_jobs import submit
from tests.test_api_ocr import MAX_CER_PRINTED_PAGE

SCRIPT_LINES = {row["file"]: row for row in map(json.loads, (DATA / "script_lines" / "gt.jsonl").open())}


def read_line(client, name: str, language: str) -> dict:
    response = submit(client, (DATA / "script_lines" / name).read_bytes(), name, language=language)
    assert response.status_code == 200, response.text
    return response.json()


def test_cyrillic_is_read_by_tesseract_with_auto_and_with_its_code(client):
    row = SCRIPT_LINES["eslav.jpg"]
    auto, explicit = read_line(client, "eslav.jpg", "auto"), read_line(client, "eslav.jpg", "rus")
    assert cer(auto["text"], row["gt"]) == 0 and cer(explicit["text"], row["gt"]) == 0
    assert auto["pages"][0]["language"] == "Cyrillic"  # CLD2 is not sure of this one line's language
    assert (explicit["language"], explicit["pages"][0]["language"]) == ("ru", "ru")


def test_arabic_comes_out_in_logical_order(client):
    job = read_line(client, "arabic.png", "auto")
    assert job["pages"][0]["language"] == "fa"  # the line is Persian
    assert cer(job["text"], SCRIPT_LINES["arabic.png"]["gt"]) == 0
    assert download(client, job, "txt").text == job["text"]


def test_latin_and_chinese_stay_on_pp_ocr(client):
    english = read_line(client, "en_rec.jpg", "auto")
    assert english["text"] == SCRIPT_LINES["en_rec.jpg"]["gt"] and english["pages"][0]["language"] == "en"
    chinese = read_line(client, "test_without_det.jpg", "zh")
    assert chinese["language"] == "ch" and chinese["text"] == SCRIPT_LINES["test_without_det.jpg"]["gt"]


def test_a_page_turned_sideways_is_read_upright(client):
    upright = Image.open(io.BytesIO(data_file("phototest.tif"))).convert("RGB")
    sideways = io.BytesIO()
    upright.rotate(90, expand=True).save(sideways, format="PNG")  # a quarter turn counterclockwise
    job = submit(client, sideways.getvalue(), "sideways.png").json()
    page = job["pages"][0]
    assert page["rotation"] == 90 and (page["width"], page["height"]) == upright.size
    assert cer(job["text"], truth("phototest.txt")) < MAX_CER_PRINTED_PAGE
    pdf = pymupdf.open(stream=download(client, job, "pdf").content, filetype="pdf")
    assert pdf[0].rect.width > pdf[0].rect.height  # shown upright, as the original was
    assert cer(pdf[0].get_text(), truth("phototest.txt")) < MAX_CER_PRINTED_PAGE


def test_text_layer_pages_report_their_language(client):
    job = submit(client, born_digital_pdf(1, lines=3)).json()
    assert job["pages"][0]["source"] == "text_layer" and job["pages"][0]["language"] == "en"


def test_a_text_layer_in_no_language_is_ocred_and_the_page_says_why(client):
    job = submit(client, pdf_with_lines(consonant_lines()), "broken_layer.pdf").json()
    page = job["pages"][0]
    assert page["source"] == "ocr" and page["text_layer_rejected"] == "text in no language the identifier knows"
    assert len(job["text"]) > 100  # OCR read the drawn letters


def test_unknown_language_is_400_saying_where_to_look(client):
    response = submit(client, data_file("phototest.tif"), language="klingon")
    assert response.status_code == 400
    assert "GET /api/v1/languages/" in response.json()["detail"]


def test_the_languages_endpoint_lists_over_100(client):
    languages = client.get("/api/v1/languages/").json()["languages"]
    assert len(languages) >= 100
    by_code = {language["code"]: language for language in languages}
    assert by_code["ru"]["engine"] == "tesseract" and by_code["en"]["engine"] == "paddle"
    assert "rus" in by_code["ru"]["aliases"]


def test_capabilities_say_what_this_deployment_serves(client):
    capabilities = client.get("/api/v1/capabilities/").json()
    assert capabilities["tiers"]["cpu"]["available"] and not capabilities["tiers"]["vlm"]["available"]
    assert capabilities["tiers"]["cpu"]["profile"] == "accurate"
    assert capabilities["tools"]["extract-tables"]["available"]
    handwriting, translate = capabilities["tools"]["handwriting-to-text"], capabilities["tools"]["translate"]
    assert not handwriting["available"] and "OCRCHAT_VLM_URL" in handwriting["reason"]
    assert not translate["available"] and "OCRCHAT_CHAT_LLM_URL" in translate["reason"]
    assert capabilities["languages"]["count"] >= 100 and "pdf" in capabilities["formats"]
    assert capabilities["chat"]["mode"] == "extractive"
    vlm = submit(client, data_file("phototest.tif"), tier="vlm")
    assert vlm.status_code == 503 and "tier=cpu" in vlm.json()["detail"]
