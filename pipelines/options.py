"""The options of a submitted job (`tier`, `language`, `tool`, `translate_to`), validated."""

from dataclasses import dataclass

from engines.languages import normalize_language

TIERS = ("cpu", "vlm")
# Why the vlm tier answers 503 on this deployment (it is not built yet).
VLM_UNAVAILABLE = "The vlm tier is not deployed on this server; use tier=cpu."


@dataclass(frozen=True)
class ToolPreset:
    description: str
    needs: str | None  # what the tool needs that this deployment lacks; None: it runs here


# The tool presets (`tool=`), in one place: the API, /api/v1/capabilities/ and the README.
TOOLS: dict[str, ToolPreset] = {
    "extract-tables": ToolPreset("Tables first: each page's tables in `tables`, the csv export and Word tables.", None),
    "handwriting-to-text": ToolPreset("Handwriting, read by the vlm tier.", "the vlm tier"),
    "translate": ToolPreset("The recognised text translated to `translate_to`.", "a translation model"),
}


class OptionError(ValueError):
    """A bad option; `status` is 400 for a wrong value, 503 for a missing capability."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class JobOptions:
    tier: str
    language: str
    tool: str | None
    translate_to: str | None


def parse_options(tier: str | None, language: str | None, tool: str | None, translate_to: str | None) -> JobOptions:
    tier = (tier or "cpu").strip().lower()
    if tier not in TIERS:
        raise OptionError(f"Unknown tier {tier!r}; choose one of: {', '.join(TIERS)}.")
    try:
        language = normalize_language(language or "auto")
    except ValueError as exc:
        raise OptionError(str(exc)) from exc
    tool = (tool or "").strip().lower() or None
    if tool is not None and tool not in TOOLS:
        raise OptionError(f"Unknown tool {tool!r}; choose one of: {', '.join(TOOLS)}.")
    if translate_to and tool != "translate":
        raise OptionError("translate_to is only used with tool=translate.")
    if tier == "vlm":
        raise OptionError(VLM_UNAVAILABLE, status=503)
    if tool is not None and TOOLS[tool].needs is not None:
        needs = TOOLS[tool].needs
        raise OptionError(f"The {tool} tool needs {needs}, which this server does not have.", status=503)
    return JobOptions(tier=tier, language=language, tool=tool, translate_to=translate_to or None)
