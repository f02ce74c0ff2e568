"""Group near-duplicate texts into campaigns: MinHash LSH (datasketch) over shingles of the normalized text.

A text is normalized (look-alike letters, invisible characters, leet and spacing undone), reduced to its letters
and digits (so "з а к л а д", "за-кл-ад" and "заклад" read the same), and cut into character 5-grams. Two texts
whose estimated Jaccard similarity of those sets is at least the threshold are linked; a campaign is a connected
group of links. Identical reduced texts are linked before hashing, so a message posted 10,000 times costs one.

>>> finder = CampaignFinder()
>>> for key, text in enumerate(["Нужны курьеры, 25 000 ₸ в день, пиши @fast_job",
...                             "Нужны к у р ь е р ы, 25 000 ₸ в день, пиши @fast_job 🔥",
...                             "Продам диван, почти новый, самовывоз"]):
...     finder.add(key, text)
>>> finder.groups()
[[0, 1], [2]]
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Hashable

import numpy as np

from .confusables import LOOKALIKE_TO_CYRILLIC
from .normalize import normalize_text

if TYPE_CHECKING:
    from datasketch import MinHash

# Chosen on generated variants (tests/bench/bench_campaigns.py): every disguise of 40 ads stays together from
# 0.2 to 0.6, but reposts with other digits, handles and an added line stay together at 0.4 (completeness
# 0.99) and not at 0.6 (0.83); below 0.4 distinct short posts of one template start to join. README: figures.
THRESHOLD = 0.4
NUM_PERM = 128
SHINGLE = 5
MIN_CHARS = 24  # shorter reduced texts ("работа", "пиши в лс") join only their exact repeats
_NOT_ALNUM = re.compile(r"[\W_]+")
_HANDLE_AT = re.compile(r"@(?=[A-Za-z0-9_])")  # @ before a handle, not @ written for а
# one script for letters that look alike, so "fаst" (Cyrillic а) and "fast" reduce the same
_SKELETON = str.maketrans({k: v for k, v in LOOKALIKE_TO_CYRILLIC.items() if len(k) == 1})
_MULT = np.uint64(0x100000001B3)  # FNV prime: a polynomial rolling hash over code points


def reduced(text: str) -> str:
    """The text as campaigns compare it: normalized, letters and digits only, look-alikes in one script."""
    return _NOT_ALNUM.sub("", normalize_text(_HANDLE_AT.sub(" ", text))).translate(_SKELETON)


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the distinct character k-grams of reduced(text) (one for a text shorter than k)."""
    s = reduced(text)
    if len(s) < k:
        s = s.ljust(k, "\0")
    cp = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cp) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _MULT + cp[j:j + n]
    return np.unique((h ^ (h >> np.uint64(32))).astype(np.uint32))


def _identity(x):
    return x


class CampaignFinder:
    """Add texts one by one; `groups()` gives the campaigns as lists of keys, each in insertion order."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM):
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
        self.threshold = threshold
        from datasketch import MinHash, MinHashLSH  # here, not at import: it loads scipy, which scoring never needs

        self._template = MinHash(num_perm=num_perm, seed=1, hashfunc=_identity)
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._keys: list[Hashable] = []
        self._parent: list[int] = []
        self._exact: dict[str, int] = {}
        self._slot: list[int] = []  # row of _signatures holding each key's MinHash (shared by exact repeats)
        self._signatures = np.empty((1024, num_perm), dtype=self._template.hashvalues.dtype)
        self._indexed = 0  # rows of _signatures in use

    def _find(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, i: int, j: int) -> None:
        a, b = self._find(i), self._find(j)
        if a != b:
            self._parent[max(a, b)] = min(a, b)

    def minhash(self, text: str) -> MinHash:
        """The text's MinHash (datasketch's affine32 scheme, shingle hashes fed as they are)."""
        from datasketch import MinHash

        m = MinHash(num_perm=len(self._template), hashfunc=_identity, permutations=self._template.permutations,
                    scheme=self._template.scheme)
        m.update_batch(shingle_hashes(text).tolist())
        return m

    def add(self, key: Hashable, text: str) -> None:
        i = len(self._keys)
        self._keys.append(key)
        self._parent.append(i)
        exact = reduced(text)
        if not exact:  # nothing but emoji or punctuation: a campaign of its own
            exact = f"\0{i}"
        if exact in self._exact:  # the same words again: no need to hash or index it
            first = self._exact[exact]
            self._union(i, first)
            self._slot.append(self._slot[first])
            return
        self._exact[exact] = i
        m = self.minhash(text)
        slot = self._indexed
        self._slot.append(slot)
        if slot == len(self._signatures):
            self._signatures = np.concatenate([self._signatures, np.empty_like(self._signatures)])
        self._signatures[slot] = m.hashvalues
        if len(exact) < MIN_CHARS:
            self._indexed += 1
            return
        candidates = [c for c in self._lsh.query(m) if self._find(c[1]) != self._find(i)]
        if candidates:
            rows = np.fromiter((c[0] for c in candidates), dtype=np.int64, count=len(candidates))
            similar = (self._signatures[rows] == m.hashvalues).mean(axis=1) >= self.threshold
            for (_, j), ok in zip(candidates, similar):
                if ok:
                    self._union(i, j)
        self._lsh.insert((slot, i), m, check_duplication=False)
        self._indexed += 1

    def groups(self) -> list[list[Hashable]]:
        """Campaigns as lists of keys, largest first (ties: the one seen first)."""
        members: dict[int, list[int]] = {}
        for i in range(len(self._keys)):
            members.setdefault(self._find(i), []).append(i)
        ordered = sorted(members.values(), key=lambda g: (-len(g), g[0]))
        return [[self._keys[i] for i in g] for g in ordered]

    def groups_with_centres(self, sample: int = 200) -> list[tuple[list[int], int]]:
        """(positions of the members in insertion order, position of the most central member) per campaign.
        The centre agrees most, on average, with the others' MinHash values (among up to `sample` members)."""
        out = []
        members: dict[int, list[int]] = {}
        for i in range(len(self._keys)):
            members.setdefault(self._find(i), []).append(i)
        for g in sorted(members.values(), key=lambda g: (-len(g), g[0])):
            pick = g if len(g) <= sample else [g[int(k * len(g) / sample)] for k in range(sample)]
            sig = self._signatures[[self._slot[i] for i in pick]]
            agree = (sig[:, None, :] == sig[None, :, :]).mean(axis=2).sum(axis=1) if len(pick) > 1 else np.zeros(1)
            out.append((g, pick[int(np.argmax(agree))]))
        return out

    def key(self, position: int) -> Hashable:
        return self._keys[position]


def summarize(finder: CampaignFinder, ids: list, texts: list[str], scores: list[float], risky: list[bool],
              indicators: list[list[dict]], seen: list | None = None, min_size: int = 2) -> list[dict]:
    """One record per campaign of at least min_size texts: size, representative text, ids, the indicators that
    two or more members carry (with how many), score range, texts scoring >= medium, first and last ids and,
    given `seen` (a time per text, compared as text: ISO dates sort right), first and last seen."""
    out = []
    for members, centre in finder.groups_with_centres():
        if len(members) < min_size:
            continue
        counts: dict[tuple[str, str], int] = {}
        for p in members:
            for key in {(i["kind"], i["normalized"]) for i in indicators[p]}:
                counts[key] = counts.get(key, 0) + 1
        shared = [{"kind": k, "normalized": v, "texts": n}
                  for (k, v), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2 or len(members) == 1]
        times = [seen[p] for p in members if seen[p] not in (None, "")] if seen is not None else []
        member_scores = [scores[p] for p in members]
        out.append({"campaign": len(out) + 1, "size": len(members), "representative": texts[centre],
                    "representative_id": ids[centre], "ids": [ids[p] for p in members], "indicators": shared,
                    "score_min": min(member_scores), "score_max": max(member_scores),
                    "risky": sum(risky[p] for p in members), "first_id": ids[members[0]], "last_id": ids[members[-1]],
                    "first_seen": min(map(str, times)) if times else None,
                    "last_seen": max(map(str, times)) if times else None})
    return out
