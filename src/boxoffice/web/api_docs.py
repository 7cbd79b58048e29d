"""The API's reference pages: `/docs` (Swagger UI) and `/redoc`, over the schema at `/openapi.json`.

Their scripts and styles are the files the `fastapi-offline` package installs, served from here: the pages work on
a machine without the Internet, and no CDN learns who reads them. Redoc is told not to load Google's fonts, and
both pages are sent with a Content-Security-Policy that lets them load only from this server: Redoc's sidebar would
otherwise fetch its maker's logo from a CDN.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

SWAGGER_UI = "/docs"
REDOC = "/redoc"
ASSETS = "/docs-assets"
# Inline: the pages' start-up script and the styles both libraries set on elements. blob: is Redoc's search worker.
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'"
)


def assets_folder() -> Path:
    """Where the installed package keeps swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png."""
    return Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """Serve the two pages and their assets. `app` is made with `docs_url=None, redoc_url=None`, so that FastAPI's
    own pages, which load from a CDN, are not there."""
    app.mount(ASSETS, StaticFiles(directory=assets_folder()), name="api-docs-assets")
    app.get(SWAGGER_UI, include_in_schema=False)(swagger_ui)
    app.get(REDOC, include_in_schema=False)(redoc)


# The pages read their app from the request rather than closing over it: FastAPI keeps every endpoint it has seen
# in caches of its own, and an endpoint that held its app would keep each app a process ever made.
async def swagger_ui(request: Request) -> HTMLResponse:
    return _kept_home(
        get_swagger_ui_html(
            openapi_url=_schema(request),
            title=f"{request.app.title} API — Swagger UI",
            swagger_js_url=_asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=_asset(request, "swagger-ui.css"),
            swagger_favicon_url=_asset(request, "favicon.png"),
        )
    )


async def redoc(request: Request) -> HTMLResponse:
    return _kept_home(
        get_redoc_html(
            openapi_url=_schema(request),
            title=f"{request.app.title} API — Redoc",
            redoc_js_url=_asset(request, "redoc.standalone.js"),
            redoc_favicon_url=_asset(request, "favicon.png"),
            with_google_fonts=False,
        )
    )


def _asset(request: Request, name: str) -> str:
    return f"{request.scope.get('root_path', '')}{ASSETS}/{name}"


def _schema(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


def _kept_home(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = POLICY
    return page
