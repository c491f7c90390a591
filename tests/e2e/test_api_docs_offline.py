"""The interactive API docs work offline: in Debian's Chromium, with every request that is not to
the local server refused, Swagger UI draws the review routes and ReDoc draws its page — their
JavaScript, CSS and icon come from the server (the fastapi-offline wheel), not a CDN."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from omnigen.api.devserver import free_port, start_local_server, stop


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    proc = start_local_server(tmp_path_factory.mktemp("docs-home"), port, {})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.mark.parametrize(("page", "drawn"), [("docs", ".opblock-tag"), ("redoc", "[role=menuitem], .menu-content")])
def test_docs_render_with_the_network_cut_off(server, browser, page, drawn):
    context = browser.new_context()
    elsewhere: list[str] = []

    def only_local(route) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    tab = context.new_page()
    try:
        tab.goto(f"{server}/api/v1/{page}")
        tab.wait_for_selector(drawn, timeout=30_000)
        text = tab.inner_text("body")
        assert "share links" in text.lower() and "review" in text.lower()  # the tags, drawn from openapi.json
        assert elsewhere == [], elsewhere
    finally:
        context.close()
