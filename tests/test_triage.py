"""Triage: per-language danger cues by family, hypothetical questions, and editor-friendly errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.settings import ROOT
from bot.triage import ModelVerdict, Triage, build_triage, load_cue_files

# (language, family, text, lowest acceptable level) — sentences written for these tests.
CASES = [
    ("en", "violence", "he is beating me right now please help", "emergency"),
    ("en", "medical", "my friend is not breathing", "emergency"),
    ("en", "suicide", "i want to kill myself", "emergency"),
    ("en", "trafficking", "they locked us in the house and took our phones", "emergency"),
    ("en", "child_danger", "my son is missing since this morning", "emergency"),
    ("en", "detention_now", "police arrested my husband last night", "urgent"),
    ("en", "deportation_imminent", "they will deport me tomorrow morning", "urgent"),
    ("ar", "violence", "جوزي عم يضربني هلق", "emergency"),
    ("ar", "suicide", "بدي انتحر", "emergency"),
    ("ar", "trafficking", "الكفيل قافل علينا الباب وما بيخلينا نطلع", "emergency"),
    ("ar", "detention_now", "الشرطة مسكت اخوي امبارح", "urgent"),
    ("ar", "deportation_imminent", "رح يرحلوني بكرة", "urgent"),
    ("ar", "suicide", "bade mout, ma 3ad fiye kammel", "emergency"),
    ("fa", "suicide", "میخوام خودکشی کنم", "emergency"),
    ("fa", "medical", "بچم نفس نمیکشه", "emergency"),
    ("fa", "detention_now", "پلیس برادرمو گرفت", "urgent"),
    ("fa", "deportation_imminent", "فردا دیپورتم میکنن", "urgent"),
    ("fa", "suicide", "mikham khodkoshi konam", "emergency"),
    ("ur", "violence", "شوہر مجھے مار رہا ہے", "emergency"),
    ("ur", "suicide", "میں خودکشی کرنا چاہتا ہوں", "emergency"),
    ("ur", "trafficking", "مالک نے کمرے میں بند کر دیا ہے", "emergency"),
    ("ur", "detention_now", "پولیس نے میرے بھائی کو پکڑ لیا", "urgent"),
    ("ur", "suicide", "mujhe khudkushi karni hai", "emergency"),
    ("bn", "violence", "স্বামী আমাকে মারছে", "emergency"),
    ("bn", "suicide", "আমি আত্মহত্যা করতে চাই", "emergency"),
    ("bn", "detention_now", "পুলিশ আমার ভাইকে ধরে নিয়ে গেছে", "urgent"),
    ("bn", "detention_now", "police amar bhai ke dhore niye gese", "urgent"),
    ("fr", "violence", "mon mari me frappe maintenant", "emergency"),
    ("fr", "suicide", "je veux me suicider", "emergency"),
    ("fr", "medical", "mon frere ne respire plus", "emergency"),
    ("fr", "detention_now", "la police a arrêté mon frère hier soir", "urgent"),
    ("fr", "deportation_imminent", "ils vont m'expulser demain matin", "urgent"),
    ("tr", "violence", "kocam beni dövüyor", "emergency"),
    ("tr", "suicide", "intihar etmek istiyorum", "emergency"),
    ("tr", "medical", "kardeşim nefes alamıyor", "emergency"),
    ("tr", "detention_now", "polis kardeşimi gözaltına aldı", "urgent"),
    ("tr", "deportation_imminent", "yarın beni sınır dışı edecekler", "urgent"),
    ("id", "violence", "suami saya memukul saya sekarang", "emergency"),
    ("id", "suicide", "saya mau bunuh diri", "emergency"),
    ("id", "medical", "adik saya tidak bisa bernapas", "emergency"),
    ("id", "detention_now", "polisi menangkap suami saya tadi malam", "urgent"),
]
HYPOTHETICAL = [
    ("en", "what are my rights if the police stop me"),
    ("ar", "شو حقوقي اذا الشرطة وقفتني"),
    ("fa", "اگه پلیس منو بگیره چه حقوقی دارم"),
    ("ur", "اگر پولیس روکے تو میرے کیا حقوق ہیں"),
    ("fr", "quels sont mes droits si la police m'arrête"),
    ("tr", "polis beni durdurursa haklarım neler"),
    ("id", "apa hak saya kalau ditangkap polisi"),
]
ROUTINE = [
    ("en", "how do i register my child for school"),
    ("ar", "وين في دروس تركي ببلاش"),
    ("tr", "ücretsiz türkçe kursu var mı"),
    ("id", "di mana bisa belajar bahasa melayu"),
]
RANK = {"routine": 0, "urgent": 1, "emergency": 2}


@pytest.fixture(scope="module")
def triage() -> Triage:
    return build_triage(ROOT / "knowledge")


@pytest.mark.parametrize(("lang", "family", "text", "level"), CASES)
def test_danger_cues_by_language_and_family(triage: Triage, lang: str, family: str, text: str, level: str) -> None:
    urgency = triage.classify(text)
    assert RANK[urgency.level] >= RANK[level], (text, urgency)
    assert urgency.reasons, "every urgent or emergency verdict says why"


@pytest.mark.parametrize(("lang", "text"), HYPOTHETICAL)
def test_hypothetical_questions_are_routine(triage: Triage, lang: str, text: str) -> None:
    assert triage.classify(text).level == "routine"


@pytest.mark.parametrize(("lang", "text"), ROUTINE)
def test_information_questions_are_routine(triage: Triage, lang: str, text: str) -> None:
    assert triage.classify(text).level == "routine"


def test_a_greeting_with_a_danger_cue_is_an_emergency(triage: Triage) -> None:
    assert triage.classify("salam, my husband is beating me").level == "emergency"


def test_an_emergency_cue_is_never_lowered_by_a_hypothetical_marker(triage: Triage) -> None:
    assert triage.classify("what if he kills me tonight, he is beating me now").level == "emergency"


@pytest.mark.parametrize(("text", "level"), [
    ("my husband was arrested this morning, what if they deport him", "urgent"),
    ("la police a arrêté mon mari ce matin, un mineur peut il le voir ?", "urgent"),
    ("can they deport me if my visa expires", "routine"),
    ("si j'ai un enfant né ici, on peut m'expulser ?", "routine"),
])
def test_a_hypothetical_marker_lowers_only_cues_after_it(triage: Triage, text: str, level: str) -> None:
    assert triage.classify(text).level == level


def test_the_model_layer_raises_but_never_lowers(triage: Triage) -> None:
    assert triage.classify("hello", model=ModelVerdict("emergency", 0.7, 0.8)).level == "emergency"
    assert triage.classify("i want to kill myself", model=ModelVerdict("routine", 0.9, 0.1)).level == "emergency"
    assert "model emergency" in triage.classify("hello", model=ModelVerdict("emergency", 0.7, 0.8)).reasons[0]


WEAK_CUES = {"en": {"cues": [
    {"family": "detention_now", "level": "urgent", "weak": True, "phrases": ["detention centre"]},
    {"family": "detention_now", "level": "urgent", "phrases": ["took my brother"]},
]}}


@pytest.mark.parametrize(("text", "model", "level"), [
    ("how long do they keep people in a detention centre", None, "routine"),
    ("how long do they keep people in a detention centre", ModelVerdict("routine", 0.9, 0.1), "routine"),
    ("they took my brother to the detention centre", None, "urgent"),
    ("he is in the detention centre since this morning", ModelVerdict("routine", 0.6, 0.4), "urgent"),
])
def test_a_weak_cue_counts_only_with_support(text: str, model: ModelVerdict | None, level: str) -> None:
    assert Triage(WEAK_CUES).classify(text, model=model).level == level


def test_a_weak_cue_that_did_not_count_says_why() -> None:
    reasons = Triage(WEAK_CUES).classify("what is a detention centre").reasons
    assert any("weak" in r for r in reasons)


NEGATED_CUES = {
    "en": {"negation": ["not", "never", "don", "didn"], "cues": [
        {"family": "detention_now", "level": "urgent", "phrases": ["arrested"]},
        {"family": "passport_threat", "level": "urgent", "phrases": ["give back my passport"]},
        {"family": "suicide", "level": "emergency", "phrases": ["safe"]}]},
    "ur": {"negation": ["nahi", "نہیں"], "cues": [
        {"family": "detention_now", "level": "urgent", "phrases": ["giraftar kiya"]}]},
}


@pytest.mark.parametrize(("text", "level"), [
    ("my husband was arrested this morning", "urgent"),
    ("he was never arrested, what are his rights at a police check?", "routine"),
    ("they don't give back my passport", "urgent"),            # withholding is the harm: never negated
    ("i am not safe", "emergency"),                         # emergency cues are never negated
    ("police ne mere bhai ko giraftar kiya", "urgent"),
    ("police ne giraftar kiya nahi, sirf poocha", "routine"),  # Urdu negates after the verb
])
def test_a_negation_word_next_to_an_urgent_cue_turns_it_off(text: str, level: str) -> None:
    urgency = Triage(NEGATED_CUES).classify(text)
    assert urgency.level == level, urgency.reasons


def test_every_language_has_every_family(triage: Triage) -> None:
    families = {"violence", "medical", "suicide", "trafficking", "child_danger", "detention_now",
                "deportation_imminent"}
    for lang in ("en", "ar", "fa", "ur", "bn", "fr", "tr", "id"):
        present = {c.family for c in triage.cues.values() if c.language == lang}
        assert families <= present, (lang, families - present)


@pytest.mark.parametrize(("content", "key"), [
    ("cues:\n  - family: violence\n    level: terrible\n    phrases: [x y]\n", "cues[1].level"),
    ("cues:\n  - level: emergency\n    phrases: [knife]\n", "cues[1].family"),
    ("cues:\n  - family: violence\n    level: emergency\n    phrases: ['*']\n", "cues[1].phrases[1]"),
    ("cues: [\n", "(whole file)"),
    ("negation: not\ncues: []\n", "negation"),
    ("cues:\n  - family: deadline\n    level: urgent\n    weak: maybe\n    phrases: [tonight]\n", "cues[1].weak"),
])
def test_a_broken_cue_file_names_file_and_key(tmp_path: Path, content: str, key: str) -> None:
    (tmp_path / "triage").mkdir()
    (tmp_path / "triage" / "sw.yml").write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_cue_files(tmp_path)
    assert "sw.yml" in str(err.value) and key in str(err.value)
