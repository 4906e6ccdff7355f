"""The `fast` cpu profile: PP-OCRv6 tiny reads Latin pages; languages tiny lacks go to Tesseract."""

import numpy as np
import pytest
from PIL import Image

from engines.router import cpu_router
from tests.documents import DATA, truth
from tests.scoring import cer


@pytest.fixture(scope="module")
def fast_router(tmp_path_factory):
    return cpu_router(tmp_path_factory.mktemp("models"), 2, 1600, "fast")


def test_fast_profile_reads_an_english_page(fast_router):
    image = np.asarray(Image.open(DATA / "phototest.tif").convert("RGB"))
    page = fast_router.recognize(image, "en")
    assert page.engine == "paddle"
    assert cer(" ".join(block.text for block in page.blocks), " ".join(truth("phototest.txt").split())) < 0.03


def test_fast_profile_gives_japanese_to_tesseract(fast_router):
    image = np.asarray(Image.open(DATA / "phototest.tif").convert("RGB"))
    assert fast_router.recognize(image, "ja").engine == "tesseract"
