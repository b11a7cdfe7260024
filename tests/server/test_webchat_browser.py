"""The web chat page in a real headless Chromium: send, read the reply, right-to-left, phone-sized."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bot.knowledge import KnowledgeBase
from tests.browser import headless_chromium
from tests.server.conftest import Stack

pytestmark = [pytest.mark.server, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Debian's chromium, headless, phone-sized (360x740)."""
    with headless_chromium(*(360, 740)) as chrome:
        yield chrome


def bot_messages(browser: webdriver.Chrome) -> list:
    return browser.find_elements(By.CSS_SELECTOR, ".msg.bot")


def test_chat_in_arabic_right_to_left(stack: Stack, browser: webdriver.Chrome, kb: KnowledgeBase) -> None:
    browser.get(stack.url + "/chat")
    box = browser.find_element(By.ID, "text")
    box.send_keys("السلام عليكم، كيف اسجل عند المفوضية")
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 60).until(lambda b: len(bot_messages(b)) >= 2)
    first = bot_messages(browser)[0]
    assert first.text.strip() == kb.text("ar", "welcome").strip()
    assert bot_messages(browser)[1].text.strip() == kb.text("ar", "privacy_notice", days=30).strip()
    assert first.get_attribute("dir") == "rtl"
    mine = browser.find_element(By.CSS_SELECTOR, ".msg.me")
    assert mine.get_attribute("dir") == "rtl"
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth"), "no sideways scrolling on a phone"


def test_language_menu_buttons_work(stack: Stack, browser: webdriver.Chrome, kb: KnowledgeBase) -> None:
    browser.execute_script("localStorage.clear()")
    browser.get(stack.url + "/chat")
    browser.find_element(By.ID, "text").send_keys("hello")
    browser.find_element(By.ID, "send").click()
    button = WebDriverWait(browser, 60).until(
        ec.element_to_be_clickable((By.XPATH, "//div[@class='buttons']/button[contains(., 'Français')]")))
    before = len(bot_messages(browser))
    button.click()
    WebDriverWait(browser, 60).until(lambda b: len(bot_messages(b)) > before)
    assert bot_messages(browser)[before].text.strip() == kb.text("fr", "language_set").strip()
    assert bot_messages(browser)[before].get_attribute("dir") == "ltr"


def test_a_volunteers_reply_appears_in_the_web_chat(stack: Stack, browser: webdriver.Chrome,
                                                    kb: KnowledgeBase) -> None:
    from bot.handoff import HandoffStore
    from bot.volunteers import VolunteerStore
    from tests.server.test_handoff import rafiq

    browser.execute_script("localStorage.clear()")
    browser.get(stack.url + "/chat")
    helper = VolunteerStore(stack.env["RAFIQ_DATABASE_URL"]).add("Web Chat Volunteer", ["en"], "telegram", "9400001")
    browser.find_element(By.ID, "text").send_keys("I want to talk to a human volunteer please")
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 60).until(
        lambda b: any(kb.text("en", "handoff_quiet") in m.text for m in bot_messages(b)))
    sender = browser.execute_script("return localStorage.getItem('rafiq-sender')")
    case = HandoffStore(stack.env["RAFIQ_DATABASE_URL"]).open_for(sender)
    assert case is not None
    rafiq(stack.env, "handoff", "claim", str(case.id), "--volunteer", helper.name)
    rafiq(stack.env, "handoff", "reply", str(case.id), "مرحبا، أنا متطوعة. كيف أساعدك؟")
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".msg.volunteer"))
    shown = browser.find_element(By.CSS_SELECTOR, ".msg.volunteer")
    assert shown.text == "مرحبا، أنا متطوعة. كيف أساعدك؟" and shown.get_attribute("dir") == "rtl"
    assert any(m.text == kb.text("en", "handoff_claimed") for m in bot_messages(browser))
    rafiq(stack.env, "handoff", "close", str(case.id))
