"""The options of a submitted job (`tier`, `language`, `tool`, `translate_to`), validated, and
the tool presets they select."""

from dataclasses import dataclass

from engines.languages import LANGUAGES, normalize_language

TIERS = ("cpu", "vlm")


@dataclass(frozen=True)
class ToolPreset:
    description: str
    vlm_task: str  # what the VLM is asked to do for this tool (its task prompt): ocr, table, handwriting
    vlm_only: bool = False  # the cpu tier cannot do it: `tier=cpu` switches to vlm
    translates: bool = False  # needs `translate_to` and the deployment's language model


# The tool presets (`tool=`), in one place: the API, /api/v1/capabilities/ and the README.
TOOLS: dict[str, ToolPreset] = {
    "extract-tables": ToolPreset(
        "Tables first: each page's tables in `tables`, the csv export and Word tables (either tier; "
        "on vlm the model's table recognition).",
        vlm_task="table",
    ),
    "handwriting-to-text": ToolPreset(
        "Handwriting, read by the vlm tier (`tier=cpu` switches to vlm and its price).",
        vlm_task="handwriting",
        vlm_only=True,
    ),
    "translate": ToolPreset(
        "The recognised text and Markdown translated to `translate_to` by the deployment's language "
        "model; blocks keep the original text, `source_text` the page's original text.",
        vlm_task="ocr",
        translates=True,
    ),
}


@dataclass(frozen=True)
class Capabilities:
    """What this deployment can do: why the vlm tier or translation is missing (None: served)."""

    vlm_missing: str | None
    translation_missing: str | None


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
    task: str = "ocr"  # the VLM's task on the vlm tier


def parse_options(
    tier: str | None, language: str | None, tool: str | None, translate_to: str | None, serves: Capabilities
) -> JobOptions:
    """Validate the options (400) and check this deployment serves them (503, never charged)."""
    tier = _tier(tier)
    language = _language(language or "auto")
    tool = (tool or "").strip().lower() or None
    if tool is not None and tool not in TOOLS:
        raise OptionError(f"Unknown tool {tool!r}; choose one of: {', '.join(TOOLS)}.")
    preset = TOOLS[tool] if tool else None
    translate_to = _translate_to(translate_to, preset)
    if preset is not None and preset.vlm_only:
        if serves.vlm_missing is not None:
            raise OptionError(f"The {tool} tool needs the vlm tier, which this server lacks: {serves.vlm_missing}", 503)
        tier = "vlm"
    if tier == "vlm" and serves.vlm_missing is not None:
        raise OptionError(serves.vlm_missing, status=503)
    if translate_to is not None and serves.translation_missing is not None:
        raise OptionError(serves.translation_missing, status=503)
    task = preset.vlm_task if preset is not None else "ocr"
    return JobOptions(tier=tier, language=language, tool=tool, translate_to=translate_to, task=task)


def _tier(tier: str | None) -> str:
    tier = (tier or "cpu").strip().lower()
    if tier not in TIERS:
        raise OptionError(f"Unknown tier {tier!r}; choose one of: {', '.join(TIERS)}.")
    return tier


def _language(language: str) -> str:
    try:
        return normalize_language(language)
    except ValueError as exc:
        raise OptionError(str(exc)) from exc


def _translate_to(translate_to: str | None, preset: ToolPreset | None) -> str | None:
    """The target language's code; required with tool=translate, refused without it."""
    translate_to = (translate_to or "").strip() or None
    translates = preset is not None and preset.translates
    if translate_to is None:
        if translates:
            raise OptionError("tool=translate needs translate_to, the target language's code (e.g. en, de, ja).")
        return None
    if not translates:
        raise OptionError("translate_to is only used with tool=translate.")
    code = _language(translate_to)
    if code not in LANGUAGES:  # "auto" or a script name is not a target
        raise OptionError(f"translate_to={translate_to!r} is not a language code; see /api/v1/languages/.")
    return code
