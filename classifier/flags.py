"""Named red-flag indicators found by patterns over normalized text.

>>> [f.name for f in find_flags("нужен закладчик, 5000 в день, пиши в лс")]
['pay_per_period', 'dm_only', 'drug_slang']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_NUM = r"\d[\d\s.,]*\s?(?:к|k|тыс\w*|мың|000)?"
_MONEY = r"(?:₸|₽|\$|тг|тенге|теңге|руб\w*|р\b|usd|usdt|долл\w*|бакс\w*|евро|сом)"

PATTERNS: dict[str, str] = {
    "pay_per_period": (
        rf"{_NUM}\s*{_MONEY}?\s*(?:/|в|за|per|a|а)\s*(?:день|сутки|смен\w*|час|неделю|нед\b|day|hour|week|shift)"
        r"|(?:күніне|тәулігіне|сағатына|аптасына)|ежедневн\w* (?:выплат|оплат)|оплата каждый день|(?:зп|оплата) ежедневно"
        r"|daily pay|paid daily"
    ),
    "high_pay": (
        r"(?:от|до|from|up to)?\s*\d{2,3}\s?(?:000|к|k|тыс\w*)\s*(?:₸|₽|\$|тг|руб\w*|р\b)?\s*(?:/|в|за|per|a)\s*(?:день|сутки|смен\w*|неделю|нед\b|day|week)"
        r"|\d{3,4}\s?(?:\$|usd|usdt|долл\w*|бакс\w*)\s*(?:/|в|за|per|a)?\s*(?:день|неделю|нед\b|day|week)"
        r"|\$\s?\d{3,5}\s*(?:/|per|a)\s*(?:day|week)|лёгк\w* (?:заработ|деньг)|легк\w* (?:заработ|деньг)|быстр\w* (?:заработ|деньг)"
        r"|высокооплачиваем\w*|оңай табыс|easy money|quick money|fast money"
    ),
    "dm_only": (
        r"пиш\w* в (?:лс|личк\w*|личные|директ|тг|телеграм\w*)|в лс\b|\bлс\b|в личку|личные сообщения|подробности в (?:лс|личке|тг|боте)"
        r"|жеке (?:хат|хабар)\w*|лс-?ке|\bdm\b|dm me|direct message|inbox me|write me in (?:pm|dm)|\bpm\b|ставь \+|пиши \+"
    ),
    # a handle starts with a Latin letter and holds letters, digits and _, Cyrillic look-alikes left in it
    # (@fаst_job); after "@ " only one with _ or a digit (@ fast_job, not "work @ home" or "ivan @ mail.ru")
    "telegram_contact": r"(?<![\w.])@(?:[a-z][a-z0-9_аеорсухкмтвні]{3,}| (?=[a-z][a-z0-9_аеорсухкмтвні]*[_0-9])"
                        r"[a-z][a-z0-9_аеорсухкмтвні]{3,})|t\.me/\S+|telegram\.me/\S+|\b\w+_?bot\b|\bбот(?:а|е|у|ом)?\b|телеграм\w*|телег[аеу]\b|\btg\b",
    "crypto_pay": (
        r"крипт\w*|btc|usdt|биткоин\w*|биткойн\w*|bitcoin|crypto|тезер|tether|\bp2p\b|р2р|арбитраж\w*|ltc|эфир\w*|\beth\b|trc-?20"
    ),
    "deposit": (
        r"залог\w*|депозит\w*|кепіл\w*|deposit|предоплат\w*|за оформлени\w*|вступительн\w* взнос\w*"
        r"|(?:оплат\w*|взнос\w*) (?:за )?(?:оформлени\w*|обучени\w*|регистраци\w*)|registration fee"
        r"|upfront (?:fee|payment)|алдын ала төлем\w*"
    ),
    "no_experience": (
        r"без опыта|опыт не (?:нужен|важен|требуется|обязателен)|тәжірибе(?:сіз| қажет емес| керек емес)|no experience"
        r"|любой возраст|с \d{2} лет|от \d{2} лет|\b1[4-7] ?\+|\d{2} жастан|any age"
    ),
    "courier_role": (
        r"курь\w*|кур'?ер\w*|доставк\w*|доставщик\w*|склад\w*|перевозчик\w*|водител\w*|курьер\w*|жеткізу\w*|жүргізуші\w*|қойма\w*"
        r"|courier\w*|delivery|driver\w*|warehouse|runner"
    ),
    "drug_slang": (
        r"заклад\w*|кладм[еа]н\w*|кладчик\w*|\bклад(?:ы|ов|ам|ами|ах|а|е|ом)?\b|мастер-?клад\w*|минёр\w*|\bминер(?:а|ы|ов|ом|у)?\b"
        r"|\bшоп(?:е|а|у|ы|ов|ом)?\b|наркот\w*|нарко\w*|весёл\w* подар\w*"
        r"|весел\w* подар\w*|тайник\w*|фасовк\w*|фасовщик\w*|\bоптов\w* клад\w*|\bсоль\b|\bмеф\w*|гашиш\w*|\bstash\w*|drop-?off|есірткі\w*"
    ),
    "paid_travel": (
        r"оплач\w* (?:дорог\w*|проезд\w*|переезд\w*|билет\w*)|командировк\w*|travel (?:paid|expenses)|жол ақы\w*"
        r"|(?:виз[аыу]|перел[её]т\w*|авиабилет\w*|билет\w*|проживани\w*|жиль[её]|общежити\w*)[\w\s,]{0,40}?"
        r"за (?:наш\w*|сч[её]т\w*)|(?:visas?|flights?|tickets?|accommodation|housing)[\w\s,&]{0,30}?"
        r"(?:paid|provided|covered)|free (?:accommodation|housing|flights?)|есебімізден"
    ),
    "bank_cards": (
        r"дроп\w*|(?:куплю|покупаю|скупаю|скупка|выкуп\w*|аренд\w*|сдам|сдать|сдаю|продам|продать|продаю)\s"
        r"(?:\w+\s){0,2}?(?:банковск\w*\s)?карт(?:у|ы|а|ой|ами)?\b|карт\w* (?:в аренду|на (?:сво|тво|ваш)\w* имя)"
        r"|нужн\w* (?:люди|человек\w*) с карт(?:ой|ами)\b|через (?:сво|тво|ваш)\w* карт\w*"
        r"|(?:rent|sell|buy)\w* (?:your |bank |a )*(?:cards?|accounts?)\b|карт\w* сатып|карт\w* жалға|жалға карт\w*"
    ),
    "secrecy": (
        r"аноним\w*|конфиденциальн\w*|без собеседован\w*|без документов|без паспорта|не задавай\w* вопрос\w*"
        r"|no questions|жасырын\w*|құпия\w*|сұрақ қойма\w*"
    ),
}

# A batch scorer runs each pattern on every distinct token alone, which finds every match without whitespace
# in it. A match across tokens comes from an alternative with a space in it, and each such alternative holds
# every anchor of one tuple below: a string is found inside one token; a pair (a, b) is a token ending in a
# followed by a token starting with b. Anchors hold no whitespace, so the scorer checks them per token and
# searches a whole text only when some tuple is complete. That holds for where the first match is, too (what
# first_hits relies on): «в лс» and «write me in pm» have anchors although «лс» and «pm» alone would flag.
_PERIOD = "(?:день|сутки|смен|час|нед|day|hour|week|shift)"
_PREP_END = "[/вaаr]"  # the last letter of / в за per a а
Anchor = str | tuple[str, str]
ANCHORS: dict[str, tuple[tuple[Anchor, ...], ...]] = {
    "pay_per_period": ((r"\d", _PREP_END + _PERIOD), (r"\d", (_PREP_END, _PERIOD)),
                       ((r"ежедневн\w*", "(?:вы|о)плат"),), (("оплата", "каждый"),),
                       (("(?:зп|оплата)", "ежедневно"),), (("daily", "pay"),), (("paid", "daily"),)),
    "high_pay": ((r"\d", _PREP_END + _PERIOD), (r"\d", (_PREP_END, _PERIOD)), (r"\d", r"\$|usd|долл|бакс"),
                 ((r"(?:лёгк|легк|быстр)\w*", "(?:заработ|деньг)"),), (("оңай", "табыс"),),
                 (("(?:easy|quick|fast)", "money"),)),
    "dm_only": (((r"пиш\w*", "в"),), (("в", "личку"),), (("личные", "сообщения"),), (("подробности", "в"),),
                (("жеке", "(?:хат|хабар)"),), (("direct", "message"),), (("inbox", "me"),),
                (("(?:ставь|пиши)", r"\+"),), (("в", "лс"),), (("write", "me"),)),
    "telegram_contact": ((("@", "[a-z]"),),),
    "crypto_pay": (),
    "deposit": ((("за", "оформлени"),), ((r"вступительн\w*", "взнос"),),
                ((r"(?:оплат|взнос)\w*", "(?:за|оформлени|обучени|регистраци)"),), (("registration", "fee"),),
                (("upfront", "(?:fee|payment)"),), (("алдын", "ала"), ("ала", "төлем"))),
    "no_experience": ((("без", "опыта"),), (("опыт", "не"),), (("тәжірибе", "(?:қажет|керек)"),),
                      (("no", "experience"),), (("любой", "возраст"),), (("(?:с|от)", r"\d\d"),),
                      (("1[4-7]", r"\+"),), ((r"\d\d", "жастан"),), (("any", "age"),)),
    "courier_role": (),
    "drug_slang": (((r"вес[её]л\w*", "подар"),), ((r"оптов\w*", "клад"),)),
    "paid_travel": (((r"оплач\w*", "(?:дорог|проезд|переезд|билет)"),), (("travel", "(?:paid|expenses)"),),
                    (("жол", "ақы"),), ("(?:виз[аыу]|перел[её]т|авиабилет|билет|проживани|жиль[её]|общежити)",
                                       ("за", "(?:наш|сч[её]т)")),
                    ("(?:visa|flight|ticket|accommodation|housing)", "(?:paid|provided|covered)"),
                    (("free", "(?:accommodation|housing|flight)"),)),
    "bank_cards": (("(?:куплю|покупаю|скупаю|скупка|выкуп|аренд|сдам|сдать|сдаю|продам|продать|продаю)", "карт"),
                   ("карт", "аренд"), ("карт", "имя"), ("нужн", "карт"), ("через", "карт"),
                   ("(?:rent|sell|buy)", "(?:card|account)"), ("карт", "(?:сатып|жалға)")),
    "secrecy": ((("без", "(?:собеседован|документов|паспорта)"),), (("не", "задавай"),), (("no", "questions"),),
                (("сұрақ", "қойма"),)),
}

# Literal pieces of which every match of a pattern contains at least one (tests check it on the corpus and on
# generated text): a text holding none of them is not searched, which skips most patterns for most texts.
STEMS: dict[str, tuple[str, ...]] = {
    "pay_per_period": ("день", "сутки", "смен", "час", "нед", "day", "hour", "week", "shift", "күніне", "тәулігіне",
                       "сағатына", "аптасына", "ежедневн", "daily"),
    "high_pay": ("день", "сутки", "смен", "нед", "day", "week", "$", "usd", "долл", "бакс", "заработ", "деньг",
                 "высокооплачиваем", "табыс", "money"),
    "dm_only": ("пиш", "лс", "личк", "личн", "подробност", "жеке", "dm", "direct", "inbox", "write", "pm", "ставь"),
    "telegram_contact": ("@", "t.me/", "telegram.me/", "bot", "бот", "телеграм", "телег", "tg"),
    "crypto_pay": ("крипт", "btc", "usdt", "биткоин", "биткойн", "bitcoin", "crypto", "тезер", "tether", "p2p", "р2р",
                   "арбитраж", "ltc", "эфир", "eth", "trc"),
    "deposit": ("залог", "депозит", "кепіл", "deposit", "предоплат", "оформлени", "обучени", "регистраци", "взнос",
                "fee", "upfront", "төлем"),
    "no_experience": ("опыт", "тәжірибе", "experience", "возраст", "лет", "+", "жастан", "age"),
    "courier_role": ("кур", "доставк", "доставщик", "склад", "перевозчик", "водител", "жеткізу", "жүргізуші", "қойма",
                     "courier", "delivery", "driver", "warehouse", "runner"),
    "drug_slang": ("заклад", "клад", "минёр", "минер", "шоп", "нарко", "весёл", "весел", "тайник", "фасов", "соль",
                   "меф", "гашиш", "stash", "drop", "есірткі"),
    "paid_travel": ("оплач", "командировк", "travel", "жол", "виз", "перел", "билет", "проживани", "жиль", "общежити",
                    "visa", "flight", "ticket", "accommodation", "housing", "есебімізден"),
    "bank_cards": ("дроп", "карт", "card", "account"),
    "secrecy": ("аноним", "конфиденциальн", "собеседован", "документов", "паспорта", "задавай", "questions",
                "жасырын", "құпия", "сұрақ"),
}
FLAG_NAMES: tuple[str, ...] = (*PATTERNS, "obfuscation")


@dataclass(frozen=True)
class FlagHit:
    """One indicator found at [start, end) of the normalized text."""

    name: str
    start: int
    end: int


@lru_cache(maxsize=1)
def compiled() -> dict[str, re.Pattern]:
    """Each indicator's pattern, compiled on first use: a run without reasons or flag features never searches
    them (compiling these and the anchors was 10 ms of every start)."""
    return {name: re.compile(p) for name, p in PATTERNS.items()}


def find_flags(text: str) -> list[FlagHit]:
    """First hit of every indicator in normalized text, in FLAG_NAMES order."""
    hits = []
    for name, pattern in compiled().items():
        _add(hits, name, _search(name, pattern, text), 0)
    return hits


def _search(name: str, pattern: re.Pattern, text: str) -> re.Match | None:
    """The first match of the named pattern in text, searched only when text holds one of its stems."""
    return pattern.search(text) if any(stem in text for stem in STEMS[name]) else None


def _add(hits: list[FlagHit], name: str, m: re.Match | None, offset: int) -> None:
    """The hit of match m (found at offset in the text) without the whitespace at its ends; none if all is, or
    if there is no match."""
    if m is None:
        return
    found = m.group(0)
    if found.strip():
        start = offset + m.start() + len(found) - len(found.lstrip())
        hits.append(FlagHit(name, start, offset + m.start() + len(found.rstrip())))


def first_hits(text: str, words: list[str], begins: list[int], bits: np.ndarray) -> list[FlagHit]:
    """find_flags(text) for a text made of `words` (normalized tokens) joined by single spaces, word j at
    begins[j], given each word's token_bits: a flag whose anchors rule out a match across a space is searched
    in the first word that holds one, not in the whole text (tests hold it equal to find_flags)."""
    if not words:
        return []
    hits_in = int(np.bitwise_or.reduce(bits[:, 0]))
    anchors = int(np.bitwise_or.reduce(bits[:, 1]))
    if len(words) > 1:
        anchors |= int(np.bitwise_or.reduce(bits[:-1, 2] & bits[1:, 3]))
    hits: list[FlagHit] = []
    for k, (name, pattern) in enumerate(compiled().items()):
        if any(anchors & mask == mask for mask in ANCHOR_MASKS[k]):  # a match may span words
            _add(hits, name, _search(name, pattern, text), 0)
        elif hits_in >> k & 1:
            j = int(np.flatnonzero(bits[:, 0] >> k & 1)[0])
            _add(hits, name, pattern.search(words[j]), begins[j])
    return hits


def flag_vector(text: str, names=PATTERNS) -> list[float]:
    """1.0 for each named indicator present in text, in the order given (default: every one, PATTERNS order)."""
    patterns = compiled()
    return [1.0 if patterns[n].search(text) else 0.0 for n in names]


_TERMS: list[Anchor] = sorted({a for options in ANCHORS.values() for combo in options for a in combo}, key=str)
# bit i of a mask stands for _TERMS[i]; the masks are int64 columns of the token table
if len(_TERMS) > 62:
    raise ValueError(f"{len(_TERMS)} anchor terms: the token table's int64 masks hold 62")
ANCHOR_MASKS: tuple[tuple[int, ...], ...] = tuple(
    tuple(sum(1 << _TERMS.index(a) for a in combo) for combo in ANCHORS[name]) for name in PATTERNS)


@lru_cache(maxsize=1)
def _anchors() -> tuple[list, list, list]:
    """(bit, pattern) of the anchors: inside a token, ending one (a pair's first word), starting one (its
    second); compiled on first use."""
    return ([(1 << i, re.compile(a if isinstance(a, str) else f"(?:{a[0]}) (?:{a[1]})")) for i, a in enumerate(_TERMS)],
            [(1 << i, re.compile(f"(?:{a[0]})$")) for i, a in enumerate(_TERMS) if isinstance(a, tuple)],
            [(1 << i, re.compile(f"(?:{a[1]})")) for i, a in enumerate(_TERMS) if isinstance(a, tuple)])


def _any(patterns) -> re.Pattern:
    """One pattern that matches where any of patterns does (an alternation is searched as each one is)."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


# Most tokens match nothing of a group, and one search answers that for the whole group: for the patterns, a
# search for any of their stems (cheaper than the patterns' own alternation); for the anchors, their alternation.
# Compiled on first use: only a model that uses red flags as features asks for token bits.
@lru_cache(maxsize=1)
def _gates() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    stems = sorted({s for st in STEMS.values() for s in st}, key=len, reverse=True)
    return (re.compile("|".join(map(re.escape, stems))), *(_any(p for _, p in g) for g in _anchors()))


def token_bits(text: str) -> tuple[int, int, int, int]:
    """Bit masks for one normalized token: patterns matched inside it alone, anchors inside it, pair anchors
    whose first word ends it, pair anchors whose second word starts it."""
    hits = inside = ends = starts = 0
    stem_gate, inside_gate, ends_gate, starts_gate = _gates()
    if stem_gate.search(text):
        hits = sum(1 << k for k, (name, p) in enumerate(compiled().items())
                   if any(stem in text for stem in STEMS[name]) and p.search(text))
    inside_terms, end_terms, start_terms = _anchors()
    if inside_gate.search(text):
        inside = sum(bit for bit, p in inside_terms if p.search(text))
    if ends_gate.search(text):
        ends = sum(bit for bit, p in end_terms if p.search(text))
    if starts_gate.match(text):
        starts = sum(bit for bit, p in start_terms if p.match(text))
    return hits, inside, ends, starts


def pattern(k: int) -> re.Pattern:
    """The compiled pattern of the k-th indicator in PATTERNS order."""
    return _in_order()[k]


@lru_cache(maxsize=1)
def _in_order() -> tuple[re.Pattern, ...]:
    return tuple(compiled().values())
