"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives: for the mail tests and
for the browser tests that follow an emailed link."""
from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
import time

from aiosmtpd.controller import Controller

from .live import free_port

__all__ = ["Recorder", "SMTPServer", "first_link", "free_port", "wait_for_message"]


class Recorder:
    """An aiosmtpd handler that keeps what it receives, and can refuse or stall on request."""

    def __init__(self):
        self.port: int | None = None  # set by the SMTPServer it listens for
        self.messages: list[email.message.EmailMessage] = []
        self.delivered = threading.Event()
        self.at_recipient = threading.Event()
        self.stall_next = False
        self.rcpt_answer: str | None = None
        self.data_answer: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.at_recipient.set()
        if self.stall_next:
            # Hang the exchange before DATA, until the client dies or the server stops.
            self.stall_next = False
            await asyncio.Event().wait()
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_answer:
            return self.data_answer
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.delivered.set()
        return "250 Message accepted for delivery"

    def with_id(self, message_id: str) -> list:
        """The received messages carrying `message_id`."""
        return [m for m in self.messages if m["Message-ID"] == message_id]


class SMTPServer:
    """A real SMTP server on 127.0.0.1:`port`, started and stopped at will."""

    def __init__(self, port: int):
        self.port = port
        self.recorder = Recorder()
        self.recorder.port = port
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None



def wait_for_message(recorder: Recorder, to: str, subject: str, timeout: float = 30.0):
    """The first message to `to` whose subject contains `subject`, waiting up to `timeout` seconds
    for the background job that sends it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in recorder.messages:
            if message["To"] == to and subject in message["Subject"]:
                return message
        recorder.delivered.wait(0.2)
        recorder.delivered.clear()
    raise AssertionError(f"No email to {to} about {subject!r} within {timeout:.0f}s; "
                         f"received: {[(m['To'], m['Subject']) for m in recorder.messages]}")


def first_link(message) -> str:
    """The first http(s) link in a plain-text message."""
    match = re.search(r"https?://\S+", message.get_content())
    assert match, message.get_content()
    return match.group(0)
