"""The redaction filter on log handlers: what a library logs is scrubbed before it is written."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logsafe

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("rafiq.test.logsafe")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    assert logsafe.install() >= 1
    yield stream
    logger.removeHandler(handler)


def test_phone_numbers_ids_and_tokens_never_reach_the_log(captured: io.StringIO) -> None:
    logger = logging.getLogger("rafiq.test.logsafe")
    logger.info("message from %s: my passport is %s", "+90 532 111 22 33", "U12345678")
    logger.warning("POST https://api.telegram.org/bot%s/sendMessage failed", TOKEN)
    text = captured.getvalue()
    assert "532 111" not in text and "U12345678" not in text and TOKEN not in text
    assert "[phone]" in text and "[id number]" in text and "[token]" in text


def test_exception_text_is_scrubbed_too(captured: io.StringIO) -> None:
    logger = logging.getLogger("rafiq.test.logsafe")
    try:
        raise ValueError("cannot parse yusuf@example.org")
    except ValueError:
        logger.exception("failed")
    text = captured.getvalue()
    assert "yusuf@example.org" not in text and "[email]" in text and "ValueError" in text


def test_installing_twice_adds_one_filter(captured: io.StringIO) -> None:
    logsafe.install()
    handler = logging.getLogger("rafiq.test.logsafe").handlers[0]
    assert sum(isinstance(f, logsafe.RedactingFilter) for f in handler.filters) == 1
