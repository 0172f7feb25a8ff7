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


def _links(request: Request) -> tuple[str, str]:
    """The spec's URL and the files' folder, under the prefix a proxy serves augur at
    (`--root-path`), so every link stays same-origin."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return f"{root}{request.app.openapi_url}", f"{root}{ASSETS}"


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    spec, files = _links(request)
    return get_swagger_ui_html(
        openapi_url=spec,
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{files}/swagger-ui-bundle.js",
        swagger_css_url=f"{files}/swagger-ui.css",
        swagger_favicon_url=f"{files}/favicon.png",
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    spec, files = _links(request)
    script, icon = f"{files}/redoc.standalone.js", f"{files}/favicon.png"
    return get_redoc_html(
        openapi_url=spec,
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=script,
        redoc_favicon_url=icon,
        with_google_fonts=False,  # Google's fonts are not reachable offline either
    )


def install(app: FastAPI) -> None:
    """Serve the two pages and their files; the app must be built with FastAPI's own pages off
    (`docs_url=None, redoc_url=None`)."""
    app.mount(ASSETS, StaticFiles(directory=_FILES), name="docs-static")
    app.include_router(router)
