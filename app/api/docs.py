"""`/docs` (Swagger UI) and `/redoc`, served by augur itself so they work on a cluster with no
way out to the internet.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, Google's fonts and a favicon from
fastapi.tiangolo.com; offline they are blank. Here the same pages (FastAPI's HTML) point at
files augur serves from the `fastapi-offline` package under `/docs/static/`: Swagger UI 5
(which reads OpenAPI 3.1, the version FastAPI writes; the `swagger-ui-bundle` package ships
Swagger UI 4, which refuses it), the ReDoc 2 standalone bundle and a favicon. Only that
package's data files are used, not its app factory. ReDoc is kept rather than turned off because
the same package ships it at no cost, and it reads the long template schemas better than Swagger
UI does; it is told not to load Google's fonts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS", "install"]

#: Where the pages' scripts, stylesheet and icon are served.
ASSETS = "/docs/static"
_FILES = Path(str(resources.files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False)


def _root(request: Request) -> str:
    """The prefix a proxy serves augur under (`--root-path`), so links stay same-origin."""
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
        with_google_fonts=False,
    )


def install(app: FastAPI) -> None:
    """Serve the two pages and their files; the app must be built with FastAPI's own pages off
    (`docs_url=None, redoc_url=None`)."""
    app.mount(ASSETS, StaticFiles(directory=_FILES), name="docs-static")
    app.include_router(router)
