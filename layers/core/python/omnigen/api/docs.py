"""The interactive API docs (Swagger UI and ReDoc), working offline: their JavaScript, CSS and
icon are served by this server from the `fastapi-offline` wheel's copy, never from a CDN. The
pages carry a Content-Security-Policy that allows only this server, so nothing in the bundles can
reach out either (ReDoc's bundle would fetch its maker's logo from a CDN; it is hidden too)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from omnigen.api.security_headers import DOCS_CSP


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI, api: str) -> None:
    """Swagger UI at `{api}/docs` and ReDoc at `{api}/redoc`: each page is built once, from the
    bundles served under `{api}/docs-assets`, and one handler serves both by the route asked."""
    base = f"{api}/docs-assets"
    app.mount(base, StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi = f"{api}/openapi.json"
    pages = {
        f"{api}/docs": get_swagger_ui_html(
            openapi_url=openapi,
            title=f"{app.title} · docs",
            swagger_js_url=f"{base}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}/swagger-ui.css",
            swagger_favicon_url=f"{base}/favicon.png",
        ),
        f"{api}/redoc": get_redoc_html(
            openapi_url=openapi,
            title=f"{app.title} · ReDoc",
            redoc_js_url=f"{base}/redoc.standalone.js",
            redoc_favicon_url=f"{base}/favicon.png",
            with_google_fonts=False,
        ),
    }
    html = {path: _offline(page) for path, page in pages.items()}

    def docs_page(request: Request) -> HTMLResponse:
        return HTMLResponse(html[request.scope["route"].path], headers={"Content-Security-Policy": DOCS_CSP})

    for path in html:
        app.add_api_route(path, docs_page, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)


HIDE_EXTERNAL = '<style>a[href*="redocly.com"], img[src^="http"] { display: none !important; }</style>'


def _offline(page: HTMLResponse) -> str:
    """The page's HTML with anything that would load from elsewhere hidden."""
    return bytes(page.body).decode().replace("</head>", HIDE_EXTERNAL + "</head>", 1)
