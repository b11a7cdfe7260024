"""Redaction of personal data in what a person wrote, before a volunteer sees the summary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.redact import redact, summary

PHONES = [
    ("en", "Call me on +90 532 123 45 67 please", "Call me on [phone] please"),
    ("en", "(021) 555 1234 is my home", "[phone] is my home"),
    ("en", "Tel: 555 12 34", "Tel: [phone]"),
    ("en", "call 555 1234 after 5", "call [phone] after 5"),
    ("en", "on 12.05.2024 05321234567", "on 12.05.2024 [phone]"),
    ("en", "https://api.whatsapp.com/send?phone=905321234567", "[phone]"),
    ("tr", "Numaram 0532-123-4567", "Numaram [phone]"),
    ("tr", "telefonum 0532.123.45.67", "telefonum [phone]"),
    ("ar", "رقمي 00962791234567", "رقمي [phone]"),
    ("ar", "رقمي ٠٧٩١٢٣٤٥٦٧", "رقمي [phone]"),
    ("fa", "شماره من ۰۹۱۲ ۱۲۳ ۴۵۶۷ است", "شماره من [phone] است"),
    ("fa", "+۹۳ ۷۰ ۱۲۳ ۴۵۶۷", "[phone]"),
    ("ur", "میرا نمبر 0300 1234567 ہے", "میرا نمبر [phone] ہے"),
    ("ur-rom", "mera number 0300 1234567 hai", "mera number [phone] hai"),
    ("bn", "আমার নম্বর ০১৭১২৩৪৫৬৭৮", "আমার নম্বর [phone]"),
    ("bn-rom", "amar number +880 1712 345678", "amar number [phone]"),
    ("fr", "mon numéro 06 12 34 56 78", "mon numéro [phone]"),
    ("id", "nomor saya 0812-3456-7890", "nomor saya [phone]"),
    ("id", "hubungi wa.me/6281234567890 ya", "hubungi [phone] ya"),
]

EMAILS = [
    ("en", "my email is ali.khan+x@gmail.com", "my email is [email]"),
    ("ar", "بريدي ali@example.com", "بريدي [email]"),
    ("fa", "ایمیل من zahra.r@yahoo.com است", "ایمیل من [email] است"),
    ("ur", "میری ای میل bilal_k@hotmail.com ہے", "میری ای میل [email] ہے"),
    ("bn", "আমার ইমেইল rahim.uddin@mail.com", "আমার ইমেইল [email]"),
    ("fr", "mon e-mail: fatima@orange.fr", "mon e-mail: [email]"),
    ("tr", "e-postam mehmet.yilmaz@posta.com.tr", "e-postam [email]"),
    ("id", "email saya siti-n@yahoo.co.id ya", "email saya [email] ya"),
]

IDS = [
    ("en", "passport P1234567 and U12345678", "passport [id number] and [id number]"),
    ("en", "my ID A12-345-678 and 123-45678C and 98765432101", "my ID [id number] and [id number] and [id number]"),
    ("en", "UNHCR case no 123-19C12345", "UNHCR case no [id number]"),
    ("en", "residence permit no. 123-45678C", "residence permit no. [id number]"),
    ("en", "P 1234567 is my passport", "[id number] is my passport"),
    ("tr", "pasaport numaram U12345678", "pasaport numaram [id number]"),
    ("tr", "kimlik no: 99123456789", "kimlik no: [id number]"),
    ("ar", "رقم جواز السفر 12345678", "رقم جواز السفر [id number]"),
    ("fa", "شماره پاسپورت من P12345678 است", "شماره پاسپورت من [id number] است"),
    ("ur", "پاسپورٹ نمبر AB1234567 ہے", "پاسپورٹ نمبر [id number] ہے"),
    ("ur", "ایڈی 1234567890123", "ایڈی [id number]"),
    ("bn", "পাসপোর্ট নম্বর A01234567", "পাসপোর্ট নম্বর [id number]"),
    ("bn-rom", "NID 1234567890", "NID [id number]"),
    ("fr", "passeport n° 12AB34567", "passeport n° [id number]"),
    ("fr", "mon titre de séjour 1234567890", "mon titre de séjour [id number]"),
    ("id", "NIK saya 3171234567890001", "NIK saya [id number]"),
    ("id", "KTP 3171234567890001", "KTP [id number]"),
]

NAMES = [
    ("en", "My name is Ali Reza and I need help", "My name is [name] and I need help"),
    ("en", "my name is ali, I am 17", "my name is [name], I am 17"),
    ("en", "I am called Fatima Zahra.", "I am called [name]."),
    ("en", "Call me Ali", "Call me [name]"),
    ("ar", "اسمي محمد أحمد، عمري ٢٥", "اسمي [name]، عمري ٢٥"),
    ("ar", "أنا اسمي عبد الله", "أنا اسمي [name]"),
    ("ar-rom", "ismi ahmad", "ismi [name]"),
    ("fa", "اسم من علی رضایی است", "اسم من [name] است"),
    ("fa", "اسمم زهرا است و ۳۰ سالمه", "اسمم [name] است و ۳۰ سالمه"),
    ("fa-rom", "esmam Ali ast", "esmam [name] ast"),
    ("ur", "میرا نام علی خان ہے", "میرا نام [name] ہے"),
    ("ur-rom", "mera naam ali khan hai", "mera naam [name] hai"),
    ("ur-rom", "mera naam Ali hai", "mera naam [name] hai"),
    ("bn", "আমার নাম রহিম উদ্দিন। আমি ঢাকা থেকে", "আমার নাম [name]। আমি ঢাকা থেকে"),
    ("bn-rom", "amar nam rahim", "amar nam [name]"),
    ("fr", "je m'appelle Fatima Zahra, j'ai 30 ans", "je m'appelle [name], j'ai 30 ans"),
    ("fr", "Mon nom est Karim Benali", "Mon nom est [name]"),
    ("tr", "Benim adım Mehmet Yılmaz ve 3 çocuğum var", "Benim adım [name] ve 3 çocuğum var"),
    ("tr", "adım Ayşe", "adım [name]"),
    ("id", "nama saya Ahmad bin Ismail dari Malaysia", "nama saya [name] dari Malaysia"),
    ("id", "saya bernama budi", "saya bernama [name]"),
]

ADDRESSES = [
    ("en", "I live at 15 Main Street, London", "I live at [address], London"),
    ("en", "Flat 3, 12 High Road", "[address]"),
    ("fr", "12 rue de la Paix, Paris", "[address], Paris"),
    ("tr", "Atatürk Cad. No: 15 Daire 3 Kadıköy", "[address] Kadıköy"),
    ("tr", "Bağlar Mahallesi 123. Sokak No: 4 Daire 5", "[address]"),
    ("id", "Jl. Sudirman No. 45 RT 03/RW 05, Jakarta", "[address], Jakarta"),
    ("ar", "أسكن في شارع الملك حسين رقم 15", "أسكن في [address]"),
    ("fa", "خیابان آزادی، کوچه ۱۲، پلاک ۵", "[address]"),
    ("ur", "مکان نمبر 12، گلی نمبر 5، لاہور", "[address]، لاہور"),
    ("ur-rom", "makan number 12, gali number 5 lahore", "[address] lahore"),
    ("bn", "বাড়ি ১২, রোড ৫, ঢাকা", "[address], ঢাকা"),
    ("bn", "১২ নম্বর রোড", "[address]"),
    ("bn-rom", "bari 12, road 5, dhaka", "[address], dhaka"),
]

KEPT = [
    ("en", "In 2023 I came. I am 17. I paid 500 lira. I have 3 children."),
    ("en", "On 12/05/2024 at 10:30, see article 33 of the convention"),
    ("en", "Directive 2013/33/EU, COVID-19, iPhone 15, 4G, A4"),
    ("en", "Born 2015 2017 2019. Date 01.05.2024 and 2024-05-01, between 10:30-11:45"),
    ("en", "Room 1203, 2019-2023"),
    ("en", "my passport expired in 2023"),
    ("en", "my name is not important"),
    ("en", "Call me tomorrow"),
    ("en", "I live on Main Street"),
    ("en", "I have 3 children and the street is dangerous"),
    ("en", "I was on the road for 3 days"),
    ("en", "I live on the 1st floor, flat 3"),
    ("ar", "عمري ١٧ سنة ولدي ٣ أطفال"),
    ("fa", "۱۷ سالمه و ۳ بچه دارم، سال ۱۴۰۲ آمدم"),
    ("fa", "I paid 1 500 000 toman"),
    ("ur", "میری عمر 17 سال ہے"),
    ("ur", "Rs 1500000 diye"),
    ("bn", "আমার বয়স ১৭ বছর, ৩ সন্তান"),
    ("fr", "je suis malade, j'ai 30 ans et 2 enfants, loi du 10 septembre 2018"),
    ("tr", "3 çocuğum var, 2023'te geldim, 1.500.000 TL"),
    ("tr", "ilk adım olarak ne yapmalıyım"),
    ("id", "saya punya 3 anak, umur 17 tahun, bayar 150000000 rupiah"),
    ("id", "saya jalan 5 km, saya butuh bantuan, Rp 1.500.000"),
]


def _ids(cases: list[tuple[str, str, str]]) -> list[str]:
    """Test ids: language and a prefix of the input."""
    return [f"{lang}:{text[:24]}" for lang, text, _ in cases]


@pytest.mark.parametrize(("lang", "text", "expected"), PHONES, ids=_ids(PHONES))
def test_phone_numbers_are_redacted(lang: str, text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("lang", "text", "expected"), EMAILS, ids=_ids(EMAILS))
def test_emails_are_redacted(lang: str, text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("lang", "text", "expected"), IDS, ids=_ids(IDS))
def test_id_numbers_are_redacted(lang: str, text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("lang", "text", "expected"), NAMES, ids=_ids(NAMES))
def test_self_introduced_names_are_redacted(lang: str, text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("lang", "text", "expected"), ADDRESSES, ids=_ids(ADDRESSES))
def test_street_addresses_are_redacted(lang: str, text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("lang", "text"), KEPT, ids=[f"{lang}:{text[:24]}" for lang, text in KEPT])
def test_ordinary_numbers_and_words_are_kept(lang: str, text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize("case", PHONES + EMAILS + IDS + NAMES + ADDRESSES, ids=_ids(PHONES + EMAILS + IDS + NAMES
                                                                                       + ADDRESSES))
def test_redaction_is_idempotent(case: tuple[str, str, str]) -> None:
    assert redact(case[2]) == case[2]


def test_mixed_message_redacts_every_kind() -> None:
    text = "My name is Omar Haddad, passport P1234567, tel +90 532 123 45 67, omar@x.org, 5 Main Street. I am 17."
    assert redact(text) == "My name is [name], passport [id number], tel [phone], [email], [address]. I am 17."


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text(text: str) -> None:
    assert redact(text).strip() == ""


def test_summary_redacts_joins_and_collapses_whitespace() -> None:
    messages = ["my name is Ali", "  ", "call me on\n0532 123 45 67", "I have   3 children"]
    assert summary(messages) == "my name is [name] / call me on [phone] / I have 3 children"


def test_summary_truncates_at_a_word_boundary() -> None:
    messages = ["I need help with my asylum appointment"] * 10
    text = summary(messages, limit=60)
    assert len(text) <= 60
    assert text.endswith("…")
    assert text == "I need help with my asylum appointment / I need help with…"


def test_summary_never_cuts_a_placeholder_in_half() -> None:
    text = summary(["passport number P1234567 please"], limit=27)
    assert text == "passport number…"
    assert "[id" not in text


def test_summary_keeps_short_text_whole() -> None:
    assert summary(["hello"], limit=280) == "hello"
    assert summary([]) == ""


def test_module_does_not_import_rasa() -> None:
    code = "import sys, bot.redact; bot.redact.redact('x'); print(any(m.startswith('rasa') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
