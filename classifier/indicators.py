"""What an ad points to: Telegram accounts, bots and invites, phones, bank cards, KZ IBANs, crypto wallets, links,
e-mails, WhatsApp and VK contacts, each with its span in the original text and a canonical form to join on.

>>> [(i.kind, i.normalized) for i in find_indicators("Пиши @Fast_Job или 8 (701) 234-56-78, сайт rabota точка kz")]
[('telegram', 'fast_job'), ('phone', '+77012345678'), ('url', 'rabota.kz')]

Checksums and formats come from libraries: phonenumbers (E.164, valid ranges), python-stdnum (Luhn, IBAN),
base58 (Base58Check for BTC and TRON), bech32 (the reference segwit code), pycryptodome (Keccak for EIP-55).
Written here: the patterns, the disguise-tolerant separators ("собака", "точка", "[.]", "@ name", digits
split by spaces), TON's CRC16 layout (binascii's CRC-CCITT) and bech32m's constant.

Deliberately not indicators (near misses): prices and sums ("150 000 ₸", "7 000 000 000 тг": thousands groups,
or a currency right after), dates and times, order, tracking, IIN/BIN and other numbers after "№", "заказ",
"ИИН"..., 16-digit numbers that fail Luhn or start with a digit no card network uses, and "@name.tld".
"""
from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import base58
import bech32

from .confusables import LEET_TO_CYRILLIC, LOOKALIKE_TO_CYRILLIC

if TYPE_CHECKING:
    from .result import Indicator

KINDS: tuple[str, ...] = ("telegram", "telegram_bot", "telegram_invite", "phone", "card", "iban", "btc", "eth",
                          "tron", "ton", "url", "email", "whatsapp", "vk")

# ---------------------------------------------------------------------------------------------------- the view
# Cyrillic and Greek letters that read as Latin ones; inside a mostly-Latin token (a handle, an address) they
# are read as Latin, one character for one, so offsets stay put.
_TO_LATIN = dict(zip("аеорсухкіјѕһԁԛԝӏАВЕКМНОРСТХУІЈЅαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
                     "aeopcyxkijshdqwlABEKMHOPCTXYIJSabeiknoptuxABEZHIKMNOPTYX"))
_LOOK = "".join(_TO_LATIN)
# a Latin letter (or _) beside a look-alike, either side: anchored on the Latin one, which is rare in the texts
# this reads, so the engine skips to it (the look-alikes are the commonest Cyrillic letters)
_MIXED_ADJ = re.compile(f"[A-Za-z_](?:[{_LOOK}]|(?<=[{_LOOK}].))")
# anything outside printable ASCII, basic Cyrillic and common signs gets a closer look
_SPECIAL = re.compile(r"[^\x20-\x7e\u0400-\u0482\u048a-\u04ff\n\t«»№—–…“”‘’₸₽€°]")  # U+0483-0489: marks


@lru_cache(maxsize=65536)
def _special(ch: str) -> str:
    """Replacement for one unusual character: nothing for invisible ones and marks, a space for emoji."""
    cat = unicodedata.category(ch)
    if ch.isspace() or cat == "So":
        return " "
    if cat[0] == "C" or cat in ("Mn", "Me"):
        return ""
    return unicodedata.normalize("NFKC", ch)


@dataclass
class _View:
    """Text to search, with `offsets[j]` = index in the original of character j (None: the same indices)."""

    text: str
    offsets: list[int] | None

    def span(self, a: int, b: int) -> tuple[int, int]:
        if self.offsets is None:
            return a, b
        return self.offsets[a], self.offsets[b - 1] + 1


# a whole token (a run of \w) of ASCII word characters and look-alikes only, holding both
_LATIN_AND_LOOK = re.compile(rf"(?<!\w)(?:[0-9A-Za-z_]+[{_LOOK}]|[{_LOOK}]+[0-9A-Za-z_])[0-9A-Za-z_{_LOOK}]*(?!\w)")


def _latinize(s: str) -> str:
    """Look-alike letters made Latin inside tokens that are mostly Latin already ("@fаst_jоb" -> "@fast_job")."""
    if not _MIXED_ADJ.search(s):
        return s
    chars = list(s)
    for m in _LATIN_AND_LOOK.finditer(s):  # the only tokens the loop below could change
        tok = m.group(0)
        ascii_n = sum(1 for c in tok if c < "\x80")
        look_n = sum(1 for c in tok if c in _TO_LATIN)
        if ascii_n and look_n and ascii_n >= look_n and ascii_n + look_n == len(tok):
            for i, c in enumerate(tok, m.start()):
                if c in _TO_LATIN:
                    chars[i] = _TO_LATIN[c]
    return "".join(chars)


def _clean_view(text: str) -> _View:
    """Invisible characters and marks dropped, fullwidth and mathematical letters folded, case kept."""
    if not _SPECIAL.search(text):
        return _View(_latinize(text), None)
    out, offsets, pos, shifted, tail = [], [], 0, False, ""
    for m in _SPECIAL.finditer(text):
        i = m.start()
        if i > pos:
            out.append(text[pos:i])
            offsets.extend(range(pos, i))
            tail = text[i - 1]
        rep = _special(m.group(0))
        if rep == " " and tail == " ":
            rep = ""  # a run of emoji reads as one space, so "701 🔥🔥 234" stays one number
        tail = rep[-1:] or tail
        out.append(rep)
        offsets.extend([i] * len(rep))
        shifted |= len(rep) != 1
        pos = i + 1
    out.append(text[pos:])
    offsets.extend(range(pos, len(text)))
    s = _latinize("".join(out))
    return _View(s, offsets if shifted else None)


_SPACED_LETTERS = re.compile(r"(?<!\w)(?:[^\W\d_][ \t]){3,}[^\W\d_](?!\w)")
_CHAINED_LETTERS = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][.\-_*·•|~+]){2,}[^\W\d_](?![^\W\d_])")
# what each of the two must hold (a letter between two of its separators); these start with a separator, which
# the regex engine skips to directly, and rule out most texts in a third of the time
_SPACED_HINT = re.compile(r"[ \t][^\W\d_][ \t][^\W\d_][ \t]")
_CHAINED_HINT = re.compile(r"[.\-_*·•|~+][^\W\d_][.\-_*·•|~+]")


def _spread_letters(s: str) -> bool:
    """Letters spaced or chained apart (`з а к л а д`, `з.а.к.л.а.д`)."""
    return bool((_SPACED_HINT.search(s) and _SPACED_LETTERS.search(s))
                or (_CHAINED_HINT.search(s) and _CHAINED_LETTERS.search(s)))


def _normalizer_view(text: str) -> _View:
    """The project normalizer's text (spaced and chained letters joined, look-alikes in Cyrillic words undone),
    with the Latin letters and digits it turned Cyrillic given back, since handles and domains are Latin."""
    from .normalize import normalized

    n = normalized(text)
    chars = list(n.text)
    for j, ch in enumerate(chars):
        o = text[n.offsets[j]]
        low = o.lower()
        if ch != low and (LOOKALIKE_TO_CYRILLIC.get(low) == ch or LEET_TO_CYRILLIC.get(o) == ch):
            chars[j] = low
    return _View(_latinize("".join(chars)), n.offsets)


# ------------------------------------------------------------------------------------------------- patterns
# Where a pattern's first character is a literal or a small set, the pattern begins with it and the lookbehind
# (nothing of the kind before it) comes right after: the regex engine skips straight to such a first character,
# but a pattern that leads with a lookbehind is tried at every position (3 to 20 times slower on real posts).
_AT_WORD = r"(?:[сc][оo0][бb6][аa@][кk][аa@]|sobaka)"
_DOT_WORD = r"(?:[тt][оo0](?:[чч4]|ch)[кk][аa@]|dot)"
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
_AT = rf"(?:[ \t]?@[ \t]?|[ \t]*{_OPEN}[ \t]*(?:@|at|{_AT_WORD})[ \t]*{_CLOSE}[ \t]*|[ \t]+{_AT_WORD}[ \t]+)"
_DOT = rf"(?:\.|[ \t]\.[ \t]|[ \t]*{_OPEN}[ \t]*(?:\.|{_DOT_WORD})[ \t]*{_CLOSE}[ \t]*|[ \t]+{_DOT_WORD}[ \t]+)"
# Atomic groups: a label (a local part) is followed by a dot (an @), neither of which can start with one of its
# characters, so only its longest form can match; trying the shorter ones made these the slowest patterns.
_LABEL = r"(?>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
_TLDS = ("kz|ru|su|uz|kg|by|ua|am|az|ge|tj|tm|com|net|org|info|biz|io|me|co|cc|tv|us|uk|de|eu|pro|xyz|top|"
         "site|online|store|shop|club|live|app|dev|tech|link|click|space|website|fun|work|jobs|today|world|life|"
         "vip|icu|cyou|buzz|tk|ml|ga|cf|gq|ws|pw|to|ly|gl|ai|one|best|bet|casino|cash|money|market|agency")
_TLD_WORDS = {"ру": "ru", "ком": "com", "кз": "kz", "нет": "net", "орг": "org"}
_TLD = rf"(?:{_TLDS}|рф|ру|ком|кз)"
_HOST = rf"(?:{_LABEL}{_DOT})+{_TLD}(?![\w-])"

_EMAIL = re.compile(
    rf"(?<![\w.+%-])(?P<local>(?>[a-z0-9][a-z0-9._%+-]{{0,63}}))(?:@(?P<dom1>(?:{_LABEL}\.)+[a-z]{{2,12}})(?![\w-])"
    rf"|{_AT}(?P<dom2>{_HOST}))", re.I)
_URL = re.compile(r"(?:h(?<![\w@.-].)(?:ttps?|xxps?)://|w(?<![\w@.-].)ww\.)[^\s<>\"'«»()\[\]{}]+", re.I)
_DOMAIN = re.compile(rf"(?<![\w@.-])(?P<host>{_HOST}|[а-яё0-9-]+\.рф(?![\w-]))(?P<path>/[^\s<>\"'«»()\[\]{{}}]*)?", re.I)
_NAME = r"[a-z0-9_]{5,32}"
_TDOT = rf"(?:\.|[ \t]\.[ \t]|[ \t]?{_OPEN}\.{_CLOSE}[ \t]?|[ \t]+{_DOT_WORD}[ \t]+)"
_TME = re.compile(
    rf"(?<![\w.@])(?:(?:https?://)?(?:www\.)?(?:t|telegram){_TDOT}(?:me|dog)[ \t]?/[ \t]?"
    rf"(?:\+(?P<tphone>\d{{10,14}})|(?:joinchat/|\+|addlist/)(?P<invite>[a-z0-9_-]{{10,40}})|(?:s/)?(?P<name>{_NAME}))"
    rf"|tg://resolve\?domain=(?P<name2>{_NAME})|tg://join\?invite=(?P<invite2>[a-z0-9_-]{{10,40}}))(?:/\d+)?(?![\w-])",
    re.I)
_HANDLE = re.compile(r"@(?<![\w@.].)[ \t]?(?:(?P<h>[a-z0-9_]{5,32})|(?P<hs>(?:[a-z0-9_][ \t]){4,31}[a-z0-9_]))"
                     r"(?![\w@])(?!\.[a-z]{2})", re.I)
_VALID_NAME = re.compile(r"[a-z][a-z0-9_]{3,30}[a-z0-9]")
_WHATSAPP = re.compile(
    r"(?<![\w.])(?:https?://)?(?:wa\.me/\+?(?P<wa>\d{10,15})|(?:api\.)?whatsapp\.com/send/?\?phone=\+?(?P<wa2>\d{10,15})"
    r"|chat\.whatsapp\.com/(?:invite/)?(?P<wainv>[a-z0-9]{18,26}))(?:[?&][^\s]*)?(?![\w])", re.I)
_VK = re.compile(r"(?<![\w.])(?:https?://)?(?:(?:m|www)\.)?vk\.(?:com|ru|me)/(?P<vk>[a-z0-9_.-]{2,60})", re.I)
_OWN_HOSTS = {"t.me", "telegram.me", "telegram.dog", "wa.me", "whatsapp.com", "api.whatsapp.com",
              "chat.whatsapp.com", "vk.com", "vk.ru", "vk.me"}

_SEP = r"[ \t\-.()]{0,3}"
_D = r"[\dОоOo]"
_PHONE = re.compile(rf"(?:\+(?<![\w+].)[ \t]?7(?:{_SEP}{_D}){{10}}|[78](?<![\w+].)(?:{_SEP}{_D}){{10}}"
                    rf"|\((?<![\w+].)[79]{_D}(?:{_SEP}{_D}){{8}}|[79](?<![\w+].){_D}(?:{_SEP}{_D}){{8}})(?!\d)")
_CARD = re.compile(r"\d(?<![\w].)(?:\d{3}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?|\d{3}[ \-]?\d{6}[ \-]?\d{5}|(?: \d){12,18})(?![\w])")
_IBAN = re.compile(r"KZ(?<![\w]..)[ \t]{0,2}\d{2}(?:[ \t]{0,2}[A-Z0-9]{4}){4}(?![\w])", re.I)
_B58 = "1-9A-HJ-NP-Za-km-z"
_BTC = re.compile(rf"(?:[13](?<![A-Za-z0-9].)[{_B58}]{{25,34}}|(?:b(?<![A-Za-z0-9].)c1|B(?<![A-Za-z0-9].)C1)"
                  rf"[02-9ac-hj-np-zAC-HJ-NP-Z]{{11,71}})(?![A-Za-z0-9])")
_ETH = re.compile(r"0x(?<![A-Za-z0-9]..)[0-9a-fA-F]{40}(?![A-Za-z0-9])")
_TRON = re.compile(rf"T(?<![A-Za-z0-9].)[{_B58}]{{33}}(?![A-Za-z0-9])")
_TON = re.compile(r"(?:[EUk0](?<![\w+/=-].)Q[A-Za-z0-9_+/-]{46}|0(?<![\w+/=-].):[0-9a-fA-F]{64}"
                  r"|-(?<![\w+/=-].)1:[0-9a-fA-F]{64})(?![\w+/=-])")

# numbers that follow these words are orders, tracking codes, IDs, never phones or cards
_NOT_CONTACT = re.compile(r"(?:№|#|заказ\w*|order|трек\w*|track\w*|иин|бин|iin|bin|инн|артикул\w*|накладн\w*|invoice"
                          r"|id|квитанци\w*|чек\w*|receipt|счет-фактур\w*)[\s:№#.-]*$", re.I)
_CURRENCY_AFTER = re.compile(r"[ \t]?(?:₸|тг|тенге|теңге|руб|₽|р\b|\$|€|usd|kzt|rub|сом|сум|евро)", re.I)
_THOUSANDS = re.compile(r"\d{1,3}(?: \d{3})+")

# Cheap triggers, one per family of patterns, on the lower-cased text: a pattern runs only where its trigger
# fires, and a text that fires none holds no indicator, so the common case costs a few C-speed scans.
_T_DIGITS = re.compile(r"\d(?:[^\w\n]{0,5}\d){6}")  # emoji between digits too
_T_LONG = re.compile(r"[a-z0-9_+/-][a-z0-9_+/-]{19}")  # not [..]{20}: a leading set lets the engine skip ahead
_SEP_CH = r"[ .\-_*·•|~+]{0,2}"
_T_TOCHKA = re.compile(rf"[ч4]{_SEP_CH}[кk]{_SEP_CH}[аa@]")  # (то)чка written for a dot
_T_DOT = re.compile(r"\.(?:[a-z]{2}|рф)")
_T_IBAN = re.compile(r"kz[ \t]{0,2}\d\d")
# characters that can disguise an indicator (not emoji): Latin-1 and other scripts' letters, combining marks,
# invisible and fullwidth characters, mathematical letters
_T_UNUSUAL = re.compile("[\u00a0\u00ad\u00b2\u00b3\u00b9\u00c0-\u03ff\u0483-\u0489\u0500-\u1fff\u200b-\u200f\u2028-\u202f\u205f-\u206f\u2c80-\u2cff\ua640-\ua69f"
                        "\uab70-\uabbf\ufe20-\ufe2f\ufeff\uff00-\uffef\U0001d400-\U0001d7ff]")
_ALL = frozenset({"link", "email", "handle", "url", "digits", "crypto"})
_FOREIGN_LETTER = re.compile("[" + "".join(sorted(c for c in LOOKALIKE_TO_CYRILLIC if c >= "\x80")) + "]")


def _wanted(text: str) -> frozenset[str]:
    """The pattern families worth running on text (all of them when it holds characters that can disguise)."""
    if _T_UNUSUAL.search(text):
        return _ALL
    low = text.lower()
    want = set()
    at = "@" in low
    dotted = ("dot" in low or "[.]" in low or "(.)" in low or " . " in low or "chk" in low
              or _T_DOT.search(low) is not None or _T_TOCHKA.search(low) is not None)
    if "me/" in low or "me /" in low or "tg:" in low or "whatsapp" in low or "vk." in low:
        want.add("link")
    if at or dotted:
        want.add("email")
    if at:
        want.add("handle")
    if dotted or "://" in low or "www" in low:
        want.add("url")
    if _T_DIGITS.search(low) or _T_IBAN.search(low):
        want.add("digits")
    if _T_LONG.search(low):
        want.add("crypto")
    return frozenset(want)


# ------------------------------------------------------------------------------------------------ validators
_O_AS_ZERO = str.maketrans("ОоOo", "0000")
_NON_DIGIT = re.compile(r"\D")


def _digits(s: str) -> str:
    return _NON_DIGIT.sub("", s.translate(_O_AS_ZERO))


def _phone(s: str) -> str | None:
    """E.164 of a KZ or RU number, or None."""
    d = _digits(s)
    if len(d) == 11 and d[0] in "78":
        d = d[1:]
    if len(d) != 10 or sum(c.isdigit() for c in s) < 8:
        return None
    return _kz_ru_phone(d)


# phonenumbers and python-stdnum are imported where a candidate first needs them (27 ms of every start, for the
# few posts that hold a phone, card or IBAN candidate)
def _e164(number: str) -> str | None:
    """A "+..." number in E.164 when phonenumbers finds it valid, else None."""
    import phonenumbers

    try:
        num = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164) if phonenumbers.is_valid_number(num) else None


@lru_cache(maxsize=65536)
def _kz_ru_phone(d: str) -> str | None:
    return _e164("+7" + d)


def _intl_phone(d: str) -> str | None:
    if len(d) == 11 and d[0] == "8":
        d = "7" + d[1:]
    return _e164("+" + d)


def _card(s: str) -> str | None:
    d = _digits(s)
    if 13 <= len(d) <= 19 and d[0] in "23456":
        from stdnum import luhn

        if luhn.is_valid(d):
            return d
    return None


def mask_card(written: str) -> str:
    """A card number as written with all but the first six and last four digits starred."""
    total = sum(c.isdigit() for c in written)
    out, k = [], 0
    for c in written:
        if c.isdigit():
            out.append(c if k < 6 or k >= total - 4 else "*")
            k += 1
        else:
            out.append(c)
    return "".join(out)


def _kz_iban(s: str) -> str | None:
    from stdnum import iban

    compact = re.sub(r"\s", "", s).upper()
    return compact if len(compact) == 20 and iban.is_valid(compact) else None


def _btc(s: str) -> str | None:
    if s[:3].lower() == "bc1":
        low = s.lower()
        hrp, data = bech32.bech32_decode(low)
        if hrp == "bc" and data:  # bech32: witness version 0
            witver, prog = bech32.decode("bc", low)
            return low if witver == 0 else None
        # bech32m (BIP-350, witness versions 1..16), same polymod, another constant
        pos = low.rfind("1")
        values = [bech32.CHARSET.find(c) for c in low[pos + 1:]]
        if low[:pos] != "bc" or -1 in values or len(values) < 7 or not 1 <= values[0] <= 16:
            return None
        if bech32.bech32_polymod(bech32.bech32_hrp_expand("bc") + values) != 0x2BC830A3:
            return None
        prog = bech32.convertbits(values[1:-6], 5, 8, False)
        return low if prog is not None and 2 <= len(prog) <= 40 else None
    try:
        raw = base58.b58decode_check(s)
    except ValueError:
        return None
    return s if len(raw) == 21 and raw[0] in (0x00, 0x05) else None


def _eip55(hex40: str) -> str:
    from Crypto.Hash import keccak

    digest = keccak.new(digest_bits=256, data=hex40.encode()).hexdigest()
    return "0x" + "".join(c.upper() if int(h, 16) >= 8 else c for c, h in zip(hex40, digest))


def _eth(s: str) -> str | None:
    body = s[2:]
    checksummed = _eip55(body.lower())
    if body != body.lower() and body != body.upper() and checksummed != s:
        return None  # mixed case that fails its checksum: a typo or a forgery
    return checksummed


def _tron(s: str) -> str | None:
    try:
        raw = base58.b58decode_check(s)
    except ValueError:
        return None
    return s if len(raw) == 21 and raw[0] == 0x41 else None


def _ton(s: str) -> str | None:
    """Raw form `workchain:hex` of a TON address (user-friendly or raw)."""
    if ":" in s:
        wc, h = s.split(":")
        return f"{wc}:{h.lower()}"
    try:
        raw = base64.b64decode(s.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 36 or raw[0] & 0x7F not in (0x11, 0x51) or raw[1] not in (0x00, 0xFF):
        return None
    if binascii.crc_hqx(raw[:34], 0) != int.from_bytes(raw[34:], "big"):
        return None
    return f"{-1 if raw[1] == 0xFF else 0}:{raw[2:34].hex()}"


def _handle(name: str) -> tuple[str, str] | None:
    low = name.lower()
    if not _VALID_NAME.fullmatch(low) or "__" in low:
        return None
    return ("telegram_bot" if low.endswith("bot") else "telegram"), low


def _tld(word: str) -> str:
    return _TLD_WORDS.get(word.lower(), word.lower())


def _host(written: str) -> str | None:
    """A host written with any of the dot disguises, as plain lower-case labels; None without a letter."""
    parts = [p for p in re.split(_DOT, written, flags=re.I) if p]
    if len(parts) < 2:
        return None
    parts[-1] = _tld(parts[-1])
    host = ".".join(p.lower() for p in parts)
    return host if re.search(r"[a-zа-я]", host.rsplit(".", 1)[0]) else None


def _url_norm(host: str, path: str) -> str:
    host = host.lower().removeprefix("www.")
    path = path.rstrip("/")
    return host + path


# -------------------------------------------------------------------------------------------------- scanning
@dataclass
class _Hit:
    kind: str
    a: int  # span in the view
    b: int
    normalized: str
    rank: int  # lower wins a tie between hits of the same length


def _before(s: str, a: int) -> str:
    return s[max(0, a - 24):a]


def _scan(s: str, case_kept: bool, want: frozenset[str] = _ALL) -> list[_Hit]:
    """Every indicator of the wanted families found in one view; overlapping hits are resolved later. With only
    some families wanted (no disguising characters in the text), each runs on the lines its trigger fires on."""
    spans = _line_spans(s, want) if want != _ALL else None
    where = (lambda family: spans[family]) if spans else (lambda family: None)
    hits: list[_Hit] = []
    if "link" in want:
        hits += _links(s, case_kept, where("link"))
    if "email" in want:
        hits += _emails(s, where("email"))
    if "handle" in want:
        hits += _handles(s, where("handle"))
    if "url" in want:
        hits += _urls(s, where("url"))
    if not case_kept:
        return hits
    if "digits" in want:
        hits += _numbers(s, where("digits"))
    if "crypto" in want:
        hits += _wallets(s, where("crypto"))
    return hits


# what a match of each link pattern must hold, found fast (a slash, then what precedes it): the patterns begin
# with optional parts, so the regex engine tries them at every position, and a post that links to one
# messenger rarely names the others
_TME_NEEDS = re.compile(r"/(?:(?<=me/)|(?<=me[ \t]/)|(?<=dog/)|(?<=dog[ \t]/)|(?<=tg:/))", re.I)
_WHATSAPP_NEEDS = re.compile(r"wa\.me/|whatsapp\.com/", re.I)
_VK_NEEDS = re.compile(r"vk\.(?:com|ru|me)/", re.I)
# an e-mail holds an @, "собака" written any way (its letters after the first two, which are common), or "at"
# in brackets: the family also runs on dotted text, where most posts hold none of them
_EMAIL_NEEDS = re.compile(rf"@|[бb6][аa@][кk][аa@]|{_OPEN}[ \t]*at", re.I)


def _links(s: str, case_kept: bool, spans: _Spans | None = None) -> list[_Hit]:
    hits = []
    for m in _matches(_TME, s, spans, _TME_NEEDS):
        if m["tphone"]:
            e164 = _intl_phone(m["tphone"])
            if e164:
                hits.append(_Hit("phone", m.start(), m.end(), e164, 0))
        elif m["invite"] or m["invite2"]:
            if case_kept:
                hits.append(_Hit("telegram_invite", m.start(), m.end(), "t.me/+" + (m["invite"] or m["invite2"]), 0))
        else:
            h = _handle(m["name"] or m["name2"])
            if h:
                hits.append(_Hit(h[0], m.start(), m.end(), h[1], 0))
    for m in _matches(_WHATSAPP, s, spans, _WHATSAPP_NEEDS):
        if m["wainv"]:
            if case_kept:
                hits.append(_Hit("whatsapp", m.start(), m.end(), "chat.whatsapp.com/" + m["wainv"], 0))
            continue
        e164 = _intl_phone(m["wa"] or m["wa2"])
        if e164:
            hits.append(_Hit("whatsapp", m.start(), m.end(), e164, 0))
    for m in _matches(_VK, s, spans, _VK_NEEDS):
        name = m["vk"].rstrip(".-").lower()
        end = m.start("vk") + len(name)
        if len(name) >= 2:
            hits.append(_Hit("vk", m.start(), end, "vk.com/" + name, 0))
    return hits


def _emails(s: str, spans: _Spans | None = None) -> list[_Hit]:
    hits = []
    for m in _matches(_EMAIL, s, spans, _EMAIL_NEEDS):
        if m["dom1"]:
            dom = m["dom1"].lower()
        else:
            dom = _host(m["dom2"])
            if not dom:
                continue
        hits.append(_Hit("email", m.start(), m.end(), f"{m['local'].lower()}@{dom}", 1))
    return hits


def _handles(s: str, spans: _Spans | None = None) -> list[_Hit]:
    hits = []
    for m in _matches(_HANDLE, s, spans):
        h = _handle(m["h"] or re.sub(r"[ \t]", "", m["hs"]))
        if h:
            hits.append(_Hit(h[0], m.start(), m.end(), h[1], 2))
    return hits


def _urls(s: str, spans: _Spans | None = None) -> list[_Hit]:
    hits = []
    for m in _matches(_URL, s, spans):
        written = m.group(0).rstrip(".,;:!?")
        parts = urlsplit(written if "://" in written else "http://" + written)
        host = (parts.hostname or "").removeprefix("www.")
        if not host or host in _OWN_HOSTS or "." not in host:
            continue
        hits.append(_Hit("url", m.start(), m.start() + len(written), _url_norm(host, parts.path), 3))
    for m in _matches(_DOMAIN, s, spans):
        host = _host(m["host"])
        if not host or host in _OWN_HOSTS:
            continue
        path = (m["path"] or "").rstrip(".,;:!?")
        end = m.end("host") + len(path)
        hits.append(_Hit("url", m.start(), end, _url_norm(host, path.split("?")[0]), 4))
    return hits


def _numbers(s: str, spans: _Spans | None = None) -> list[_Hit]:
    hits = []
    for m in _matches(_PHONE, s, spans):
        written = m.group(0)
        if _NOT_CONTACT.search(_before(s, m.start())) or _CURRENCY_AFTER.match(s, m.end()):
            continue
        if not written.startswith("+") and _THOUSANDS.fullmatch(written):
            continue  # 7 000 000 000: a sum
        e164 = _phone(written)
        if e164:
            hits.append(_Hit("phone", m.start(), m.end(), e164, 5))
    for m in _matches(_CARD, s, spans):
        if _NOT_CONTACT.search(_before(s, m.start())) or _CURRENCY_AFTER.match(s, m.end()):
            continue
        number = _card(m.group(0))
        if number:
            hits.append(_Hit("card", m.start(), m.end(), number, 5))
    for m in _matches(_IBAN, s, spans):
        number = _kz_iban(m.group(0))
        if number:
            hits.append(_Hit("iban", m.start(), m.end(), number, 5))
    return hits


# every BTC, ETH and TRON address is a run of 14 or more ASCII letters and digits (a TON one need not be: it
# may hold - _ + /), so a text without such a run skips those three patterns, each tried at every position
_ALNUM_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9]{13}")


def _wallets(s: str, spans: _Spans | None = None) -> list[_Hit]:
    hits = []
    run = _ALNUM_RUN.search(s) is not None
    for pattern, kind, check in ((_BTC, "btc", _btc), (_ETH, "eth", _eth), (_TRON, "tron", _tron), (_TON, "ton", _ton)):
        if not run and kind != "ton":
            continue
        for m in _matches(pattern, s, spans):
            norm = check(m.group(0))
            if norm:
                hits.append(_Hit(kind, m.start(), m.end(), norm, 5))
    return hits


# where each family's trigger fires, line by line: no pattern or trigger matches across a line break, so a
# family's patterns need to run only on the lines where its trigger fires (a long post has few such lines).
# These are _wanted's triggers as patterns; _wanted keeps its plain substring tests, which are faster on the
# whole text. A trigger is a few patterns, each beginning with a literal or a set the engine can skip to (one
# alternation of them all could not, and was tried at every position of the text).
_LINE_TRIGGERS = {
    "link": (re.compile(r"me/|me /|tg:|whatsapp|vk\."),), "at": (re.compile("@"),),
    "dotted": (re.compile(r"dot|\[\.\]|\(\.\)| \. |chk"), _T_DOT, _T_TOCHKA),
    "web": (re.compile("://|www"),), "digits": (_T_DIGITS, _T_IBAN), "crypto": (_T_LONG,)}
_FAMILY_TRIGGERS = {"link": ("link",), "email": ("at", "dotted"), "handle": ("at",), "url": ("dotted", "web"),
                    "digits": ("digits",), "crypto": ("crypto",)}
_Spans = list[tuple[int, int]]


def _line_spans(s: str, want: frozenset[str]) -> dict[str, _Spans] | None:
    """For each wanted family, the spans of s made of the lines where its trigger fires (None: scan it all)."""
    low = s.lower()
    if len(low) != len(s):
        return None
    starts = [0] + [m.end() for m in re.finditer("\n", s)]
    if len(starts) < 3:  # a line or two: nothing to skip
        return None
    needed = {t for family in want for t in _FAMILY_TRIGGERS[family]}
    fired = {name: {bisect_right(starts, m.start()) - 1 for p in _LINE_TRIGGERS[name] for m in p.finditer(low)}
             for name in needed}
    starts.append(len(s))
    spans = {}
    for family in want:
        lines = sorted(set().union(*(fired[t] for t in _FAMILY_TRIGGERS[family])))
        merged: _Spans = []
        for k in lines:
            if merged and merged[-1][1] == starts[k]:
                merged[-1] = (merged[-1][0], starts[k + 1])
            else:
                merged.append((starts[k], starts[k + 1]))
        spans[family] = merged
    return spans


def _matches(pattern: re.Pattern, s: str, spans: _Spans | None, needs: re.Pattern | None = None):
    """pattern.finditer over s, or over each span of it (lookbehinds still see what comes before a span); none
    if s lacks what `needs` finds."""
    if needs is not None and needs.search(s) is None:
        return
    if spans is None:
        yield from pattern.finditer(s)
        return
    for a, b in spans:
        yield from pattern.finditer(s, a, b)


def might_have_indicators(text: str) -> bool:
    """False when the text certainly has no indicator (no @, link, long digit run, long token, disguise...)."""
    return bool(_wanted(text))


def find_indicators(text: str, reveal: bool = False, as_dicts: bool = False) -> list[Indicator]:
    """Indicators in text, in order; `text[start:end]` is the original writing. Card numbers are masked in
    `value` and `normalized` unless reveal. as_dicts: Indicator.model_dump() dicts instead of objects."""
    return _find(text, _wanted(text) if text else frozenset(), reveal, as_dicts)


@lru_cache(maxsize=1)
def _triggers():
    from .triggers import Triggers

    return Triggers(_T_UNUSUAL, _ALL)


def find_indicators_in(texts: list[str], reveal: bool = False, as_dicts: bool = False) -> list[list[Indicator]]:
    """find_indicators of each text; which patterns each one needs is found for all in one compiled pass."""
    return [_find(t, want, reveal, as_dicts) for t, want in zip(texts, _triggers().wanted(texts, _wanted))]


def _find(text: str, want: frozenset[str], reveal: bool, as_dicts: bool) -> list:
    if not want:
        return []
    view = _clean_view(text)
    found = [(h, view) for h in _scan(view.text, True, want)]
    if _spread_letters(view.text) or _FOREIGN_LETTER.search(view.text):
        # letters spaced or chained apart, or Greek and other look-alikes, which the normalizer undoes
        norm = _normalizer_view(text)
        found += [(h, norm) for h in _scan(norm.text, False)]
    spans = []
    for h, v in found:
        a, b = v.span(h.a, h.b)
        spans.append((a, b, h))
    spans.sort(key=lambda t: (-(t[1] - t[0]), t[2].rank, t[0]))
    taken: list[tuple[int, int]] = []
    out: list[Indicator] = []
    seen: set[tuple[int, int]] = set()
    for a, b, h in spans:
        if (a, b) in seen or any(a < tb and ta < b for ta, tb in taken):
            continue
        seen.add((a, b))
        taken.append((a, b))
        value, normalized = text[a:b], h.normalized
        if h.kind == "card" and not reveal:
            value, normalized = mask_card(value), mask_card(normalized)
        out.append({"kind": h.kind, "value": value, "normalized": normalized, "start": a, "end": b})
    out.sort(key=lambda i: i["start"])
    if as_dicts:
        return out
    from .result import Indicator

    return [Indicator.model_construct(**i) for i in out]
