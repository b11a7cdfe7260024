"""Telegram through the webhook: updates in with the secret token, Rasa and the action server, replies out
through python-telegram-bot's own Bot to the loopback fake of the Bot API."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from bot.article_select import choose
from bot.knowledge import KnowledgeBase
from bot.settings import ROOT
from tests.server.conftest import Stack, sent_to, wait_for

PATH = "/webhooks/telegram/webhook"
_updates = itertools.count(1000)
_chats = itertools.count(7_000_001)


def chat() -> str:
    """A fresh chat id."""
    return str(next(_chats))


def update(chat_id: str, text: str | None = None, update_id: int | None = None, **fields: Any) -> dict[str, Any]:
    """A Telegram Update with a private message (text, or other fields such as a photo)."""
    message = {"message_id": next(_updates), "date": int(time.time()),
               "chat": {"id": int(chat_id), "type": "private", "first_name": "Test"},
               "from": {"id": int(chat_id), "is_bot": False, "first_name": "Test"}, **fields}
    if text is not None:
        message["text"] = text
    return {"update_id": update_id or next(_updates), "message": message}


def post(stack: Stack, body: Any, secret: str | None = "default") -> int:
    """POST an update as Telegram would; returns the status."""
    token = stack.env["TELEGRAM_WEBHOOK_SECRET"] if secret == "default" else secret
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = token
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(stack.url + PATH, data, headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_a_question_is_answered_in_the_chat(stack: Stack, kb: KnowledgeBase) -> None:
    chat_id = chat()
    assert post(stack, update(chat_id, "hello")) == 200
    greeting = len(wait_for(stack.fakes, chat_id, 1, settle=1))
    assert post(stack, update(chat_id, "how can my children go to school here")) == 200
    bodies = wait_for(stack.fakes, chat_id, greeting + 1, settle=1)[greeting:]
    article = choose(kb, "how can my children go to school here", "education", None)
    assert article is not None and any(article.translations["en"].long in b for b in bodies)
    assert all(len(b) <= 4096 for b in bodies)


def test_a_missing_or_wrong_secret_gets_403_and_no_reply(stack: Stack) -> None:
    chat_id = chat()
    assert post(stack, update(chat_id, "hello"), secret=None) == 403
    assert post(stack, update(chat_id, "hello"), secret="not-the-secret") == 403
    time.sleep(2)
    assert sent_to(stack.fakes, chat_id) == []


def test_a_malformed_update_gets_400(stack: Stack) -> None:
    assert post(stack, b"{not json") == 400
    assert post(stack, {"no_update_id": True}) == 400


def test_a_replayed_update_gets_one_reply(stack: Stack) -> None:
    chat_id = chat()
    same = update(chat_id, "hello")
    assert post(stack, same) == 200
    first = wait_for(stack.fakes, chat_id, 1, settle=2)
    assert post(stack, same) == 200
    assert wait_for(stack.fakes, chat_id, len(first) + 1, timeout=4) == first


def test_the_language_menu_is_an_inline_keyboard_and_a_press_is_understood(stack: Stack, kb: KnowledgeBase) -> None:
    chat_id = chat()
    post(stack, update(chat_id, "hello"))
    wait_for(stack.fakes, chat_id, 2, settle=1)
    menu = next(m for m in sent_to(stack.fakes, chat_id) if m["reply_markup"])
    keyboard = json.loads(menu["reply_markup"])["inline_keyboard"]
    turkish = next(row[0] for row in keyboard if "Türkçe" in row[0]["text"])
    before = len(sent_to(stack.fakes, chat_id))
    press = {"update_id": next(_updates), "callback_query": {
        "id": "cb-1", "chat_instance": "ci", "data": turkish["callback_data"],
        "from": {"id": int(chat_id), "is_bot": False, "first_name": "Test"},
        "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": int(chat_id), "type": "private"}}}}
    assert post(stack, press) == 200
    assert kb.text("tr", "language_set") in wait_for(stack.fakes, chat_id, before + 1, settle=1)[before:]
    calls = [c for c in stack.fakes.state.calls if c["method"] == "answerCallbackQuery"]
    assert any(c.get("callback_query_id") == "cb-1" for c in calls)


def test_a_voice_note_or_sticker_gets_a_text_only_reply(stack: Stack, kb: KnowledgeBase) -> None:
    chat_id = chat()
    voice = {"voice": {"file_id": "v1", "file_unique_id": "u1", "duration": 3}}
    assert post(stack, update(chat_id, None, **voice)) == 200
    assert wait_for(stack.fakes, chat_id, 1) == [kb.text("en", "media_unsupported")]
    location = {"location": {"latitude": 41.0, "longitude": 29.0}}
    assert post(stack, update(chat_id, None, **location)) == 200
    assert wait_for(stack.fakes, chat_id, 2)[-1] == kb.text("en", "media_unsupported")


def test_an_edited_message_is_answered(stack: Stack, kb: KnowledgeBase) -> None:
    chat_id = chat()
    edited = update(chat_id, "STOP")
    edited["edited_message"] = edited.pop("message")
    assert post(stack, edited) == 200
    assert wait_for(stack.fakes, chat_id, 1) == [kb.text("en", "keyword_stop")]


def test_retry_after_is_honoured(stack: Stack) -> None:
    chat_id = chat()
    stack.fakes.state.failures["telegram"].append(429)
    started = time.monotonic()
    post(stack, update(chat_id, "hello"))
    assert wait_for(stack.fakes, chat_id, 1)
    assert time.monotonic() - started >= 1.0  # the fake asked to retry after 1 s


def test_set_webhook_registers_the_public_url_and_secret(stack: Stack) -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "telegram", "set-webhook"], cwd=ROOT, env=stack.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = [c for c in stack.fakes.state.calls if c["method"] == "setWebhook"]
    assert calls[-1]["url"] == stack.env["RAFIQ_PUBLIC_URL"] + PATH
    assert calls[-1]["secret_token"] == stack.env["TELEGRAM_WEBHOOK_SECRET"]
    assert stack.env["TELEGRAM_BOT_TOKEN"] not in result.stdout + result.stderr


def test_set_webhook_without_a_secret_fails_closed(stack: Stack) -> None:
    env = {k: v for k, v in stack.env.items() if k != "TELEGRAM_WEBHOOK_SECRET"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "telegram", "set-webhook"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr


