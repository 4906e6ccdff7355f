"""The job options and the tool presets' routing, on deployments with and without a VLM and a
translation model."""

import pytest

from pipelines.jobs.options import TOOLS, Capabilities, OptionError, parse_options

EVERYTHING = Capabilities(vlm_missing=None, translation_missing=None)
CPU_ONLY = Capabilities(vlm_missing="no vlm here", translation_missing="no language model here")


def parse(serves: Capabilities = EVERYTHING, tier=None, language=None, tool=None, translate_to=None):
    return parse_options(tier, language, tool, translate_to, serves)


def refused(status: int, **fields) -> str:
    with pytest.raises(OptionError) as error:
        parse(**fields)
    assert error.value.status == status
    return str(error.value)


def test_defaults_are_cpu_auto_ocr():
    options = parse(CPU_ONLY)
    assert (options.tier, options.language, options.tool, options.translate_to, options.task) == (
        "cpu", "auto", None, None, "ocr")  # fmt: skip


def test_extract_tables_runs_on_either_tier_and_asks_the_vlm_for_tables():
    assert parse(CPU_ONLY, tool="extract-tables").tier == "cpu"
    on_vlm = parse(tier="vlm", tool="Extract-Tables ")
    assert (on_vlm.tier, on_vlm.tool, on_vlm.task) == ("vlm", "extract-tables", "table")


def test_handwriting_switches_cpu_to_vlm_or_explains_why_it_cannot():
    switched = parse(tier="cpu", tool="handwriting-to-text")
    assert (switched.tier, switched.task) == ("vlm", "handwriting")
    message = refused(503, serves=CPU_ONLY, tool="handwriting-to-text")
    assert "vlm tier" in message and "no vlm here" in message


def test_translate_needs_a_target_language_and_a_language_model():
    options = parse(tool="translate", translate_to="DEU")
    assert (options.translate_to, options.task, options.tier) == ("de", "ocr", "cpu")
    assert "translate_to" in refused(400, tool="translate")
    assert "not a language code" in refused(400, tool="translate", translate_to="auto")
    assert "Unsupported language" in refused(400, tool="translate", translate_to="klingon")
    assert refused(503, serves=CPU_ONLY, tool="translate", translate_to="de") == "no language model here"


def test_translate_to_without_the_translate_tool_is_400():
    assert "only used with tool=translate" in refused(400, translate_to="de")


def test_unknown_tool_tier_or_language_is_400_listing_the_choices():
    assert all(slug in refused(400, tool="summarise") for slug in TOOLS)
    assert "cpu, vlm" in refused(400, tier="gpu")
    assert "Unsupported language" in refused(400, language="xx-nope")


def test_the_vlm_tier_is_503_where_it_is_not_deployed():
    assert refused(503, serves=CPU_ONLY, tier="vlm") == "no vlm here"
    assert parse(tier="VLM").tier == "vlm"
