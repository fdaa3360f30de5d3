"""Several server workers: their connections send at once (TCP_NODELAY), as a single worker's do."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from returnhub.web.serving import tcp_listener


async def _no_app(scope: object, receive: object, send: object) -> None:
    return None


def _config() -> uvicorn.Config:
    return uvicorn.Config(_no_app, host="127.0.0.1", port=0, workers=2, log_config=None)


def _nodelay_of_a_connection(listener: socket.socket) -> int:
    """TCP_NODELAY on a connection accepted by asyncio from ``listener``, as a uvicorn worker accepts it."""

    async def accept_one() -> int:
        loop = asyncio.get_running_loop()
        seen: asyncio.Future[int] = loop.create_future()

        class Accepted(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await loop.create_server(Accepted, sock=listener)
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(accept_one())


def test_the_workers_listener_gives_connections_tcp_nodelay() -> None:
    assert _nodelay_of_a_connection(tcp_listener(_config())) != 0


def test_uvicorn_s_own_listener_still_leaves_nagle_on() -> None:
    """Kludex/uvicorn#3149. When this fails, uvicorn has fixed it and ``web.serving`` can go."""
    assert _nodelay_of_a_connection(_config().bind_socket()) == 0
