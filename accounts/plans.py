"""What each kind of caller may use: the page allowance and its window, the per-file page
cap and the queue priority. Numbers come from the settings (`OCRCHAT_*`)."""

from dataclasses import dataclass

from configs.settings import Settings

ANONYMOUS = "anonymous"
FREE = "free"
PAID = "paid"
PLANS = (FREE, PAID)


@dataclass(frozen=True)
class Plan:
    name: str
    # "day" or "month": a calendar (UTC) window with `allowance` credits; None: purchased credits.
    window: str | None
    allowance: int
    max_pages_per_file: int
    priority: int  # lower runs first when long jobs wait for a slot


def plan_named(name: str, settings: Settings) -> Plan:
    if name == ANONYMOUS:
        return Plan(ANONYMOUS, "day", settings.anonymous_daily_pages, settings.anonymous_max_pages_per_file, 2)
    if name == FREE:
        return Plan(FREE, "month", settings.free_monthly_pages, settings.free_max_pages_per_file, 1)
    if name == PAID:
        return Plan(PAID, None, 0, settings.paid_max_pages_per_file, 0)
    raise ValueError(f"Unknown plan {name!r}; choose one of {', '.join(PLANS)}.")


def page_cost(tier: str, settings: Settings, translated: bool = False) -> int:
    """Credits one page costs on `tier`; more when it is translated (two language-model calls)."""
    cost = settings.vlm_page_credits if tier == "vlm" else settings.cpu_page_credits
    return cost + (settings.translate_page_credits if translated else 0)
