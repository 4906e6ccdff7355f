"""The web page at `/` (static files in `serve/web`, no build step) and the API docs at `/docs`,
whose Swagger UI files come from the `fastapi-offline` package: nothing is fetched from outside
the machine."""

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

WEB = Path(__file__).parent.parent / "web"
DOCS_FILES = Path(fastapi_offline.__file__).parent / "static"
TITLE = "OCR.chat-compatible OCR service"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} - API docs",
        swagger_js_url="/docs-files/swagger-ui-bundle.js",
        swagger_css_url="/docs-files/swagger-ui.css",
        swagger_favicon_url="/docs-files/favicon.png",
    )


def install_web(app: FastAPI) -> None:
    """The page, its files under `/web/`, and the docs pages with their files under `/docs-files/`."""
    app.include_router(router)
    app.mount("/web", StaticFiles(directory=WEB), name="web")
    app.mount("/docs-files", StaticFiles(directory=DOCS_FILES), name="docs-files")
