"""Wake-ups for the delivery worker: it sleeps until an event commits, never polls.

In one process a `threading.Event` is enough: the transaction that writes deliveries sets
it on commit. Workers in other processes are told too:

- PostgreSQL: a `NOTIFY` sent inside the transaction reaches every worker that `LISTEN`s,
  on any machine, at the moment of commit.
- SQLite (one machine by nature): each worker process binds a Unix datagram socket in the
  data directory, in a folder named after the database file; a commit sends one byte to
  every socket there. Sockets left behind by killed processes are removed on first refusal.
"""

import contextlib
import hashlib
import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction

from webhooks.store import postgres_notify

logger = logging.getLogger(__name__)

CHANNEL = "sandbox_deliveries"
# AF_UNIX paths are limited to 108 bytes on Linux (104 on macOS).
MAX_SOCKET_PATH = 100

deliveries_ready = threading.Event()

_sender: socket.socket | None = None
_sender_lock = threading.Lock()


def notify_delivery_workers(*, here: bool = True) -> None:
    """Call inside the transaction that wrote deliveries (or changed when they are due).

    `here=False` leaves this process's worker asleep: the delivery worker's own attempt
    threads pass it, since the worker wakes itself after an attempt when it has work
    waiting (see `webhooks.worker`); other processes' workers are woken all the same.
    """
    if connection.vendor == "postgresql":
        # Our own listener skips this: it is for other processes' workers.
        postgres_notify(CHANNEL, _process_token())
        if here:
            transaction.on_commit(deliveries_ready.set)
    elif connection.vendor == "sqlite":
        transaction.on_commit(_wake_sqlite_workers if here else _wake_other_sqlite_workers)
    elif here:
        transaction.on_commit(deliveries_ready.set)


def wake_local_worker() -> None:
    """Wake this process's worker loop (an attempt finished, or it must stop)."""
    deliveries_ready.set()


_token: tuple[int, str] | None = None


def _process_token() -> str:
    # Names this process in NOTIFY payloads; made afresh in a forked child.
    global _token
    if _token is None or _token[0] != os.getpid():
        _token = (os.getpid(), f"{os.getpid()}-{secrets.token_hex(4)}")
    return _token[1]


_socket_dirs: dict[str, Path] = {}


def _socket_dir() -> Path | None:
    if not hasattr(socket, "AF_UNIX"):
        return None
    name = str(connection.settings_dict["NAME"])
    folder = _socket_dirs.get(name)
    if folder is None:
        digest = hashlib.sha1(str(Path(name).resolve()).encode(), usedforsecurity=False).hexdigest()[:12]
        folder = _socket_dirs[name] = Path(settings.DATA_DIR) / "wakeup" / digest
    return folder


# The other processes' sockets per folder, with the folder's mtime when listed: a commit
# lists the folder again only when a socket came or went since (one stat, not a scandir).
_peers: dict[Path, tuple[int, list[str]]] = {}
_peers_lock = threading.Lock()
# File times advance in clock ticks: a socket bound in the same tick as the change before
# it would leave the folder's mtime as it was. A listing is kept only when taken this long
# after the last change, so any later change shows as a new mtime.
_SETTLED_NS = 50_000_000


def _peer_sockets(folder: Path) -> list[str]:
    try:
        mtime = os.stat(folder).st_mtime_ns
    except FileNotFoundError:
        return []
    known = _peers.get(folder)
    if known is not None and known[0] == mtime:
        return known[1]
    own = f"{os.getpid()}-"
    try:
        paths = [
            entry.path
            for entry in os.scandir(folder)
            if entry.name.endswith(".sock") and not entry.name.startswith(own)
        ]
    except FileNotFoundError:
        return []
    if time.time_ns() - mtime > _SETTLED_NS:
        with _peers_lock:
            _peers[folder] = (mtime, paths)
    return paths


def _wake_sqlite_workers() -> None:
    deliveries_ready.set()
    _wake_other_sqlite_workers()


def _wake_other_sqlite_workers() -> None:
    folder = _socket_dir()
    if folder is None:
        return
    for path in _peer_sockets(folder):
        _send_byte(path)


def _send_byte(path: str) -> None:
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            _sender.setblocking(False)
        sender = _sender
    try:
        sender.sendto(b"!", path)
    except ConnectionRefusedError:
        # Nobody is bound any more: the process that made it was killed.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    except (FileNotFoundError, BlockingIOError):
        # Gone already, or its queue is full (it has a wake-up pending anyway).
        pass
    except OSError as exc:
        logger.debug("wake-up to %s failed: %s", path, exc)


class Listener(Protocol):
    def close(self) -> None: ...


class _NoListener:
    def close(self) -> None:
        pass


class _SocketListener:
    """Receives SQLite wake-ups from other processes and sets `deliveries_ready`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{os.getpid()}-{secrets.token_hex(4)}.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.closed = False
        self.thread = threading.Thread(target=self._run, name="sandbox-wakeup", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.closed:
            try:
                self.sock.recv(64)
            except OSError:
                return
            deliveries_ready.set()

    def close(self) -> None:
        self.closed = True
        # A byte to ourselves unblocks recv(); then the socket and its file go.
        with contextlib.suppress(OSError):
            self.sock.sendto(b"!", str(self.path))
        self.thread.join(timeout=2)
        self.sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class _PostgresListener:
    """LISTENs on its own autocommit connection and sets `deliveries_ready` per NOTIFY."""

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        self.params: dict[str, Any] = {"dbname": settings_dict["NAME"], "autocommit": True}
        for key, param in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
            if settings_dict.get(key):
                self.params[param] = settings_dict[key]
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sandbox-listen", daemon=True)
        self.thread.start()
        # Do not miss a NOTIFY sent between now and the first LISTEN.
        self.ready.wait(timeout=5)

    def _run(self) -> None:
        import psycopg

        while not self.stop.is_set():
            try:
                with psycopg.connect(**self.params) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    # Anything committed while we were not listening is picked up now.
                    deliveries_ready.set()
                    while not self.stop.is_set():
                        # The timeout only bounds how long close() waits for this thread.
                        for notify in conn.notifies(timeout=1.0):
                            # This process's own commits wake its worker directly.
                            if notify.payload != _process_token():
                                deliveries_ready.set()
            except psycopg.Error as exc:
                logger.warning("delivery wake-up listener lost its connection: %s", exc)
                self.ready.set()
                self.stop.wait(1.0)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=3)


def wakeup_listen() -> Listener:
    """Start receiving wake-ups sent by other processes; `close()` the result when done."""
    if connection.vendor == "postgresql":
        return _PostgresListener(dict(connection.settings_dict))
    if connection.vendor == "sqlite":
        folder = _socket_dir()
        if folder is not None and len(str(folder)) + 30 <= MAX_SOCKET_PATH:
            return _SocketListener(folder)
        logger.info("no cross-process wake-ups (socket path too long or unsupported)")
    return _NoListener()
