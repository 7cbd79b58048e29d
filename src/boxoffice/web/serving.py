"""How `boxoffice serve` runs Uvicorn: one process, or a supervisor and N workers sharing the listening sockets.

With workers, each keeps its metrics in files of a private directory made before they start and removed after
they stop (see `boxoffice.kit.metrics`), and the supervisor tells the metrics when one ends, so that a dead
worker's gauges no longer count. With a metrics port, a second socket is bound beside the API's and handed to the
same processes: the app answers only scrapes on it (`Boxoffice.dispatch`)."""

from __future__ import annotations

import logging
import socket
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess

from boxoffice.kit import metrics

log = logging.getLogger("uvicorn.error")


class _Workers(Multiprocess):
    """Uvicorn's supervisor, which also marks the metrics of every worker it replaced as dead."""

    def _mark_gone(self, before: set[int | None]) -> None:
        for pid in before - {process.pid for process in self.processes}:
            if pid is not None:
                metrics.mark_dead(pid)

    def keep_subprocess_alive(self) -> None:
        before = {process.pid for process in self.processes}
        super().keep_subprocess_alive()
        self._mark_gone(before)

    def restart_all(self) -> None:
        before = {process.pid for process in self.processes}
        super().restart_all()
        self._mark_gone(before)


def _metrics_socket(config: uvicorn.Config, port: int) -> socket.socket:
    """The metrics port, on the API's interface."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, port))
    except OSError as error:
        log.error("metrics port %d: %s", port, error)
        sys.exit(STARTUP_FAILURE)
    sock.listen(config.backlog)
    sock.set_inheritable(True)
    log.info("Metrics on http://%s:%d/metrics", config.host, port)
    return sock


def run(config: uvicorn.Config, metrics_port: int | None) -> None:
    if config.workers > 1:
        with metrics.shared_directory():
            sockets = [config.bind_socket()]
            if metrics_port is not None:
                sockets.append(_metrics_socket(config, metrics_port))
            _Workers(config, sockets=sockets).run()
        return
    server = uvicorn.Server(config)
    if metrics_port is None:
        server.run()
    else:
        main = config.bind_socket()
        main.listen(config.backlog)
        server.run([main, _metrics_socket(config, metrics_port)])
    if not server.started:
        sys.exit(STARTUP_FAILURE)
