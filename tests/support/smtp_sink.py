"""A real SMTP server on loopback (aiosmtpd) that records what it receives."""

import socket
import threading
from collections import Counter
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """Records each accepted message's recipients. `hold_after=n` makes the server stop
    answering after the n-th message (it is recorded, its "250 OK" waits for release());
    `seconds_per_message` makes it slow."""

    def __init__(self, hold_after: int | None = None, seconds_per_message: float = 0):
        self.received: list[str] = []
        self.subjects: list[str] = []
        self.hold_after = hold_after
        self.seconds_per_message = seconds_per_message  # a slow server
        self.holding = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        if self.seconds_per_message:
            import asyncio

            await asyncio.sleep(self.seconds_per_message)
        with self._lock:
            self.received.extend(envelope.rcpt_tos)
            self.subjects.append(message_from_bytes(envelope.content)["Subject"])
            count = len(self.subjects)
        if self.hold_after is not None and count == self.hold_after:
            self.holding.set()
            # Never answers while held: the sender is stuck waiting, as when a worker dies mid-send.
            while not self._release.is_set():
                import asyncio

                await asyncio.sleep(0.05)
        return "250 OK"

    def release(self) -> None:
        self._release.set()

    def counts(self) -> Counter:
        with self._lock:
            return Counter(self.received)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.controller.stop()
