"""STOP / START / HELP keywords: whole messages only, in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.keywords import Keyword, Keywords
from bot.settings import ROOT


@pytest.fixture(scope="module")
def keywords() -> Keywords:
    return Keywords.load(ROOT / "knowledge")


@pytest.mark.parametrize(("text", "keyword"), [
    ("STOP", Keyword.STOP), ("stop", Keyword.STOP), (" Stop. ", Keyword.STOP), ("unsubscribe", Keyword.STOP),
    ("توقف", Keyword.STOP), ("بند کرو", Keyword.STOP), ("বন্ধ", Keyword.STOP), ("arrêt", Keyword.STOP),
    ("DUR", Keyword.STOP), ("berhenti", Keyword.STOP),
    ("START", Keyword.START), ("başla", Keyword.START), ("شروع", Keyword.START), ("mulai", Keyword.START),
    ("help", Keyword.HELP), ("AIDE", Keyword.HELP), ("yardım", Keyword.HELP),
    ("delete", Keyword.ERASE), ("احذف", Keyword.ERASE), ("حذف", Keyword.ERASE), ("مٹا دیں", Keyword.ERASE),
    ("মুছুন", Keyword.ERASE), ("supprimer", Keyword.ERASE), ("sil", Keyword.ERASE), ("SİL", Keyword.ERASE),
    ("hapus", Keyword.ERASE), ("abonelikten çık", Keyword.STOP),
])
def test_keywords_in_every_language(keywords: Keywords, text: str, keyword: Keyword) -> None:
    match = keywords.match(text)
    assert match is not None and match.keyword is keyword


@pytest.mark.parametrize("text", ["stop beating me", "please stop", "help me please", "how do i start work",
                                  "delete the photo he took of me", "hapus akun facebook saya",
                                  "توقف عن ضربي", ""])
def test_a_keyword_inside_a_sentence_is_not_a_keyword(keywords: Keywords, text: str) -> None:
    assert keywords.match(text) is None


def test_the_reply_language_follows_the_conversation_when_the_word_is_shared(keywords: Keywords) -> None:
    shared = keywords.match("توقف")  # Arabic and Persian
    assert shared is not None
    assert shared.reply_language("fa") == "fa"
    assert shared.reply_language("en") == "ar"
    english = keywords.match("STOP")
    assert english is not None and english.reply_language("tr") == "tr"


@pytest.mark.parametrize(("content", "key"), [
    ("stop: {en: [STOP]}\nstart: {en: [START]}\n", "help"),
    ("stop: {en: STOP}\nstart: {en: [START]}\nhelp: {en: [HELP]}\n", "stop.en"),
    ("stop: {en: [STOP]}\nstart: {en: [STOP]}\nhelp: {en: [HELP]}\n", "start.en"),
    ("stop: [\n", "(whole file)"),
])
def test_a_broken_keyword_file_names_file_and_key(tmp_path: Path, content: str, key: str) -> None:
    (tmp_path / "keywords.yml").write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        Keywords.load(tmp_path)
    assert "keywords.yml" in str(err.value) and key in str(err.value)
