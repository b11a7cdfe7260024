"""Language detection and the conversation-language rules."""

from __future__ import annotations

import pytest

from bot.conversation_language import explicit_choice, next_language
from bot.errors import KnowledgeError, UnknownLanguage
from bot.languages import Language, LanguageDetector, check_language, load_languages

# Messages written for these tests (not taken from the training or evaluation data).
CASES = [
    ("en", "native", "my employer is keeping my salary for three months"),
    ("en", "native", "where can my kids go to school"),
    ("ar", "native", "الكفيل ماخذ جوازي وما بيعطيني راتبي"),
    ("ar", "latin", "el kafil 5ad el basbor w mesh 3ayez yedfa3"),
    ("fa", "native", "کارفرما حقوقم رو نمیده چیکار کنم"),
    ("fa", "latin", "karfarma hoghugham ro nemide chikar konam"),
    ("ur", "native", "میرے بچوں کو سکول میں داخلہ کیسے ملے گا"),
    ("ur", "latin", "mere bachon ko school mein dakhla kaise milega"),
    ("bn", "native", "আমার মালিক বেতন দিচ্ছে না"),
    ("bn", "latin", "amar malik beton dicche na ki korbo"),
    ("fr", "native", "mon patron ne me paie pas depuis deux mois"),
    ("tr", "native", "işveren maaşımı ödemiyor ne yapmalıyım"),
    ("tr", "native", "isveren maasimi odemiyor ne yapmaliyim"),
    ("id", "native", "majikan tidak bayar gaji saya sudah tiga bulan"),
    ("id", "native", "majikan tak bayar gaji saya, macam mana"),
]


@pytest.mark.parametrize(("lang", "script", "text"), CASES)
def test_detects_language_and_script(detector: LanguageDetector, lang: str, script: str, text: str) -> None:
    detection = detector.detect(text)
    assert detection.language == lang
    assert detection.script == script
    assert detection.reliable


@pytest.mark.parametrize(("lang", "text"), [("ur", "بچے کا سکول"), ("bn", "ডাক্তার লাগবে"), ("fa", "وکیل میخوام"),
                                            ("ar", "ابي محامي"), ("tr", "avukat lazım"), ("fr", "besoin d'aide")])
def test_short_messages(detector: LanguageDetector, lang: str, text: str) -> None:
    assert detector.detect(text).language == lang


@pytest.mark.parametrize("text", ["ok", "?", "1", "👍", "...", ""])
def test_short_or_ambiguous_messages_are_not_reliable(detector: LanguageDetector, text: str) -> None:
    assert not detector.detect(text).reliable


@pytest.mark.parametrize("text", ["ok", "?", "1", "👍"])
def test_noise_never_flips_the_conversation_language(detector: LanguageDetector, text: str) -> None:
    detection = detector.detect(text).as_dict()
    assert next_language("ar", False, detection, "en") == "ar"


def test_detection_fills_an_empty_slot_and_reliable_detection_switches() -> None:
    assert next_language(None, False, {"code": "tr", "reliable": False}, "en") == "tr"
    assert next_language(None, False, None, "en") == "en"
    assert next_language("en", False, {"code": "fa", "reliable": True}, "en") == "fa"


def test_an_explicit_choice_wins_over_detection() -> None:
    assert next_language("fr", True, {"code": "ar", "reliable": True}, "en") == "fr"


@pytest.mark.parametrize(("text", "expected"), [("English please", "en"), ("عربي", "ar"), ("urdu", "ur"),
                                                ("Türkçe", "tr"), ("bangla", "bn"), ("français", "fr")])
def test_naming_a_language_chooses_it(table: dict[str, Language], text: str, expected: str) -> None:
    assert explicit_choice(text, "choose_language", table, menu_shown=False) == expected


def test_a_menu_number_chooses_only_after_the_menu(table: dict[str, Language]) -> None:
    assert explicit_choice("2", None, table, menu_shown=True) == list(table)[1]
    assert explicit_choice("2", None, table, menu_shown=False) is None


def test_every_language_is_in_the_table(table: dict[str, Language]) -> None:
    assert set(table) == {"en", "ar", "fa", "ur", "bn", "fr", "tr", "id"}
    assert next(iter(table)) == "en"
    assert {table[c].direction for c in ("ar", "fa", "ur")} == {"rtl"}


def test_unknown_language_is_a_clear_error(table: dict[str, Language]) -> None:
    with pytest.raises(UnknownLanguage, match="unknown language 'xx'; supported: "):
        check_language("xx", table)


def test_a_broken_language_file_names_file_and_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "languages").mkdir()
    (tmp_path / "languages" / "sw.yml").write_text("code: sw\nenglish_name: Swahili\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_languages(tmp_path)
    assert "sw.yml" in str(err.value) and "native_name" in str(err.value)
