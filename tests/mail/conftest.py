"""A real SMTP server on localhost (aiosmtpd) for the e-mail tests, on a port the system picks."""
from __future__ import annotations

import asyncio
import email
import email.policy
import threading

import pytest
from aiosmtpd.smtp import SMTP


class Inbox:
    """What the server received; `refuse` answers the next N messages with a temporary
    refusal (451), as a busy server does."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture(scope="session")
def _smtp_server():
    inbox = Inbox()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="smtpd", daemon=True)
    thread.start()

    async def listen():
        return await loop.create_server(lambda: SMTP(inbox, hostname="localhost"),
                                        host="127.0.0.1", port=0)

    server = asyncio.run_coroutine_threadsafe(listen(), loop).result(10)
    port = server.sockets[0].getsockname()[1]
    yield inbox, port
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def smtp(app, _smtp_server):
    """The server's inbox, emptied, with the app configured to send to it."""
    inbox, port = _smtp_server
    inbox.messages.clear()
    inbox.refuse = 0
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                      MAIL_USE_SSL=False, MAIL_USERNAME="", MAIL_PASSWORD="",
                      MAIL_DEFAULT_SENDER="drafting@apec.test",
                      PUBLIC_URL="https://drafting.apec.test")
    return inbox
