"""A small reverse proxy on 127.0.0.1 for the tests, in front of several app processes, that
sends every request (HTTP and websocket) to the one backend the test picks: what a visitor
meets when their next page is served by another process behind the hosted instance's proxy
(Caddy in ``compose.yaml``), all under one origin."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.streamlit_server import free_port

HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length",
       "content-encoding"}


class SwitchProxy:
    """``with SwitchProxy(backends) as url``; ``proxy.use(i)`` picks the backend."""

    def __init__(self, backends: list[str]):
        self.backends, self.current = backends, 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def use(self, i: int) -> None:
        self.current = i

    async def _http(self, request: Request) -> Response:
        target = self.backends[self.current] + request.url.path
        if request.url.query:
            target += "?" + request.url.query
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        async with httpx.AsyncClient(follow_redirects=False, timeout=120) as client:
            r = await client.request(request.method, target, headers=headers,
                                     content=await request.body())
        out = Response(r.content, status_code=r.status_code)
        for k, v in r.headers.multi_items():
            if k.lower() not in HOP:
                out.headers.append(k, v)
        return out

    async def _ws(self, ws: WebSocket) -> None:
        url = self.backends[self.current].replace("http", "ws", 1) + ws.url.path
        protocols = [p.strip() for p in ws.headers.get("sec-websocket-protocol", "").split(",")
                     if p.strip()]
        headers = {k: v for k, v in ws.headers.items()
                   if k.lower() in ("cookie", "origin", "user-agent")}
        async with websockets.connect(url, subprotocols=protocols or None,
                                      additional_headers=headers, max_size=None) as up:
            await ws.accept(subprotocol=up.subprotocol)

            async def down() -> None:
                async for message in up:
                    if isinstance(message, bytes):
                        await ws.send_bytes(message)
                    else:
                        await ws.send_text(message)

            task = asyncio.create_task(down())
            try:
                while True:
                    m = await ws.receive()
                    if m["type"] == "websocket.disconnect":
                        break
                    await up.send(m["bytes"] if m.get("bytes") is not None else m["text"])
            except (WebSocketDisconnect, websockets.ConnectionClosed):
                pass
            finally:
                task.cancel()

    def __enter__(self) -> SwitchProxy:
        app = Starlette(routes=[
            WebSocketRoute("/{path:path}", self._ws),
            Route("/{path:path}", self._http, methods=["GET", "POST", "PUT", "DELETE", "HEAD",
                                                        "OPTIONS", "PATCH"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.time() + 30
        while not self._server.started and time.time() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        with contextlib.suppress(RuntimeError):
            self._thread.join(timeout=10)
