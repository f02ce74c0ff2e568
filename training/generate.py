"""Expand the phrasing patterns in seeds/patterns.yaml into labelled examples (kind 'generated')."""
from __future__ import annotations

import random
import re
from pathlib import Path

import yaml

OPENERS = {
    "drug_courier": ["Требуются", "Ищем", "СРОЧНО нужны", "Открыт набор:", "Набор в команду:", "Нужны люди:", "ВАКАНСИЯ",
                     "Работа!", "Жұмыс бар:", "Есть работа -", ""],
    "scam_recruitment": ["Кто хочет заработать?", "Есть тема", "Ищу людей в команду", "Работа для всех", "Внимание!",
                         "Подработка", "Кому нужны деньги?", "Набор открыт", ""],
    "legit_job": ["Вакансия:", "Требуется", "Приглашаем на работу", "Ищем сотрудника:", "Открыта вакансия", "Жұмысқа шақырамыз:"],
}
COMPANIES = ["ТОО «Жедел Жеткізу»", "ООО «Быстрая почта»", "служба доставки «Дала Экспресс»", "ТОО «Астык Логистик»",
             "аптечная сеть «Дәрі Плюс»", "ИП Сейткали", "ТОО «Best Cargo KZ»", "сеть кофеен «Утро»"]
BULLETS = ["", "✅ ", "🔥 ", "• ", "- ", "💰 ", "➡️ ", "📌 "]
JOINERS = [", ", "\n", ". ", " | ", "! ", "\n\n"]
NEWS_OPEN = ["В {city}", "В городе {city}", "Жители {city}, внимание.", "{city}:", ""]


def load_patterns(path: Path) -> dict:
    """The pattern groups and slot values of a patterns.yaml file."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _fill(phrase: str, slots: dict, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(slots[m.group(1)]), phrase)


def _style(text: str, rng: random.Random) -> str:
    """Vary case, punctuation and emoji the way chat posts do."""
    r = rng.random()
    if r < 0.12:
        text = text.upper()
    elif r < 0.3:
        text = text.lower()
    if rng.random() < 0.3:
        text += rng.choice([" 🔥", " 💸💸", " !!!", " 👇", "))", " ✅", ""])
    return text


def _pick(groups: dict, name: str, rng: random.Random, k: int = 1) -> list[str]:
    phrases = groups[name]["phrases"]
    return rng.sample(phrases, min(k, len(phrases)))


def _assemble(parts: list[str], label: str, groups: dict, rng: random.Random) -> str:
    slots = groups["slots"]
    rng.shuffle(parts)
    bullet = rng.choice(BULLETS)
    joiner = rng.choice(JOINERS)
    body = joiner.join(bullet + _fill(p, slots, rng) for p in parts)
    opener = rng.choice(OPENERS.get(label, [""]))
    city = rng.choice(slots["city"]) if rng.random() < 0.5 else ""
    head = " ".join(x for x in (opener, city) if x)
    return _style(f"{head}\n{body}" if head else body, rng)


def generate(patterns: dict, per_label: int = 250, seed: int = 13) -> list[dict]:
    """Labelled examples composed from the pattern groups; deterministic for a seed."""
    rng = random.Random(seed)
    g = patterns
    recipes = {
        "drug_courier": lambda: (_pick(g, rng.choice(["roles_drug", "roles_coded"]), rng) + _pick(g, "bait_pay", rng)
                                 + _pick(g, "channels", rng)
                                 + [p for grp in ("secrecy", "payment", "deposit", "travel") if rng.random() < 0.45
                                    for p in _pick(g, grp, rng)]),
        "scam_recruitment": lambda: (_pick(g, "bait_pay", rng) + _pick(g, "channels", rng)
                                     + [p for grp in ("secrecy", "payment", "denials") if rng.random() < 0.4
                                        for p in _pick(g, grp, rng)]),
        "legit_job": lambda: (_pick(g, "roles_coded", rng) + [rng.choice(COMPANIES)] + _pick(g, "legit_anchor", rng, 3)),
    }
    out, seen = [], set()
    for label, recipe in recipes.items():
        tries = 0
        while sum(1 for r in out if r["label"] == label) < per_label and tries < per_label * 20:
            tries += 1
            text = _assemble(recipe(), label, g, rng)
            if text not in seen:
                seen.add(text)
                out.append({"text": text, "label": label, "lang": "ru", "kind": "generated"})
    tries = 0
    while sum(1 for r in out if r["label"] == "not_recruitment") < per_label and tries < per_label * 20:
        tries += 1
        frame = rng.choice(["news_frames", "warning_frames"])
        quoted = "«" + _fill(rng.choice(_pick(g, "bait_pay", rng) + _pick(g, "roles_drug", rng)), g["slots"], rng) + "»"
        parts = _pick(g, frame, rng, 2) + [rng.choice(["объявления о", "обещали", "предлагали", "в тексте было"]) + " " + quoted]
        opener = _fill(rng.choice(NEWS_OPEN), {"city": g["slots"]["city"]}, rng)
        text = (opener + " " + ". ".join(_fill(p, g["slots"], rng) for p in parts) + ".").strip()
        if text not in seen:
            seen.add(text)
            out.append({"text": text, "label": "not_recruitment", "lang": "ru", "kind": "generated"})
    return out
