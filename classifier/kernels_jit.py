"""The batch scorer's loops, compiled by numba: split texts into tokens, find them in the token table, and sum
TF-IDF weights per text. Everything here works on plain numpy arrays; fast.py and tokens.py hold the logic.
Called through `kernels`, which checks the argument types and uses the same loops built ahead of time when
`make install` could build them.
"""
from __future__ import annotations

import sys

import numpy as np
from numba import njit

from .kernels import (C_DIGIT, C_ODD, C_UNUSUAL, C_WORD, FANCY_START, Q_BULLET, Q_CYRILLIC, Q_DIGIT, Q_LATIN, Q_OTHER, Q_PUNCT,
                      T_AT, T_CRYPTO, T_DIGITS, T_DOTTED, T_LINK, T_ODD, T_UNUSUAL, T_WEB)


def _without_blas() -> None:
    """Import numba's array functions with SciPy hidden. At a first call numba checks whether SciPy's BLAS is
    there (importing scipy.linalg, a fifth of a second); these loops use no linear algebra, so the check is
    answered "no" unless SciPy is loaded already. SciPy imports normally afterwards."""
    if "scipy.linalg" in sys.modules or "numba.np.arraymath" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None  # an import of it raises ImportError (the light scipy package still loads)
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg"]


_without_blas()

FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)
ONE = np.uint64(1)


@njit(cache=True, nogil=True)
def fnv(cp, start, stop):
    """FNV-1a hash of cp[start:stop], never 0 (0 marks an empty slot): the one hash of tokens and n-grams."""
    h = FNV_OFFSET
    for p in range(start, stop):
        h = (h ^ np.uint64(cp[p])) * FNV_PRIME
    return h | ONE


@njit(cache=True, nogil=True)
def tokenize(cp, doc_ends, spaces, keys, values):
    """Tokens of every text: (start, end, text index, hash, table row or -1) arrays; doc_ends[i] is where
    text i ends in cp, the code points of all texts one after another."""
    # a text of length L holds at most L // 2 + 1 tokens (one character, one space, ...); texts follow one
    # another with no space between them, so the bound is summed per text
    bound = cp.shape[0] // 2 + doc_ends.shape[0] + 1
    starts = np.empty(bound, dtype=np.int64)
    ends = np.empty(bound, dtype=np.int64)
    docs = np.empty(bound, dtype=np.int64)
    hashes = np.empty(bound, dtype=np.uint64)
    mask = np.uint64(keys.shape[0] - 1)
    count = 0
    pos = 0
    for d in range(doc_ends.shape[0]):
        end = doc_ends[d]
        while pos < end:
            c = cp[pos]
            if c < spaces.shape[0] and spaces[c]:
                pos += 1
                continue
            start = pos
            while pos < end and not (cp[pos] < spaces.shape[0] and spaces[cp[pos]]):
                pos += 1
            starts[count] = start
            ends[count] = pos
            docs[count] = d
            hashes[count] = fnv(cp, start, pos)
            count += 1
        pos = end
    rows = np.empty(count, dtype=np.int64)
    for t in range(count):
        rows[t] = find(keys, values, hashes[t], mask)
    return starts[:count], ends[:count], docs[:count], hashes[:count], rows


@njit(cache=True, nogil=True)
def find(keys, values, h, mask):
    """Row stored under hash h, or -1 (linear probing)."""
    i = h & mask
    while True:
        k = keys[i]
        if k == h:
            return values[i]
        if k == 0:
            return -1
        i = (i + ONE) & mask


@njit(cache=True, nogil=True)
def find_slot(slots, h, mask):
    """find() in a table whose keys and values are interleaved (key, value, key, ...): a hit reads one cache
    line instead of two."""
    i = h & mask
    while True:
        k = slots[2 * i]
        if k == h:
            return np.int64(slots[2 * i + 1])
        if k == 0:
            return -1
        i = (i + ONE) & mask


@njit(cache=True, nogil=True)
def insert(keys, values, hashes, rows):
    """Store rows under their hashes (the table must have room)."""
    mask = np.uint64(keys.shape[0] - 1)
    for t in range(hashes.shape[0]):
        h = hashes[t]
        i = h & mask
        while keys[i] != 0 and keys[i] != h:
            i = (i + ONE) & mask
        keys[i] = h
        values[i] = rows[t]


@njit(cache=True, nogil=True)
def first_seen(hashes):
    """(the index of each distinct hash's first occurrence, in the order they first occur; for each hash, the
    rank of its distinct value in that order): what np.unique's index and inverse give, without sorting."""
    n = hashes.shape[0]
    size = 16
    while size < 2 * n:
        size *= 2
    mask = np.uint64(size - 1)
    keys = np.zeros(size, dtype=np.uint64)
    ranks = np.empty(size, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    inverse = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        h = hashes[i]  # never 0 (fnv)
        j = h & mask
        while keys[j] != 0 and keys[j] != h:
            j = (j + ONE) & mask
        if keys[j] == 0:
            keys[j] = h
            ranks[j] = k
            first[k] = i
            k += 1
        inverse[i] = ranks[j]
    return first[:k], inverse


@njit(cache=True, nogil=True)
def texts_plan(docs, rows, n_docs, ok, first, variant_cols, edge_cols, empty_cols, left_cols, script_cols):
    """Per text: which variant its tokens take (1 = mostly Cyrillic), and whether it needs the full pass."""
    cyr1 = np.zeros(n_docs)
    other1 = np.zeros(n_docs)
    bad = np.zeros(n_docs, dtype=np.bool_)
    for t in range(docs.shape[0]):
        r = rows[t]
        cyr1[docs[t]] += first[r, 0]
        other1[docs[t]] += first[r, 1]
        if not ok[r]:
            bad[docs[t]] = True
    pick = np.zeros(n_docs, dtype=np.int64)
    for d in range(n_docs):
        pick[d] = 1 if cyr1[d] >= 0.6 * max(1.0, other1[d]) else 0
    cyr2 = np.zeros(n_docs)
    other2 = np.zeros(n_docs)
    left = np.zeros(n_docs, dtype=np.bool_)
    run = 0
    last_doc = -1
    for t in range(docs.shape[0]):
        d = docs[t]
        r = rows[t]
        v = pick[d]
        cyr2[d] += script_cols[r, 2 * v]
        other2[d] += script_cols[r, 2 * v + 1]
        if left_cols[r, v]:
            left[d] = True
        if d != last_doc:
            run = 0
            last_doc = d
        if empty_cols[r, v]:
            continue
        run = run + 1 if edge_cols[r, v] else 0
        if run >= 4:  # four tokens in a row that could be spaced-out letters
            bad[d] = True
    for d in range(n_docs):
        if left[d] and cyr2[d] >= 0.6 * max(1.0, other2[d]):
            bad[d] = True
    return pick, bad


@njit(cache=True, nogil=True)
def _term(c, tf, sublinear):
    """The term weight of count c: tf[c] below 256."""
    return tf[c] if c < tf.shape[0] else (np.log(c) + 1.0 if sublinear else float(c))


@njit(cache=True, nogil=True)
def _finish(sums, out):
    """out += sums[:k] / sqrt(sums[k]), the l2-normalized dot product, when the norm is not zero."""
    k = out.shape[0]
    if sums[k] > 0:
        norm = np.sqrt(sums[k])
        for j in range(k):
            out[j] += sums[j] / norm


@njit(cache=True, nogil=True)
def row_sums(ptr, ids, first, weights):
    """For rows first.. of a ragged id list: the sum of weights[f] over each row's ids (repeats counted)."""
    out = np.zeros((ptr.shape[0] - 1 - first, weights.shape[1]))
    for r in range(first, ptr.shape[0] - 1):
        for p in range(ptr[r], ptr[r + 1]):
            f = ids[p]
            for j in range(weights.shape[1]):
                out[r - first, j] += weights[f, j]
    return out


@njit(cache=True, nogil=True)
def _count(t, stop, norms, char_ptr, char_ids, seq_ptr, seq_ids, unigram_of, bigram_keys, bigram_feats, n_words,
           char_acc, char_touched, word_acc, word_touched):
    """Count the character and word n-grams of tokens t..stop (one text) into char_acc / word_acc, listing each
    n-gram met in *_touched; returns how many of each kind."""
    nc = 0
    nw = 0
    prev = -1
    for u in range(t, stop):
        j = norms[u]
        for p in range(char_ptr[j], char_ptr[j + 1]):
            f = char_ids[p]
            if char_acc[f] == 0:
                char_touched[nc] = f
                nc += 1
            char_acc[f] += 1
        for p in range(seq_ptr[j], seq_ptr[j + 1]):
            w = seq_ids[p]
            if w >= 0:
                f = unigram_of[w]
                if f >= 0:
                    if word_acc[f] == 0:
                        word_touched[nw] = f
                        nw += 1
                    word_acc[f] += 1
                if prev >= 0:
                    key = prev * n_words + w
                    i = np.searchsorted(bigram_keys, key)
                    if i < bigram_keys.shape[0] and bigram_keys[i] == key:
                        f = bigram_feats[i]
                        if word_acc[f] == 0:
                            word_touched[nw] = f
                            nw += 1
                        word_acc[f] += 1
            prev = w
    return nc, nw


@njit(cache=True, nogil=True)
def linear(docs, norms, skip, n_docs, char_ptr, char_ids, char_sums, seq_ptr, seq_ids, unigram_of, bigram_keys,
           bigram_feats, n_words, char_weights, word_weights, tf, sublinear, char_acc, word_acc, char_touched,
           word_touched):
    """Word and character TF-IDF parts of the decision of every text not skipped; norms[t] is the normalized
    token of token t, docs[t] its text (tokens of a text are contiguous). weights[f] = [idf[f] * coef[f, :],
    idf[f] ** 2]; tf[c] = the term weight of count c.

    Character n-grams: char_sums[t] already sums the weights of token t's n-grams as if each counted once in
    the text, so only n-grams that occur more than once in a text need their weights looked up again.

    Scratch (a caller's, reused across calls instead of allocated and zeroed per call: that was most of the
    time of a call for one text): char_acc / word_acc hold zeros, one per n-gram of each vocabulary, and are
    left zero; char_touched / word_touched have as many slots."""
    k = char_weights.shape[1] - 1
    z = np.zeros((n_docs, k))
    sums = np.zeros(k + 1)
    t = 0
    n_tok = docs.shape[0]
    while t < n_tok:
        d = docs[t]
        stop = t
        while stop < n_tok and docs[stop] == d:
            stop += 1
        if skip[d]:
            t = stop
            continue
        sums[:] = 0.0
        for u in range(t, stop):
            j = norms[u]
            for q in range(k + 1):
                sums[q] += char_sums[j, q]
        nc, nw = _count(t, stop, norms, char_ptr, char_ids, seq_ptr, seq_ids, unigram_of, bigram_keys, bigram_feats,
                        n_words, char_acc, char_touched, word_acc, word_touched)
        for i in range(nc):  # n-grams seen c > 1 times: replace c * weight by tf(c) * weight
            f = char_touched[i]
            c = char_acc[f]
            char_acc[f] = 0
            if c > 1:
                w = _term(c, tf, sublinear)
                for j in range(k):
                    sums[j] += (w - c) * char_weights[f, j]
                sums[k] += (w * w - c) * char_weights[f, k]
        _finish(sums, z[d])
        sums[:] = 0.0
        for i in range(nw):
            f = word_touched[i]
            c = word_acc[f]
            word_acc[f] = 0
            w = _term(c, tf, sublinear)
            for j in range(k):
                sums[j] += w * word_weights[f, j]
            sums[k] += w * w * word_weights[f, k]
        _finish(sums, z[d])
        t = stop
    return z


@njit(cache=True, nogil=True)
def hash_texts(cp, ends):
    """FNV-1a hash of each text in cp (texts end at ends), as tokenize() hashes tokens."""
    out = np.empty(ends.shape[0], dtype=np.uint64)
    start = 0
    for i in range(ends.shape[0]):
        out[i] = fnv(cp, start, ends[i])
        start = ends[i]
    return out


@njit(cache=True, nogil=True)
def char_ngrams(cp, ends, lo, hi, slots):
    """Vocabulary ids of the char_wb n-grams (lo..hi) of each text, with repeats, as scikit-learn counts them:
    each space-separated word padded with one space on each side; slots: the n-grams' hash table, keys and
    values interleaved. Returns (ids, how many per text)."""
    mask = np.uint64(slots.shape[0] // 2 - 1)
    out = np.empty(cp.shape[0] * (hi - lo + 1) + 16, dtype=np.int64)
    counts = np.zeros(ends.shape[0], dtype=np.int64)
    padded = np.empty(cp.shape[0] + 2, dtype=np.uint32)
    running = np.empty(cp.shape[0] + 2, dtype=np.uint64)  # fnv of padded[a:a + n] before its final | 1, as n grows
    m = 0
    start = 0
    for i in range(ends.shape[0]):
        p = start
        stop = ends[i]
        while p < stop:
            if cp[p] == 32:
                p += 1
                continue
            q = p
            while q < stop and cp[q] != 32:
                q += 1
            length = q - p + 2
            padded[0] = 32
            padded[1:length - 1] = cp[p:q]
            padded[length - 1] = 32
            for a in range(length):
                h = FNV_OFFSET
                for r in range(a, min(a + lo - 1, length)):
                    h = (h ^ np.uint64(padded[r])) * FNV_PRIME
                running[a] = h
            for n in range(lo, min(hi, length) + 1):
                for a in range(length - n + 1):
                    h = (running[a] ^ np.uint64(padded[a + n - 1])) * FNV_PRIME
                    running[a] = h
                    f = find_slot(slots, h | ONE, mask)
                    if f >= 0:
                        if m >= out.shape[0]:
                            out = np.concatenate((out, np.empty(out.shape[0], dtype=np.int64)))
                        out[m] = f
                        m += 1
                        counts[i] += 1
            p = q
        start = stop
    return out[:m], counts


@njit(cache=True, nogil=True)
def token_weights(docs, norms, chosen, char_ptr, char_ids, seq_ptr, seq_ids, unigram_of, bigram_keys, bigram_feats,
                  n_words, char_weights, word_weights, char_dir, word_dir, tf, sublinear, char_acc, word_acc,
                  char_touched, word_touched):
    """Signed share of every token of the chosen texts in the text's decision along a direction: for each
    n-gram occurrence tf(c) / c * idf * direction / ||row||, summed per token (a word bigram gives half to each
    of its two tokens). Tokens of texts not chosen get 0. Same arrays as linear(); char_dir[f] and word_dir[f]
    are idf[f] * direction[f] in the same id order; the last column of the weights is idf ** 2. Scratch as
    in linear()."""
    k = char_weights.shape[1] - 1
    out = np.zeros(docs.shape[0])
    t = 0
    n_tok = docs.shape[0]
    while t < n_tok:
        d = docs[t]
        stop = t
        while stop < n_tok and docs[stop] == d:
            stop += 1
        if not chosen[d]:
            t = stop
            continue
        nc, nw = _count(t, stop, norms, char_ptr, char_ids, seq_ptr, seq_ids, unigram_of, bigram_keys, bigram_feats,
                        n_words, char_acc, char_touched, word_acc, word_touched)
        char_sq = 0.0
        for i in range(nc):
            f = char_touched[i]
            w = _term(char_acc[f], tf, sublinear)
            char_sq += w * w * char_weights[f, k]
        word_sq = 0.0
        for i in range(nw):
            f = word_touched[i]
            w = _term(word_acc[f], tf, sublinear)
            word_sq += w * w * word_weights[f, k]
        char_norm = np.sqrt(char_sq) if char_sq > 0 else 1.0
        word_norm = np.sqrt(word_sq) if word_sq > 0 else 1.0
        prev = -1
        prev_tok = -1
        for u in range(t, stop):  # each occurrence's share, to the token it sits in
            j = norms[u]
            acc = 0.0
            for p in range(char_ptr[j], char_ptr[j + 1]):
                f = char_ids[p]
                c = char_acc[f]
                acc += _term(c, tf, sublinear) / c * char_dir[f]
            out[u] += acc / char_norm
            for p in range(seq_ptr[j], seq_ptr[j + 1]):
                w = seq_ids[p]
                if w >= 0:
                    f = unigram_of[w]
                    if f >= 0:
                        c = word_acc[f]
                        out[u] += _term(c, tf, sublinear) / c * word_dir[f] / word_norm
                    if prev >= 0:
                        key = prev * n_words + w
                        i = np.searchsorted(bigram_keys, key)
                        if i < bigram_keys.shape[0] and bigram_keys[i] == key:
                            f = bigram_feats[i]
                            c = word_acc[f]
                            half = 0.5 * _term(c, tf, sublinear) / c * word_dir[f] / word_norm
                            out[u] += half
                            out[prev_tok] += half
                prev = w
                prev_tok = u
        for i in range(nc):
            char_acc[char_touched[i]] = 0
        for i in range(nw):
            word_acc[word_touched[i]] = 0
        t = stop
    return out




@njit(cache=True, nogil=True)
def _class(c, classes):
    return classes[c] if c < classes.shape[0] else Q_OTHER


@njit(cache=True, nogil=True)
def _folded(c, fancy):
    """c, or the plain lower-case letter a mathematical Latin letter stands for (fancy, from FANCY_START)."""
    if c >= FANCY_START and c - FANCY_START < fancy.shape[0] and fancy[c - FANCY_START] != 0:
        return fancy[c - FANCY_START]
    return c


@njit(cache=True, nogil=True)
def _number(cp, a, b, classes):
    """Is cp[a:b] a number with its signs: digits and plain punctuation ("9.00-18.00;", "(11,", "4%", "$5"), a
    digit among them, no punctuation mark three times in a row? No step of the pass changes one: they touch
    letters, and runs of punctuation."""
    digit = False
    for r in range(a, b):
        cls = _class(cp[r], classes)
        if cls == Q_DIGIT:
            digit = True
        elif cls != Q_PUNCT and cls != Q_BULLET:
            return False
        elif r >= a + 2 and cp[r] == cp[r - 1] and cp[r] == cp[r - 2]:
            return False
    return digit


@njit(cache=True, nogil=True)
def _repeat_tail(cp, a, b):
    """Where cp[a:b] ends if a closing run of three or more of one mark the pass shortens ([!?.,)(*=~-]) is cut
    to its first one ("для..." -> "для."), else b."""
    c = cp[b - 1]
    if b - a < 3 or not (c == 33 or c == 63 or c == 46 or c == 44 or c == 41 or c == 40 or c == 42 or c == 61
                         or c == 126 or c == 45):
        return b
    k = b - 1
    while k > a and cp[k - 1] == c:
        k -= 1
    return k + 1 if b - k >= 3 else b


@njit(cache=True, nogil=True)
def _word_script(cp, a, b, classes, lower, fancy):
    """(Q_CYRILLIC or Q_LATIN if cp[a:b] is a word the normalization pass only lower-cases, else Q_OTHER; the
    place of a dot the pass drops, or -1): letters of one script and plain punctuation, no character three
    times in a row, no lone letter beside another run of letters (a Latin word: no lone letter at all). A dot
    between Cyrillic letters is dropped when two letters stand on each side ("роста.Место" -> "ростаместо");
    the pass reads the word without it, so the letters around it join. A bullet only before or after the
    letters ("•Требования", "команды;•"). Mathematical letters read as the plain ones they stand for."""
    script = Q_OTHER
    runs = 0
    single = False
    run = 0
    dot = -1
    bullet = False  # one after a letter: a letter after it is refused
    before = np.int64(-1)  # the two characters the pass sees before this one (lower-cased)
    last = np.int64(-1)
    for r in range(a, b):
        c = _folded(cp[r], fancy)
        cls = _class(c, classes)
        if cls == Q_LATIN or cls == Q_CYRILLIC:
            if script == Q_OTHER:
                script = cls
            elif cls != script or bullet:
                return Q_OTHER, -1
            run += 1
            if run == 1:
                runs += 1
        elif cls == Q_PUNCT or cls == Q_BULLET:
            bullet = bullet or (cls == Q_BULLET and runs > 0)
            if c == 46 and script == Q_CYRILLIC and run > 0 and r + 1 < b and _class(cp[r + 1], classes) == Q_CYRILLIC:
                if dot >= 0 or run < 2 or r + 2 >= b or _class(cp[r + 2], classes) != Q_CYRILLIC:
                    return Q_OTHER, -1
                dot = r
                continue
            if run == 1:
                single = True
            run = 0
        else:
            return Q_OTHER, -1
        low = np.int64(lower[c])
        if low == last and low == before:
            return Q_OTHER, -1
        before = last
        last = low
    if run == 1:
        single = True
    if script == Q_OTHER or (single and (runs > 1 or script == Q_LATIN)):
        return Q_OTHER, -1
    return script, dot


@njit(cache=True, nogil=True)
def _thrice(cp, a, b, lower):
    """Whether one character, lower-cased, comes three times in a row in cp[a:b] (the pass shortens such runs)."""
    for r in range(a + 2, b):
        low = lower[cp[r]]
        if low == lower[cp[r - 1]] and low == lower[cp[r - 2]]:
            return True
    return False


@njit(cache=True, nogil=True)
def _mixed_word(cp, a, b, classes, lower, lookalike):
    """Whether cp[a:b] is one run of Latin and Cyrillic letters, both there, with plain punctuation only
    before and after it and no character three times in a row ("кoмпaнии", "(Рaбoтa!"); and whether the pass
    writes its Latin look-alikes in Cyrillic (normalize._word_repair: Cyrillic letters at least as many as the
    Latin ones, or no Latin letter without a look-alike)."""
    cyr = 0
    foreign = 0
    other = 0
    state = 0  # 0: before the letters, 1: in them, 2: after them
    for r in range(a, b):
        c = cp[r]
        cls = _class(c, classes)
        if cls == Q_LATIN or cls == Q_CYRILLIC:
            if state == 2:
                return False, False
            state = 1
            if cls == Q_CYRILLIC:
                cyr += 1
            elif lookalike[lower[c]] != 0:
                foreign += 1
            else:
                other += 1
        elif cls == Q_PUNCT:
            if state == 1:
                state = 2
        else:
            return False, False
    if cyr == 0 or foreign + other == 0 or _thrice(cp, a, b, lower):
        return False, False
    return True, foreign > 0 and (other == 0 or cyr >= foreign + other)


@njit(cache=True, nogil=True)
def _script_runs(cp, a, b, classes, lower):
    """Whether cp[a:b] is runs of letters, each of two or more letters of one script, Latin and Cyrillic both
    there, joined and surrounded by plain marks but a dot, with no character three times in a row
    ("IT-отдела.", "Excel;Ответственный"): the pass only lower-cases them (a Latin run of look-alikes stays
    Latin, as in normalize._word_repair; no run is a lone letter)."""
    latin = False
    cyrillic = False
    script = Q_OTHER  # of the current run
    run = 0
    after = False  # a mark after a run (a dot there would join the runs around it)
    for r in range(a, b):
        c = cp[r]
        cls = _class(c, classes)
        if cls == Q_LATIN or cls == Q_CYRILLIC:
            if run > 0 and cls != script:
                return False
            if run == 0 and after and cp[r - 1] == 46:
                return False
            script = cls
            run += 1
            latin = latin or cls == Q_LATIN
            cyrillic = cyrillic or cls == Q_CYRILLIC
        elif cls == Q_PUNCT:
            if run == 1:
                return False
            after = after or run > 0
            run = 0
        else:
            return False
    return run != 1 and latin and cyrillic and not _thrice(cp, a, b, lower)


@njit(cache=True, nogil=True)
def quick_tokens(cp, starts, stops, classes, lower, plain, fancy, lookalike, strip):
    """For each token cp[starts[i]:stops[i]]: its kind (0: needs tokenview, 1: a number, 2: a Cyrillic word,
    3: a Latin word, each one the pass leaves as it is but for case, a dropped dot, a shortened closing run
    of marks and mathematical letters folded; 4: a word of Latin and Cyrillic letters, whose Latin look-alikes
    the pass may write in Cyrillic, see _mixed_word, or runs of each, see _script_runs), its letters, its plain letters, its Cyrillic letters
    and look-alikes rewritten (kind 4), its disguised characters (a dropped dot, folded letters, look-alikes
    rewritten, emoji marks and invisible characters dropped) and whether its first or last character is a
    lone letter; and the tokens as the pass leaves them, each followed by a
    newline (empty for kind 0), as code points. Kind 4's plain and Cyrillic letters are counted before the
    look-alikes are rewritten (each one rewritten adds one to both). Emoji, invisible characters and marks
    before and after a token's other characters (`strip`: 1 where the pass writes a space, 2 where it drops
    the character as a disguise, 0 neither, -1 not known) leave the token they surround, each dropped one
    disguised; a token of nothing else is kind 5, empty."""
    n = starts.shape[0]
    kind = np.zeros(n, dtype=np.int64)
    letters = np.zeros(n, dtype=np.int64)
    plains = np.zeros(n, dtype=np.int64)
    cyrs = np.zeros(n, dtype=np.int64)
    swaps = np.zeros(n, dtype=np.int64)
    disguised = np.zeros(n, dtype=np.int64)
    edge = np.zeros(n, dtype=np.bool_)
    size = 0
    for i in range(n):
        size += stops[i] - starts[i] + 1
    out = np.empty(size, dtype=np.uint32)
    m = 0
    for i in range(n):
        a = starts[i]
        b = stops[i]
        k = 0
        dot = -1
        dropped = 0
        while a < b and _stripped(cp[a], strip) > 0:
            dropped += _stripped(cp[a], strip) == 2
            a += 1
        while b > a and _stripped(cp[b - 1], strip) > 0:
            dropped += _stripped(cp[b - 1], strip) == 2
            b -= 1
        if a == b:
            k = 5
        elif _number(cp, a, b, classes):
            k = 1
        else:
            b = _repeat_tail(cp, a, b)
            script, dot = _word_script(cp, a, b, classes, lower, fancy)
            k = 2 if script == Q_CYRILLIC else (3 if script == Q_LATIN else 0)
            if k == 0:
                mixed, swap = _mixed_word(cp, a, b, classes, lower, lookalike)
                if mixed:
                    k = 4
                    if not _mixed_out(cp, a, b, lower, lookalike, swap, out, m):
                        k = 0
                elif _script_runs(cp, a, b, classes, lower):
                    k = 4
                    _mixed_out(cp, a, b, lower, lookalike, False, out, m)
        kind[i] = k
        if k == 4:
            count = 0
            plain_count = 0
            cyr = 0
            swapped = 0
            for r in range(a, b):
                c = cp[r]
                cls = _class(c, classes)
                if cls == Q_LATIN or cls == Q_CYRILLIC:
                    count += 1
                    cyr += cls == Q_CYRILLIC
                    plain_count += plain[lower[c]]
                    swapped += out[m] != lower[c]
                m += 1
            letters[i] = count
            plains[i] = plain_count
            cyrs[i] = cyr
            swaps[i] = swapped
            disguised[i] = swapped
        elif k != 0 and k != 5:
            count = 0
            plain_count = 0
            folded = 0
            for r in range(a, b):
                if r == dot:
                    continue
                c = _folded(cp[r], fancy)
                folded += c != cp[r]
                out[m] = lower[c] if c < lower.shape[0] else c
                m += 1
                cls = _class(c, classes)
                if k >= 2 and (cls == Q_LATIN or cls == Q_CYRILLIC):
                    count += 1
                    if k == 2 or plain[lower[c]]:
                        plain_count += 1
            letters[i] = count
            plains[i] = plain_count
            disguised[i] = (dot >= 0) + folded
            if k >= 2:  # as tokenview._edge: a letter first (last) with no letter after (before) it
                first = _class(_folded(cp[a], fancy), classes)
                last = _class(_folded(cp[b - 1], fancy), classes)
                single = b - a == 1
                after = _class(_folded(cp[a + 1], fancy), classes) if not single else Q_OTHER
                before = _class(_folded(cp[b - 2], fancy), classes) if not single else Q_OTHER
                edge[i] = ((first == Q_LATIN or first == Q_CYRILLIC) and not (after == Q_LATIN or after == Q_CYRILLIC)) or (
                    (last == Q_LATIN or last == Q_CYRILLIC) and not (before == Q_LATIN or before == Q_CYRILLIC))
        disguised[i] += dropped
        out[m] = 10
        m += 1
    return kind, letters, plains, cyrs, swaps, disguised, edge, out[:m]


@njit(cache=True, nogil=True)
def _stripped(c, strip):
    return strip[c] if c < strip.shape[0] else 0


@njit(cache=True, nogil=True)
def _mixed_out(cp, a, b, lower, lookalike, swap, out, m):
    """Write the mixed word cp[a:b] as the pass leaves it into out[m:], its look-alikes in Cyrillic if swap;
    False if that puts one letter three times in a row (the pass would then shorten the run: tokenview)."""
    for r in range(a, b):
        low = lower[cp[r]]
        c = lookalike[low] if swap and low < 0x80 and lookalike[low] != 0 else low
        out[m + r - a] = c
        if r - a >= 2 and out[m + r - a - 1] == c and out[m + r - a - 2] == c:
            return False
    return True


@njit(cache=True, nogil=True)
def word_ids(cp, ends, is_word, keys, values):
    """Vocabulary ids (or -1) of the words of each text as scikit-learn's default token_pattern finds them
    (runs of two or more word characters), with how many per text; `ok` is False when a text holds a code point
    past the is_word table (the caller then finds its words itself)."""
    mask = np.uint64(keys.shape[0] - 1)
    out = np.empty(cp.shape[0] // 2 + 1, dtype=np.int64)
    counts = np.zeros(ends.shape[0], dtype=np.int64)
    ok = np.ones(ends.shape[0], dtype=np.bool_)
    m = 0
    start = 0
    for i in range(ends.shape[0]):
        stop = ends[i]
        p = start
        while p < stop:
            c = cp[p]
            if c >= is_word.shape[0]:
                ok[i] = False
                p += 1
                continue
            if not is_word[c]:
                p += 1
                continue
            q = p
            while q < stop and cp[q] < is_word.shape[0] and is_word[cp[q]]:
                q += 1
            if q - p >= 2:
                out[m] = find(keys, values, fnv(cp, p, q), mask)
                m += 1
                counts[i] += 1
            p = q
        start = stop
    return out[:m], counts, ok


@njit(cache=True, nogil=True)
def _lc(cp, p, stop, lower):
    """The lower-cased code point at p, or 0 at or past stop."""
    if p >= stop:
        return 0
    c = cp[p]
    return lower[c] if c < lower.shape[0] else c


@njit(cache=True, nogil=True)
def _skip(cp, p, stop, lower, spaces_only):
    """p moved past at most two separators of indicators' triggers ([ .-_*·•|~+], or [ \\t] if spaces_only)."""
    for _ in range(2):
        c = _lc(cp, p, stop, lower)
        if spaces_only:
            if c != 32 and c != 9:
                break
        elif not (c == 32 or c == 46 or c == 45 or c == 95 or c == 42 or c == 183 or c == 8226 or c == 124
                  or c == 126 or c == 43):
            break
        p += 1
    return p


@njit(cache=True, nogil=True)
def _tochka(cp, p, stop, lower):
    """T_DOTTED if _T_TOCHKA matches at p: [ч4] sep{0,2} [кk] sep{0,2} [аa@]."""
    q = _skip(cp, p + 1, stop, lower, False)
    d = _lc(cp, q, stop, lower)
    if d == 1082 or d == 107:
        e = _lc(cp, _skip(cp, q + 1, stop, lower, False), stop, lower)
        if e == 1072 or e == 97 or e == 64:
            return T_DOTTED
    return 0


@njit(cache=True, nogil=True)
def indicator_triggers(cp, ends, lower, classes):
    """For each text (cp up to ends[i]), the T_* bits of the triggers that indicators._wanted finds in it, each
    on the lower-cased text as there: T_UNUSUAL (and nothing more) for a character that can disguise, T_ODD for
    one this pass cannot read (the caller asks _wanted); `classes` holds C_* bits for every code point."""
    n = ends.shape[0]
    out = np.zeros(n, dtype=np.int64)
    start = 0
    for i in range(n):
        stop = ends[i]
        bits = 0
        chain = 0  # digits so far of a _T_DIGITS run, and the non-word characters since its last digit
        gap = 0
        run = 0  # of [a-z0-9_+/-] (_T_LONG)
        for p in range(start, stop):
            c = cp[p]
            cls = classes[c]
            if cls & C_UNUSUAL:
                bits = T_UNUSUAL
                break
            if cls & C_ODD:
                bits = T_ODD
                break
            l = lower[c] if c < lower.shape[0] else c
            if cls & C_DIGIT:
                chain = chain + 1 if chain > 0 and gap <= 5 else 1
                gap = 0
                if chain >= 7:
                    bits |= T_DIGITS
            elif cls & C_WORD or l == 10:
                chain = 0
            elif chain > 0:
                gap += 1
                if gap > 5:
                    chain = 0
            if l >= 128:  # past ASCII only ч starts a trigger
                run = 0
                if l == 1095:
                    bits |= _tochka(cp, p, stop, lower)
                continue
            if (97 <= l <= 122) or (48 <= l <= 57) or l == 95 or l == 43 or l == 47 or l == 45:
                run += 1
                if run >= 20:
                    bits |= T_CRYPTO
            else:
                run = 0
            if l == 64:  # @
                bits |= T_AT
            elif l == 109:  # me/ me /
                if _lc(cp, p + 1, stop, lower) == 101:
                    d = _lc(cp, p + 2, stop, lower)
                    if d == 47 or (d == 32 and _lc(cp, p + 3, stop, lower) == 47):
                        bits |= T_LINK
            elif l == 116:  # tg:
                if _lc(cp, p + 1, stop, lower) == 103 and _lc(cp, p + 2, stop, lower) == 58:
                    bits |= T_LINK
            elif l == 119:  # www whatsapp
                d = _lc(cp, p + 1, stop, lower)
                if d == 119 and _lc(cp, p + 2, stop, lower) == 119:
                    bits |= T_WEB
                elif d == 104:
                    word = True
                    for k, want in enumerate((97, 116, 115, 97, 112, 112)):
                        if _lc(cp, p + 2 + k, stop, lower) != want:
                            word = False
                            break
                    if word:
                        bits |= T_LINK
            elif l == 118:  # vk.
                if _lc(cp, p + 1, stop, lower) == 107 and _lc(cp, p + 2, stop, lower) == 46:
                    bits |= T_LINK
            elif l == 100:  # dot
                if _lc(cp, p + 1, stop, lower) == 111 and _lc(cp, p + 2, stop, lower) == 116:
                    bits |= T_DOTTED
            elif l == 91 or l == 40:  # [.] (.)
                if _lc(cp, p + 1, stop, lower) == 46 and _lc(cp, p + 2, stop, lower) == (93 if l == 91 else 41):
                    bits |= T_DOTTED
            elif l == 32:  # " . "
                if _lc(cp, p + 1, stop, lower) == 46 and _lc(cp, p + 2, stop, lower) == 32:
                    bits |= T_DOTTED
            elif l == 99:  # chk
                if _lc(cp, p + 1, stop, lower) == 104 and _lc(cp, p + 2, stop, lower) == 107:
                    bits |= T_DOTTED
            elif l == 58:  # ://
                if _lc(cp, p + 1, stop, lower) == 47 and _lc(cp, p + 2, stop, lower) == 47:
                    bits |= T_WEB
            elif l == 46:  # _T_DOT: a dot, then two Latin letters or рф
                d = _lc(cp, p + 1, stop, lower)
                e = _lc(cp, p + 2, stop, lower)
                if (97 <= d <= 122 and 97 <= e <= 122) or (d == 1088 and e == 1092):
                    bits |= T_DOTTED
            elif l == 52:
                bits |= _tochka(cp, p, stop, lower)
            elif l == 107:  # _T_IBAN: kz [ \t]{0,2} two digits
                if _lc(cp, p + 1, stop, lower) == 122:
                    q = _skip(cp, p + 2, stop, lower, True)
                    if q + 1 < stop and classes[cp[q]] & C_DIGIT and classes[cp[q + 1]] & C_DIGIT:
                        bits |= T_DIGITS
        out[i] = bits
        start = stop
    return out
