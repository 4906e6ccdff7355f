"""`/api/v1/languages/` and `/api/v1/capabilities/`: what this deployment reads and serves;
`/healthz`: whether it can take a document now."""

from fastapi import APIRouter, HTTPException

from serve.routes.dependencies import ServicesDep

router = APIRouter()


@router.get("/api/v1/languages/", summary="The languages the cpu tier reads")
async def languages(services: ServicesDep) -> dict:
    """Every accepted `language` code: its name, script, the engine that reads it and the
    other codes accepted for it. `auto` detects the script per page."""
    return services.catalog.languages()


@router.get("/api/v1/capabilities/", summary="What this deployment serves")
async def capabilities(services: ServicesDep) -> dict:
    """The tiers, tools, languages, download formats and chat mode of this deployment."""
    return await services.catalog.capabilities()


@router.get("/healthz", include_in_schema=False)
async def healthz(services: ServicesDep) -> dict:
    try:
        await services.health.check()
    except Exception as exc:  # any failure means not able to take a document now
        raise HTTPException(503, f"Not ready: {type(exc).__name__}") from exc
    return {"status": "ok"}
