"""The HTTP API as a FastAPI app over the services: the routes, the error handlers, the docs."""

from fastapi import FastAPI

from serve.api_errors import install_error_handlers
from serve.openapi import DocumentedFastAPI
from serve.origins import install_origin_rules, origins
from serve.routes import account, catalog, chat, downloads, ocr_jobs, page_images
from serve.routes.web import install_web
from serve.services.wiring import Services


def build_http_app(services: Services, cors_origins: str = "") -> FastAPI:
    """`cors_origins`: `OCRCHAT_CORS_ORIGINS` (serve.origins)."""
    app = DocumentedFastAPI(
        title="OCR.chat-compatible OCR service",
        description="Images and PDFs in; text, Markdown and per-block boxes out.",
        docs_url=None,  # served offline by serve.routes.web
        redoc_url=None,
    )
    install_error_handlers(app)
    install_origin_rules(app, origins(cors_origins))
    for routes in (ocr_jobs, downloads, page_images, chat, account, catalog):
        app.include_router(routes.router)
    install_web(app)
    app.state.services = services
    return app
