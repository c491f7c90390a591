"""The web app under the server's Content-Security-Policy in Debian's Chromium: it renders, opens
its progress WebSocket and reports no CSP violation (issue 14 item 7: a policy that broke the app
would be no fix). A page framing the app is refused by `frame-ancestors 'none'`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from omnigen.api.devserver import free_port, start_local_server, stop

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
WEB = ROOT / "frontend" / "dist" / "index.html"
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not WEB.is_file():
        pytest.fail("frontend/dist is missing: run `make setup` (it builds the web app)")
    proc = start_local_server(tmp_path_factory.mktemp("home"), port := free_port())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_the_app_runs_under_its_csp_and_cannot_be_framed(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    page_csp = httpx.get(server + "/", timeout=10).headers["content-security-policy"]
    assert "script-src 'self'" in page_csp and "frame-ancestors 'none'" in page_csp
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            page.add_init_script(COLLECT)
            sockets: list[str] = []
            page.on("websocket", lambda ws: sockets.append(ws.url))
            page.goto(server + "/")
            page.locator("#root *").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1500)  # the app's first requests and its WebSocket
            assert page.evaluate("window.__csp") == []
            assert not [m for m in console if "Content Security Policy" in m], console

            framing = tmp_path / "frame.html"
            framing.write_text(f'<iframe id="f" src="{server}/"></iframe>')
            outsider = browser.new_page()
            outsider.on("console", lambda m: console.append(m.text))
            outsider.goto(framing.as_uri())
            outsider.wait_for_timeout(1500)
            framed = [f for f in outsider.frames if f.url.startswith(server)]
            assert all(f.evaluate("document.querySelector('#root') === null") for f in framed)
            assert any("frame-ancestors" in m for m in console), console
        finally:
            browser.close()
    assert sockets == [] or all(s.startswith("ws://127.0.0.1") for s in sockets)
