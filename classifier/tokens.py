"""A growing table of everything the batch scorer needs about each distinct token, computed once per token.

Real traffic repeats its words, so scoring millions of texts meets each distinct token only once: its
normalized form (`tokenview`), its red-flag bits and the ids of its word and character n-grams. Raw tokens are
found by a 64-bit hash of their code points in an open-addressing table; each points to normalized tokens (a
second one for texts that are mostly Cyrillic, where look-alike words get rewritten). The table is cleared
when it outgrows its bound, so memory stays flat on any input. Two different tokens with the same 64-bit hash
would share a row; among a million tokens the chance of any such pair is about 3 in 100 million. N-gram
vocabularies are found the same way, and a collision inside a vocabulary is refused when the table is built.
"""
from __future__ import annotations

import numpy as np

from . import kernels
from .compiled import WORD_TOKEN, _join, _split
from .flags import token_bits
from .tokenview import STRIP_FROM, quick_tables, replay_view, strip_kind, token_view

# columns of a raw token's row; pairs are [plain text, mostly-Cyrillic text]
OK, FIRST, NORM, DISGUISED, LETTERS, SCRIPT, LEFT, EDGE, EMPTY = (
    slice(0, 1), slice(1, 3), slice(3, 5), slice(5, 7), slice(7, 9), slice(9, 13), slice(13, 15), slice(15, 17),
    slice(17, 19))
RAW_COLUMNS = 19


class Buffer:
    """A numpy array that grows at the end by doubling its capacity; `view` is the filled part."""

    def __init__(self, columns: int = 0, dtype=np.int32):
        self._data = np.zeros((64, columns) if columns else (64,), dtype=dtype)
        self.size = 0

    def extend(self, rows) -> None:
        rows = np.asarray(rows, dtype=self._data.dtype)
        need = self.size + len(rows)
        if need > len(self._data):
            grown = np.zeros((max(need, 2 * len(self._data)), *self._data.shape[1:]), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size:need] = rows
        self.size = need

    @property
    def view(self) -> np.ndarray:
        return self._data[: self.size]


class Ragged:
    """Rows of integer ids of varying length, as CSR arrays (`indptr.view`, `ids.view`)."""

    def __init__(self):
        self.indptr = Buffer(dtype=np.int64)
        self.indptr.extend([0])
        self.ids = Buffer()


def _code_points(texts: list[str], joined: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Code points of texts one after another (joined, if given, is "".join(texts)), and where each text ends."""
    joined = "".join(texts) if joined is None else joined
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cp, np.cumsum([len(t) for t in texts], dtype=np.int64)


def _hash_table(strings: list[str], values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Open-addressing table from the hashes of strings to values; refuses a hash collision."""
    hashes = kernels.hash_texts(*_code_points(strings))
    ordered = np.sort(hashes)
    if (ordered[1:] == ordered[:-1]).any():
        raise ValueError("two vocabulary entries share a 64-bit hash")
    size = 1 << max(4, int(2 * len(strings)).bit_length())
    keys, table = np.zeros(size, dtype=np.uint64), np.zeros(size, dtype=np.int64)
    kernels.insert(keys, table, hashes, values)
    return keys, table


TABLE_FORMAT = 2  # of vocabulary_tables' arrays: raise it when how they are built changes


def interleaved(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A _hash_table as one array, each key followed by its value (kernels.find_slot)."""
    return np.column_stack([keys, values.astype(np.uint64)]).ravel()


def split_slots(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keys, values) of an interleaved table."""
    return slots[0::2], slots[1::2].view(np.int64)


def vocabulary_tables(model) -> dict[str, np.ndarray]:
    """The part of a TokenTable that depends on the model alone: n-gram ids renumbered by frequency (lowest idf
    first: the rows used most then share cache lines), hash tables from character n-grams and from words to
    ids, each word's unigram id, and word bigrams as integer pairs. `CompiledModel.to_bytes` stores them, so a
    start reads them instead of building them (0.15 s). The n-gram table is interleaved (char_slots): most of
    a text's n-grams are new, and each lookup then misses the cache once instead of twice."""
    char_order = np.argsort(model.char_idf, kind="stable")
    word_order = np.argsort(model.word_idf, kind="stable")
    char_rank = np.empty_like(char_order)
    char_rank[char_order] = np.arange(len(char_order))
    char_keys, char_values = _hash_table(model.char_terms, char_rank.astype(np.int64))
    word_rank = np.empty_like(word_order)
    word_rank[word_order] = np.arange(len(word_order))
    # words of the word vocabulary (alone or in a bigram) get dense ids, so bigrams become integer pairs
    vocab, rank = model.word_vocab, word_rank.tolist()
    split = [(term.split(" "), j) for term, j in vocab.items()]
    pairs = [(parts, j) for parts, j in split if len(parts) == 2]
    words = sorted({w for parts, _ in split for w in parts})
    ids = {w: i for i, w in enumerate(words)}
    word_keys, word_values = _hash_table(words, np.arange(len(words), dtype=np.int64))
    keys = [ids[a] * len(words) + ids[b] for (a, b), _ in pairs]
    order = np.argsort(keys)
    return {"format": np.asarray([TABLE_FORMAT]), "char_order": char_order.astype(np.int64),
            "word_order": word_order.astype(np.int64), "char_slots": interleaved(char_keys, char_values),
            "word_keys": word_keys, "word_values": word_values, "words": _join(words),
            "unigram_of": np.asarray([rank[vocab[w]] if w in vocab else -1 for w in words], dtype=np.int64),
            "bigram_keys": np.asarray(keys, dtype=np.int64)[order],
            "bigram_feats": np.asarray([rank[j] for _, j in pairs], dtype=np.int64)[order]}


def _usable(model, tables: dict | None) -> bool:
    """Whether stored tables were built as this version builds them: their format, and 64 of the model's
    n-grams found in them, under this version's hash, with their ids."""
    try:
        if tables is None or int(tables["format"][0]) != TABLE_FORMAT:
            return False
        n = len(model.char_idf)
        picks = np.arange(0, n, max(1, n // 64))  # char n-gram i has id i
        rank = np.empty(len(tables["char_order"]), dtype=np.int64)
        rank[tables["char_order"]] = np.arange(len(rank))
        keys, values = split_slots(tables["char_slots"])
        if len(keys) & (len(keys) - 1) or not (keys == 0).any():  # probing needs a power of two and an empty slot
            return False
        found = _lookup(keys, values, model.char_terms_at(picks.tolist()))
        return len(rank) == n and bool((found == rank[picks]).all())
    except (KeyError, IndexError, ValueError):
        return False


def _lookup(keys: np.ndarray, values: np.ndarray, strings: list[str]) -> np.ndarray:
    """The values stored under strings in a _hash_table (-1 where absent)."""
    hashes = kernels.hash_texts(*_code_points(strings))
    mask, out = len(keys) - 1, []
    for h in hashes.tolist():
        i = h & mask
        while keys[i] != 0 and keys[i] != h:
            i = (i + 1) & mask
        out.append(int(values[i]) if keys[i] == h else -1)
    return np.asarray(out, dtype=np.int64)


class TokenTable:
    """Raw tokens (by hash) -> rows of RAW_COLUMNS; normalized tokens -> flag bits and n-gram ids."""

    def __init__(self, model, max_tokens: int = 1_000_000):
        self.model = model
        self.max_tokens = max_tokens
        self.generation = 0  # counts clear() calls, so what others cache per normalized token can follow
        stored = getattr(model, "tables", None)
        t = stored if _usable(model, stored) else vocabulary_tables(model)
        self.char_order, self.word_order = t["char_order"], t["word_order"]
        self.char_slots = t["char_slots"]
        self.word_keys, self.word_values = t["word_keys"], t["word_values"]
        self.unigram_of, self.bigram_keys, self.bigram_feats = t["unigram_of"], t["bigram_keys"], t["bigram_feats"]
        self.n_words = len(self.unigram_of)
        self._words = t["words"]
        self._word_ids: dict[str, int] | None = None
        self.char_n = model.char_n
        # scikit-learn's \w, for the code points normalized text is made of (a text past them is done in Python)
        self._is_word = np.fromiter(((chr(c).isalnum() or c == 95) for c in range(0x3000)), dtype=np.bool_,
                                    count=0x3000)
        self._quick = quick_tables()
        self._strip = np.full(0x110000, -1, dtype=np.int8)  # strip_kind of each code point, filled as texts bring them
        self._strip[:STRIP_FROM] = 0
        self.clear()

    @property
    def word_ids(self) -> dict[str, int]:
        """Word -> dense id (the words of the word vocabulary), for the texts the compiled pass cannot read."""
        if self._word_ids is None:
            self._word_ids = {w: i for i, w in enumerate(_split(self._words))}
        return self._word_ids

    def clear(self) -> None:
        self.generation += 1
        self.keys = np.zeros(1 << 16, dtype=np.uint64)
        self.values = np.zeros(1 << 16, dtype=np.int64)
        self.rows = Buffer(RAW_COLUMNS)
        self.norm: dict[str, int] = {}
        self.norm_text: list[str] = []
        # flags.token_bits of each normalized token: all at once when the model uses red flags as features, else
        # on first use (flag_bits); -1 in the first column marks a token not yet done
        self.bits = Buffer(4, dtype=np.int64)
        self._new_bits: list[tuple[int, int, int, int]] = []
        self._new_texts: list[str] = []
        self.chars, self.sequence = Ragged(), Ragged()
        self._norm_entry("")  # entry 0: also where tokens that need the full pass point
        self._seal()

    def _norm_entry(self, text: str) -> int:
        j = self.norm.get(text)
        if j is None:
            self._add_norms([text])
            j = len(self.norm_text) - 1
        return j

    def _norm_entries(self, texts: list[str]) -> list[int]:
        """_norm_entry of each text, in loops that run in C: the new ones are added in first-seen order."""
        norm = self.norm
        new = [w for w in dict.fromkeys(texts) if w not in norm]
        if new:
            self._add_norms(new)
        return list(map(norm.__getitem__, texts))

    def _add_norms(self, new: list[str]) -> None:
        """Enter normalized tokens not in the table yet; their n-grams are found at the next _seal."""
        if self.model.dense_weight and self.model.flag_names:
            self._new_bits.extend(map(token_bits, new))
        self.norm.update(zip(new, range(len(self.norm_text), len(self.norm_text) + len(new))))
        self.norm_text.extend(new)
        self._new_texts.extend(new)

    def normalized_ids(self, words: list[str]) -> np.ndarray:
        """Entries of tokens that are normalized already (the words of a normalized text), added if new."""
        ids = np.asarray(self._norm_entries(words), dtype=np.int64)
        self._seal()
        return ids

    def _raw_row(self, token: str, read=token_view) -> list[int]:
        view = read(token)
        row = [0] * RAW_COLUMNS
        if view is None:
            return row
        row[OK.start], row[FIRST] = 1, view.script
        for k, v in enumerate((view.plain, view.cyrillic)):
            row[NORM.start + k] = self._norm_entry(v.text)
            row[DISGUISED.start + k], row[LETTERS.start + k] = v.disguised, v.letters
            row[SCRIPT.start + 2 * k: SCRIPT.start + 2 * k + 2] = v.script
            row[LEFT.start + k], row[EDGE.start + k], row[EMPTY.start + k] = v.lookalike_left, v.edge, not v.text
        return row

    def _new_rows(self, joined: str, cp: np.ndarray, starts: np.ndarray, stops: np.ndarray,
                  tokens: np.ndarray) -> np.ndarray:
        """Rows of new distinct tokens (by index into starts/stops): numbers and words that normalization only
        lower-cases from one compiled pass (kernels.quick_tokens), which takes every shape tokenview's quick path
        does; the others by replaying the pass on the token."""
        first, last = starts[tokens], stops[tokens] - 1
        self._learn_strip(cp[np.concatenate([np.minimum(first + k, last) for k in range(3)]
                                            + [np.maximum(last - k, first) for k in range(3)])])
        kind, letters, plain, cyrs, swapped, disguised, edge, lowered = kernels.quick_tokens(
            cp, first, last + 1, *self._quick, self._strip)
        words = lowered.tobytes().decode("utf-32-le").split("\n")[:-1]  # "" for the tokens of kind 0
        block = np.zeros((len(tokens), RAW_COLUMNS), dtype=np.int32)
        quick = kind > 0
        norm = np.asarray(self._norm_entries(words), dtype=np.int64)
        cyrillic = np.where(kind == 2, letters, np.where(kind == 4, cyrs, 0))
        other = np.where(kind == 2, letters, np.where(kind >= 3, plain, 0))
        block[quick, OK.start] = 1
        block[quick, FIRST.start], block[quick, FIRST.start + 1] = cyrillic[quick], other[quick]  # the token's script
        for start in (SCRIPT.start, SCRIPT.start + 2):  # both variants'
            # a rewritten look-alike is a Cyrillic and a plain letter after
            block[quick, start], block[quick, start + 1] = (cyrillic + swapped)[quick], (other + swapped)[quick]
        for pair, values in ((NORM, norm), (DISGUISED, disguised), (LETTERS, letters), (EDGE, edge),
                             (EMPTY, kind == 5)):
            block[quick, pair.start] = block[quick, pair.start + 1] = values[quick]
        for i in np.flatnonzero(~quick).tolist():
            block[i] = self._raw_row(joined[starts[tokens[i]]:stops[tokens[i]]], replay_view)  # no quick shape
        return block

    def _learn_strip(self, cps: np.ndarray) -> None:
        """Fill the strip table for these code points (the first and last three of new tokens): quick_tokens
        strips emoji and invisible characters only as far as it knows them."""
        unknown = cps[self._strip[cps] < 0]
        for c in set(unknown.tolist()):  # not np.unique: its first call imports numpy.ma (7 ms of each start)
            self._strip[c] = strip_kind(chr(c))

    def tokens(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(text index, row, start, end) of every whitespace-separated token of texts, in order, with start and
        end counted in its own text; new tokens are added to the table."""
        joined = "".join(texts)
        cp, ends = _code_points(texts, joined)
        starts, stops, docs, hashes, rows = kernels.tokenize(cp, ends, kernels.SPACES, self.keys, self.values)
        missing = np.flatnonzero(rows < 0)
        # normalized tokens are also entered from whole normalized texts (normalized_ids), so both are bounded
        if self.rows.size and (self.rows.size + len(missing) > self.max_tokens
                               or len(self.norm_text) > 2 * self.max_tokens):
            self.clear()
            rows[:] = -1
            missing = np.arange(len(rows))
        if len(missing):
            new_hashes = hashes[missing]
            first, inverse = kernels.first_seen(new_hashes)  # new rows in the order their tokens first appear
            first_row = self.rows.size
            rows[missing] = first_row + inverse
            self.rows.extend(self._new_rows(joined, cp, starts, stops, missing[first]))
            self._seal()
            self._store(new_hashes[first], first_row + np.arange(len(first), dtype=np.int64))
        begins = np.zeros_like(ends)  # where each text starts in the joined text
        begins[1:] = ends[:-1]
        base = begins[docs]
        return docs, rows, starts - base, stops - base

    def _seal(self) -> None:
        """Move what was computed for new normalized tokens into the arrays; n-grams in one compiled pass."""
        new = len(self.norm_text) - self.bits.size
        self.bits.extend(self._new_bits if self._new_bits else np.full((new, 4), -1))
        self._new_bits = []
        if not self._new_texts:
            return
        cp, ends = _code_points(self._new_texts)
        ids, counts = kernels.char_ngrams(cp, ends, self.char_n[0], self.char_n[1], self.char_slots)
        self.chars.ids.extend(ids)
        self.chars.indptr.extend(self.chars.indptr.view[-1] + np.cumsum(counts))
        ids, counts, ok = kernels.word_ids(cp, ends, self._is_word, self.word_keys, self.word_values)
        if not ok.all():  # a character past the table: those tokens' words the slower way, spliced in
            ids, counts = self._spliced(ids, counts, ok)
        self.sequence.ids.extend(ids)
        self.sequence.indptr.extend(self.sequence.indptr.view[-1] + np.cumsum(counts))
        self._new_texts = []

    def _spliced(self, ids: np.ndarray, counts: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The compiled pass's word ids with those of the new tokens it could not read found by the regex."""
        found = {i: [self.word_ids.get(w, -1) for w in WORD_TOKEN.findall(self._new_texts[i])]
                 for i in np.flatnonzero(~ok).tolist()}
        fixed = counts.copy()
        fixed[list(found)] = [len(v) for v in found.values()]
        out = np.empty(int(fixed.sum()), dtype=np.int64)
        kept = np.repeat(ok, fixed)
        out[kept] = ids[np.repeat(ok, counts)]
        out[~kept] = [j for v in found.values() for j in v]
        return out, fixed

    def flag_bits(self, ids: np.ndarray) -> np.ndarray:
        """flags.token_bits of the normalized tokens `ids`, one row each (computed here for those not done yet)."""
        view = self.bits.view
        rows = view[ids]
        todo = rows[:, 0] < 0
        if todo.any():
            for j in set(ids[todo].tolist()):
                view[j] = token_bits(self.norm_text[j])
            rows = view[ids]
        return rows

    def _store(self, hashes: np.ndarray, rows: np.ndarray) -> None:
        if 2 * self.rows.size > len(self.keys):  # keep the hash table at most half full
            used = self.keys != 0
            old_keys, old_values = self.keys[used], self.values[used]
            size = len(self.keys)
            while 2 * self.rows.size > size:
                size *= 2
            self.keys = np.zeros(size, dtype=np.uint64)
            self.values = np.zeros(size, dtype=np.int64)
            kernels.insert(self.keys, self.values, old_keys, old_values)
        kernels.insert(self.keys, self.values, hashes, rows)
