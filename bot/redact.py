"""Redaction of personal data (phones, e-mails, ID numbers, names, street addresses) in what a person wrote."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

PHONE, EMAIL, ID_NUMBER, NAME, ADDRESS = "[phone]", "[email]", "[id number]", "[name]", "[address]"

_SPACE = re.compile(r"\s+")
_GAP = re.compile(r"[ \t\u00a0]+")
# Currency words around a number make it an amount, never a phone or an ID.
_MONEY = (r"lira|tl|₺|rp\.?|rupiah|taka|tk|৳|rs\.?|rupees?|pkr|€|\$|£|euros?|dollars?|usd|eur|afn|afghanis?|"
          r"tomans?|rials?|dinars?|jd|jod|riyals?|dirhams?|ringgit|rm|idr|bdt|try|irr|sar|aed|gbp|francs?|fcfa|"
          r"juta|ribu|lakh|crore|million|thousand|ليرة|دينار|ريال|دولار|تومان|ریال|افغانی|روپے|روپیہ|টাকা|هزار|ہزار")
_PHONE_CUE = (r"call|ara|appelle[rz]?|hubungi|اتصل|زنگ|phone|tel|telephone|telefon|telefonum|mobile|mobil|cell|"
              r"whatsapp|wa|hp|handphone|number|numara|numaram|num[ée]ro|portable|nomor|nombor|contact|رقم|رقمي|"
              r"هاتف|هاتفي|جوال|موبايل|واتساب|تلفن|شماره|شمارم|موبایل|واتساپ|نمبر|فون|موبائل|নম্বর|ফোন|মোবাইল")
_ID_CUE = (r"passport|pasaport|pasaportu|paspor|passeport|id|i\.d\.|identity|identit[ée]|kimlik|ykn|ikamet|iqama|"
           r"residence\s+permit|permit|titre\s+de\s+s[ée]jour|carte\s+de\s+s[ée]jour|r[ée]c[ée]piss[ée]|ktp|nik|"
           r"kitas|kitap|nid|cnic|unhcr|case|dossier|file|mykad|ic|جواز|هوية|هويتي|بطاقة|ملف|الملف|القضية|إقامة|"
           r"اقامة|پاسپورت|گذرنامه|کارت|شناسنامه|تذکره|آمایش|اقامت|پرونده|پاسپورٹ|شناختی|ایڈی|آئی\s*ڈی|کارڈ|"
           r"পাসপোর্ট|এনআইডি|আইডি|পরিচয়পত্র|কেস")
_ID_FILL = (r"no\.?|nr\.?|n°|num(?:ber|[ée]ro)?|nomor|nombor|numaras[ıi]|numaram|numara|is|est|adalah|my|mon|ma|"
            r"saya|benim|card|carte|kart[ıi]?|رقم|رقمي|سفر|سفري|السفر|شماره|من|نمبر|میرا|میری|کا|নম্বর|নং|"
            r"আমার|হলো|কার্ড")
_STREET = (r"street|road|avenue|boulevard|lane|rue|allée|chemin|impasse|quai|sokak|sokağı|sokagi|cadde|caddesi|"
           r"mahallesi|mahalle|bulvar|bulvarı|bulvari|gang|lorong|gali|galli|sarak|sadak|straße|strasse|شارع|خیابان|"
           r"خيابان|کوچه|بلوار|میدان|گلی|سڑک|روڈ|محلہ|রোড|সড়ক|লেন|গলি")
_STREET_ABBR = r"st|str|rd|ave|blvd|sok|sk|cad|cd|mah|mh|blv|gg|jln|jl"
_UNIT = (r"apartment|apt|flat|daire|d|no|nr|numara|kat|floor|étage|appartement|app|bâtiment|bina|blok|block|"
         r"rumah|lantai|rt|rw|house|makan|ghar|bari|basa|پلاک|واحد|طبقه|شقة|منزل|بناية|عمارة|مکان|فلیٹ|گھر|বাসা|"
         r"বাড়ি|ফ্ল্যাট")
_NUM_CUE = r"no|nr|numara|number|nomor|رقم|پلاک|نمبر|নম্বর|নং"
# Self-introduction cues: strong ones take a lower-case first word, weak ones need a capitalised one.
_NAME_STRONG = (r"my\s+name\s+is|my\s+name's|(?:full\s+)?name\s*:|je\s+m['’]\s*appelle|mon\s+nom\s+(?:est|c['’]est)|"
                r"nom\s*:|benim\s+ad[ıi]m|benim\s+ismim|ad[ıi]m\s+soyad[ıi]m|nama\s+saya|saya\s+bernama|nama\s+aku|"
                r"namaku|nama\s*:|mera\s+naa?m|meraa\s+naa?m|amar\s+naa?m|ismi|esmi|esmam|esme\s+man|"
                r"أنا\s+اسمي|اسمي|إسمي|اسمى|اسم\s+من|اسمم|نام\s+من|نامم|میرا\s+نام|আমার\s+নাম")
_NAME_WEAK = r"i\s+am\s+called|i['’]m\s+called|call\s+me|ad[ıi]m|ismim|panggil\s+saya"
_STOP = set(("and i i'm im am is are was from of not a an the very in at my me so ok here with by to for but or "
             "hai he hay h hain hoon hun ho ast hast hastam ve ile dan et je j'ai mais tapi saya aku ben dari yaş "
             "umur tahun ans age years mujhe main mai mein aur se ka ki ke ko ami amar ebong theke man va "
             "است هست هستم میباشد می‌باشد و من از در ہے ہیں ہوں اور میں سے کا کی کے في عمري أنا انا وأنا عندي "
             "وعندي হয় এবং আমি আর থেকে আমার বয়স").split())
_ROMAN = {"mera", "meraa", "amar", "ismi", "esmi", "esmam", "esme"}
_CONNECT = {"bin", "binti", "bint", "ibn", "bte", "al", "el", "de", "da", "van", "von", "ud", "عبد", "بن", "ابن",
            "أبو", "ابو", "بنت"}


def _chars(ranges: tuple[tuple[int, int], ...], cats: str) -> str:
    """Characters of the code point ranges whose Unicode category starts with one of `cats` (and ZWNJ)."""
    return "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1)
                   if unicodedata.category(chr(c))[0] in cats or c == 0x200C)


@dataclass(frozen=True)
class _Patterns:
    """The compiled patterns, built once on first use."""

    email: re.Pattern[str]
    whatsapp: re.Pattern[str]
    cued_id: re.Pattern[str]
    loose_id: re.Pattern[str]
    phone: re.Pattern[str]
    phone_cue: re.Pattern[str]
    money_before: re.Pattern[str]
    money_after: re.Pattern[str]
    date: re.Pattern[str]
    thousands: re.Pattern[str]
    address: re.Pattern[str]
    address_gap: re.Pattern[str]
    name_cue: re.Pattern[str]
    name_token: re.Pattern[str]


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    """Compile every pattern (lazily, once)."""
    latin = _chars(((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F)), "L")
    upper = "".join(c for c in latin if c.isupper())
    other = _chars(((0x600, 0x6FF), (0x750, 0x77F), (0x980, 0x9FF)), "LM")
    end = r"(?![^\W\d_])"
    num = r"\d+(?:[A-Za-z](?![A-Za-z]))?(?:[/-]\d+[A-Za-z]?)?(?!\d)"
    word = rf"(?:[{upper}][{latin}'’-]*|[{other}]+)"
    after = rf"(?!(?:I|My|We|The|Je|Ben|Saya|Aku|Please)\s)(?:{word}|(?:de|du|des|la|le|les|al|el|of)(?=\s))"
    cue = rf"(?:\s*(?i:{_NUM_CUE}){end}\.?\s*[:#]?)"
    street = rf"(?<![{latin}])(?:(?:(?i:{_STREET})|Jalan|JALAN){end}|(?i:{_STREET_ABBR}){end}\.?)"
    left = rf"(?:{num}\.?,?\s+(?:{word}\s+){{0,3}}(?:[{latin}]+\s+)?|(?:[{upper}][{latin}'’-]*\s+){{0,3}})"
    address = (rf"(?P<s>{left}{street}"
               rf"(?:\s+(?!(?i:{_NUM_CUE}){end}){after}){{0,3}}(?:{cue}?\s*{num})?)"
               rf"|(?<![{latin}])(?i:{_UNIT}){end}\.?{cue}?\s*[:#]?\s*{num}")
    return _Patterns(
        email=re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+"),
        whatsapp=re.compile(r"(?:https?://)?(?:www\.)?(?:wa\.me|api\.whatsapp\.com/send\?phone=|chat\.whatsapp\.com)"
                            r"/?[\w+/=-]*", re.I),
        cued_id=re.compile(rf"(?<![A-Za-z])(?:{_ID_CUE}){end}(?P<gap>(?:[\s:#\-–(),]*(?:{_ID_FILL}|{_ID_CUE}){end})*"
                           rf"[\s:#\-–(]*)(?P<code>(?:[A-Za-z]{{1,3}}[ -]?)?\d[\dA-Za-z/-]*(?: \d{{2,}})*)", re.I),
        loose_id=re.compile(r"(?<![\w\[/.@-])(?:[A-Z]{1,2} \d{6,}|(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])"
                            r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w-])"),
        phone=re.compile(r"(?<![\w+/.-])(?:\+\s?)?\(?\d[\d \t\u00a0().-]{4,24}\d(?!\w)"),
        phone_cue=re.compile(rf"(?:{_PHONE_CUE}){end}[^\w\n]{{0,3}}(?:(?:is|est|adalah|hai|ہے|من|my|saya|benim)"
                             r"[^\w\n]{1,3})?$", re.I),
        money_before=re.compile(rf"(?<![A-Za-z])(?:{_MONEY})\s*$", re.I),
        money_after=re.compile(rf"\s*(?:{_MONEY}){end}", re.I),
        date=re.compile(r"\d{1,2}[ ./-]\d{1,2}[ ./-](?:\d{4}|\d{2})|[12]\d{3}[ ./-]\d{1,2}[ ./-]\d{1,2}"),
        thousands=re.compile(r"[1-9]\d{0,2}(?:[. ]\d{3})+"),
        address=re.compile(address),
        address_gap=re.compile(r"[\s,،.:/–-]*"),
        name_cue=re.compile(rf"(?<![A-Za-z])(?:(?P<strong>{_NAME_STRONG})|{_NAME_WEAK})(?:(?<=:)|{end})\s*", re.I),
        name_token=re.compile(rf"[{latin}][{latin}'’-]*|[{other}]+"),
    )


def _ascii(text: str) -> str:
    """`text` with every decimal digit (any script) turned into its ASCII digit."""
    return "".join(str(unicodedata.digit(c)) if c.isdecimal() else c for c in text)


def _number_kind(raw: str, before: str, after: str) -> str | None:
    """Classify a run of digits as a phone, an ID number or an ordinary number (None)."""
    p, raw = _patterns(), _ascii(raw.strip())
    digits = re.sub(r"\D", "", raw)
    n, grouped = len(digits), not raw.isdigit()
    if n > 15 and re.search(r"\s", raw):
        return None
    if raw.startswith("+") or digits.startswith("00"):
        return PHONE if 8 <= n <= 15 else (ID_NUMBER if n > 15 else None)
    if p.money_before.search(before) or p.money_after.match(after) or p.date.fullmatch(raw):
        return None
    if 6 <= n <= 15 and p.phone_cue.search(before):
        return PHONE
    if digits.startswith("0") or "(" in raw:
        return PHONE if 7 <= n <= 13 else (ID_NUMBER if n > 13 and not grouped else None)
    if p.thousands.fullmatch(raw) or all(len(g) == 4 and g[:2] in ("19", "20") for g in re.findall(r"\d+", raw)):
        return None
    if n >= 9:
        return PHONE if grouped and n <= 15 else ID_NUMBER
    return None


def _phones(text: str) -> str:
    """Replace phone numbers and long digit strings, trying whitespace-separated chunks longest first."""
    def repl(m: re.Match[str]) -> str:
        parts, out, i = re.split(r"(\s+)", m.group()), [], 0
        while i < len(parts):
            if i % 2:
                out.append(parts[i])
                i += 1
                continue
            start = m.start() + sum(map(len, parts[:i]))
            for j in range(len(parts), i, -2):
                chunk = "".join(parts[i:j])
                kind = _number_kind(chunk, text[max(start - 40, 0):start], text[start + len(chunk):][:20])
                if kind:
                    out.append(kind)
                    break
            else:
                out.append(parts[i])
                j = i + 1
            i = j
        return "".join(out)
    return _patterns().phone.sub(repl, text)


def _ids(text: str) -> str:
    """Replace ID numbers after an ID word, then letter+digit codes anywhere."""
    p = _patterns()

    def cued(m: re.Match[str]) -> str:
        code = m.group("code")
        if len(re.sub(r"\D", "", code)) < (4 if re.search("[A-Za-z]", code) else 5):
            return m.group()
        return m.group()[: m.start("code") - m.start()] + ID_NUMBER

    def loose(m: re.Match[str]) -> str:
        code, letters = m.group(), re.match(r"[A-Za-z]*", m.group())
        money = letters and letters.group() and p.money_after.fullmatch(letters.group())
        if len(re.sub(r"\D", "", code)) < 5 or money:
            return code
        return ID_NUMBER
    return p.loose_id.sub(loose, p.cued_id.sub(cued, text))


def _addresses(text: str) -> str:
    """Replace chains of street and unit pieces that hold a street word and a number."""
    p = _patterns()
    chains: list[list[int]] = []
    for m in p.address.finditer(text):
        if chains and p.address_gap.fullmatch(text, chains[-1][1], m.start()):
            chains[-1][1] = m.end()
        else:
            chains.append([m.start(), m.end(), 0])
        chains[-1][2] |= m.group("s") is not None
    for start, stop, street in reversed(chains):
        if street and any(c.isdecimal() for c in text[start:stop]):
            text = text[:start] + ADDRESS + text[stop:]
    return text


def _name_end(text: str, m: re.Match[str]) -> int:
    """End of the name after the cue `m` (== m.end() when no name follows)."""
    p, strong, roman = _patterns(), m.group("strong") is not None, m.group().split()[0].lower() in _ROMAN
    cursor, end, count = m.end(), m.end(), 0
    while True:
        t = p.name_token.match(text, cursor)
        if not t or t.group().lower() in _STOP:
            break
        tok = t.group()
        latin = tok[0] <= "\u024f"
        if tok.lower() not in _CONNECT or not count:
            ok = not latin or tok[0].isupper() or (strong and count == 0) or (roman and count < 2)
            if not ok or count == (3 if latin else 2):
                break
            count, end = count + 1, t.end()
        gap = _GAP.match(text, t.end())
        if not gap:
            break
        cursor = gap.end()
    return end


def _names(text: str) -> str:
    """Replace the words after a self-introduction cue by the name placeholder."""
    out, pos = [], 0
    for m in _patterns().name_cue.finditer(text):
        end = _name_end(text, m)
        if m.start() >= pos and end > m.end():
            out.append(text[pos:m.end()] + NAME)
            pos = end
    return "".join(out) + text[pos:]


def redact(text: str) -> str:
    """Return `text` with phones, e-mails, ID numbers, names and street addresses replaced by placeholders."""
    if not text:
        return ""
    p = _patterns()
    text = p.whatsapp.sub(PHONE, p.email.sub(EMAIL, text))
    return _names(_addresses(_phones(_ids(text))))


def summary(messages: list[str], limit: int = 280) -> str:
    """Redacted messages joined by " / ", whitespace collapsed, cut to `limit` characters at a word with "…"."""
    text = _SPACE.sub(" ", " / ".join(r for r in (redact(m).strip() for m in messages) if r)).strip()
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    cut = cut[: cut.rfind(" ")] if cut.rfind(" ") > 0 else cut
    if cut.rfind("[") > cut.rfind("]"):
        cut = cut[: cut.rfind("[")]
    return cut.rstrip(" /") + "…"
