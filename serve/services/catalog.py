"""What this deployment serves (tiers, tools, languages, formats, chat mode), and the caller's
plan and usage."""

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

from accounts.metering import Metering, meter_for
from accounts.plans import page_cost
from configs.settings import Settings
from engines.languages import LANGUAGES
from exports.formats import FORMATS
from pipelines.jobs.options import TOOLS, Capabilities
from serve.callers import Caller
from serve.services.capabilities import LiveCapabilities


class Catalog:
    def __init__(self, settings: Settings, serves: LiveCapabilities, has_language_model: bool) -> None:
        self._settings = settings
        self._serves = serves
        self._has_language_model = has_language_model

    @staticmethod
    def languages() -> dict:
        return {
            "auto": "Detect the script (and language where it matters) on each page.",
            "languages": [asdict(language) for language in LANGUAGES.values()],
        }

    async def capabilities(self) -> dict:
        serves = await self._serves.now()
        return {
            "tiers": {
                "cpu": {
                    "available": True,
                    "engines": ["paddle", "tesseract", "pymupdf"],
                    "profile": self._settings.cpu_profile,
                },
                "vlm": {"available": serves.vlm_missing is None, "reason": serves.vlm_missing},
            },
            "tools": {slug: self._tool(slug, serves) for slug in TOOLS},
            "languages": {"count": len(LANGUAGES), "auto": True, "list": "/api/v1/languages/"},
            "formats": list(FORMATS),
            "chat": {"mode": "language_model" if self._has_language_model else "extractive"},
        }

    @staticmethod
    def _tool(slug: str, serves: Capabilities) -> dict:
        tool = TOOLS[slug]
        missing = serves.vlm_missing if tool.vlm_only else None
        missing = missing or (serves.translation_missing if tool.translates else None)
        return {"description": tool.description, "available": missing is None, "reason": missing}


class Account(TypedDict):
    """The caller's plan, the usage of the current period and the balance."""

    account: Annotated[str | None, Field(description="None: an anonymous caller")]
    plan: str
    allowance: Literal["anonymous_daily", "free_monthly", "paid_credits"]
    period: str | None
    used: int
    cap: int
    balance: int
    max_pages_per_file: int
    page_credits: dict[str, int]


class AccountUsage:
    def __init__(self, metering: Metering, settings: Settings) -> None:
        self._metering = metering
        self._settings = settings

    async def usage(self, caller: Caller) -> Account:
        """Plan, credits used and cap of the current period (or of the purchased credits), and
        the balance; anonymous callers see their IP's daily allowance."""
        meter = meter_for(caller.owner, caller.plan, datetime.now(UTC))
        used, cap = await asyncio.to_thread(self._metering.usage, meter)
        return {
            "account": caller.account_id,
            "plan": caller.plan.name,
            "allowance": meter.allowance,
            "period": meter.period,
            "used": used,
            "cap": cap,
            "balance": max(0, cap - used),
            "max_pages_per_file": caller.plan.max_pages_per_file,
            "page_credits": {
                "cpu": page_cost("cpu", self._settings),
                "vlm": page_cost("vlm", self._settings),
                "translate": self._settings.translate_page_credits,
            },
        }
