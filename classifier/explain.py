"""Turn the n-grams that raised a score into readable phrases with spans in the original text."""
from __future__ import annotations

import re
from itertools import accumulate

from .flags import find_flags
from .normalize import Normalized
from .result import Flag, Reason

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WORD = re.compile(r"[^\s.,!?;:()«»\"“”]+")


def _char_weights(norm: str, terms: list[tuple[str, str, float]]) -> list[float]:
    """Spread each positive term's contribution over the characters where it occurs."""
    diff = [0.0] * (len(norm) + 1)  # weight per character as differences, summed once at the end
    padded = f" {norm} "
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(norm)]
    for kind, term, contrib in terms:
        spans = []
        if kind == "c":
            start = padded.find(term)
            while start != -1:
                spans.append((start - 1, start - 1 + len(term)))
                start = padded.find(term, start + 1)
        else:
            parts = term.split(" ")
            for i in range(len(tokens) - len(parts) + 1):
                if all(tokens[i + k][0] == p for k, p in enumerate(parts)):
                    spans.append((tokens[i][1], tokens[i + len(parts) - 1][2]))
        for a, b in spans:
            a, b = max(a, 0), min(b, len(norm))
            if b > a:
                w = contrib / len(spans) / (b - a)
                diff[a] += w
                diff[b] -= w
    return list(accumulate(diff[: len(norm)]))


def reasons_for(normalized: Normalized, terms: list[tuple[str, str, float]], top: int = 5) -> list[Reason]:
    """Merge positive term weights into whole words, then adjacent words into phrases."""
    norm = normalized.text
    if not norm or not terms:
        return []
    w = _char_weights(norm, terms)
    words = [(m.start(), m.end(), float(sum(w[m.start():m.end()]))) for m in _WORD.finditer(norm)]
    if not words:
        return []
    best = max(s for _, _, s in words)
    if best <= 0:
        return []
    picked = [(a, b, s) for a, b, s in words if s >= 0.2 * best]
    phrases: list[list[float]] = []
    for a, b, s in picked:
        if phrases and not norm[int(phrases[-1][1]):a].strip(" ,-–—") and norm[int(phrases[-1][1]):a].count(" ") <= 1:
            phrases[-1][1], phrases[-1][2] = b, phrases[-1][2] + s
        else:
            phrases.append([a, b, s])
    phrases.sort(key=lambda p: -p[2])
    out = []
    for a, b, s in phrases[:top]:
        start, end = normalized.span(int(a), int(b))
        out.append(Reason(text=normalized.original[start:end], start=start, end=end, weight=round(s, 4)))
    return out


def flags_for(normalized: Normalized) -> list[Flag]:
    """Named red flags with spans in the original text, plus 'obfuscation' where a word was disguised."""
    out = []
    for hit in find_flags(normalized.text):
        start, end = normalized.span(hit.start, hit.end)
        out.append(Flag(name=hit.name, text=normalized.original[start:end], start=start, end=end))
    if normalized.obfuscation.disguised:
        for m in _WORD.finditer(normalized.text):
            start, end = normalized.span(m.start(), m.end())
            seen = normalized.original[start:end]
            if seen.lower() != m.group(0) and any(c.isalpha() for c in m.group(0)):
                out.append(Flag(name="obfuscation", text=seen, start=start, end=end))
                break
    return out
