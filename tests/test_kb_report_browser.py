"""`rafiq kb report` opened in a real headless Chromium: the coverage matrix and an out-of-date translation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from bot.kb_report import report
from bot.replies import TOPICS
from tests.browser import headless_chromium
from tests.conftest import LANGS
from tests.kb_fixture import TODAY, edit, make_knowledge

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Debian's chromium, headless, desktop-sized."""
    with headless_chromium(*(1280, 900)) as chrome:
        yield chrome


@pytest.fixture
def page(tmp_path: Path, browser: webdriver.Chrome) -> webdriver.Chrome:
    """The report of a small knowledge folder whose French asylum translation is out of date."""
    knowledge = make_knowledge(tmp_path)
    edit(knowledge / "articles/asylum/asylum-right-to-seek.yml",
         lambda d: d["translations"]["fr"].__setitem__("source_revision", 1))
    out = tmp_path / "kb-report.html"
    out.write_text(report(knowledge, TODAY), encoding="utf-8")
    browser.get(out.as_uri())
    return browser


def test_coverage_matrix_shows_every_topic_and_language(page: webdriver.Chrome) -> None:
    table = page.find_element(By.ID, "coverage-table")
    topics = [th.get_attribute("data-topic") for th in table.find_elements(By.CSS_SELECTOR, "tbody th[data-topic]")]
    assert topics == [*TOPICS, "all topics"]
    languages = [th.get_attribute("data-lang") for th in table.find_elements(By.CSS_SELECTOR, "thead th[data-lang]")]
    assert languages == list(LANGS)
    assert all(th.is_displayed() for th in table.find_elements(By.CSS_SELECTOR, "th"))
    asylum = table.find_element(By.XPATH, ".//tr[th[@data-topic='asylum']]")
    cells = {td.get_attribute("data-lang"): td.text for td in asylum.find_elements(By.CSS_SELECTOR, "td[data-lang]")}
    assert cells["fr"] == "0 · 1 · 0"
    assert cells["ar"] == "1 · 0 · 0"
    native = table.find_element(By.CSS_SELECTOR, "thead th[data-lang='ar'] span[lang='ar']")
    assert native.get_attribute("dir") == "rtl"


def test_stale_translation_is_listed(page: webdriver.Chrome) -> None:
    rows = page.find_elements(By.CSS_SELECTOR, "#stale-table tbody tr")
    assert [[td.text for td in row.find_elements(By.TAG_NAME, "td")][:5] for row in rows] == [
        ["asylum-right-to-seek", "knowledge/articles/asylum/asylum-right-to-seek.yml", "French (fr)", "1", "2"]]
    findings = page.find_element(By.ID, "findings-table").text
    assert "translations.fr.source_revision" in findings


def test_sms_cells_are_right_to_left_for_arabic_script(page: webdriver.Chrome) -> None:
    cell = page.find_element(By.CSS_SELECTOR, "#sms-table td[lang='fa']")
    assert cell.get_attribute("dir") == "rtl"
    assert "UCS-2" in cell.text
    assert page.find_element(By.CSS_SELECTOR, "#sms-table td[lang='en']").get_attribute("dir") == "ltr"
