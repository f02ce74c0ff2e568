"""The batch fast path gives the same numbers as the reference path, on the corpus and on generated text."""
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.fast import FastScorer
from classifier.flags import flag_vector
from classifier.normalize import normalize_with_stats
from classifier.tokenview import join_views, token_view
from training.corpus import written_examples

# pieces that exercise every branch of normalization and of the red-flag anchors
PIECES = ["курьер", "Kурьeр", "з а к л а д к и", "з.а.к.л.а.д.к.и", "ш0п", "p@бота", "ООО", "оооочень", "!!!",
          "...", "ул.абая", "оклад+бонус", "🔥", "💰", "\u200b", "и\u0306", "a\u0301", "𝐤𝐮𝐫𝐲𝐞𝐫", "Python", "taxi",
          "team", "5000", "в", "день", "за", "смену", "10к/день", "$500", "per", "day", "пиши", "лс", "без", "опыта",
          "16", "+", "оплата", "каждый", "ежедневно", "весёлые", "подарки", "@kur_bot", "t.me/x", "•", "·", "\n",
          "\x00", "ΣΑΣ", "İ", "K", "ﬁ", "жұмыс", "күніне", "a", "б", "c", "д", "—", "(", ")", ",", "лёгкий",
          "заработок", "no", "questions", "не", "задавай", "вопросов", "и.т.д.", "e-mail", "ǅ", "ß", "t\u0489elegram",
          "к\u0489үніне", "ш\u0483оп", "виза", "перелёт", "наш", "счёт", "предоплата", "оформление", "куплю", "карту",
          "аренду", "имя", "жасырын", "сұрақ", "қойма", "free", "housing", "paid", "взнос", "обучение", "Bank", "C", "3@", "0@"]
texts_strategy = st.lists(st.sampled_from(PIECES), max_size=14).flatmap(
    lambda parts: st.lists(st.sampled_from(["", " ", "  ", "\n", "\t"]), min_size=len(parts), max_size=len(parts))
    .map(lambda seps: "".join(p + s for p, s in zip(parts, seps))))


def _joined(text: str):
    views = [token_view(t) for t in text.split()]
    return None if any(v is None for v in views) else join_views(views)


@pytest.fixture(scope="module")
def corpus_sample():
    texts = written_examples()["text"].tolist()
    return texts[::7]


def test_token_views_agree_with_the_full_pass_on_the_corpus(corpus_sample):
    checked = 0
    for text in corpus_sample:
        got = _joined(text)
        if got is not None:
            norm, stats = normalize_with_stats(text)
            assert got == (norm, stats.share()), text
            checked += 1
    assert checked > 0.9 * len(corpus_sample)  # the full pass is the exception


@settings(max_examples=400, deadline=None)
@given(texts_strategy)
def test_token_views_agree_with_the_full_pass_on_generated_text(text):
    got = _joined(text)
    if got is not None:
        norm, stats = normalize_with_stats(text)
        assert got == (norm, stats.share())


def _reference(compiled, texts):
    return np.vstack([compiled.decision(*compiled.features(n, s)) for n, s in compiled.prepare(texts)])


def test_fast_decisions_equal_the_reference(scorer, corpus_sample):
    fast = FastScorer(scorer.compiled)
    texts = corpus_sample + ["", " ", "\x00", "a \x00 b", "🔥🔥🔥"]
    assert np.abs(fast.decision(texts) - _reference(scorer.compiled, texts)).max() < 1e-9
    assert np.abs(fast.decision(texts[::-1]) - _reference(scorer.compiled, texts[::-1])).max() < 1e-9  # warm table


@pytest.fixture(scope="module")
def with_flags(scorer):
    """The shipped model with its red-flag features switched on, so the gated flag search is exercised."""
    from classifier.flags import PATTERNS

    compiled = copy.copy(scorer.compiled)
    flag_coef = np.random.default_rng(0).normal(size=(len(PATTERNS), compiled.dense_coef.shape[1]))
    compiled.dense_weight, compiled.flag_names = 1.0, tuple(PATTERNS)[::-1]  # any order the model was fitted in
    compiled.dense_coef = np.vstack([flag_coef, compiled.dense_coef])
    return compiled


# texts only the full pass can normalize: letters spaced or chained apart, a word the second look-alike pass
# would still rewrite; among plain ones, so a batch holds both kinds
NEEDS_THE_FULL_PASS = ["нужны з а к л а д ч и к и, 5000 в день, пиши в лс", "К У Р Ь Е Р  без опыта\nоплата сразу",
                       "работа к-у-р-ь-е-р, t.me/x", "р а б о т а для всех, e-mail в профиле", "Kурьeр нужен, ш0п",
                       "Python developer, Almaty", "курьер на авто, оклад"]


def test_texts_that_need_the_full_pass_score_as_the_reference(scorer, with_flags):
    for model in (scorer.compiled, with_flags):
        fast = FastScorer(model)
        batch = fast.analyse(NEEDS_THE_FULL_PASS)
        assert 3 <= batch.slow.sum() < len(NEEDS_THE_FULL_PASS)
        assert np.abs(batch.z - _reference(model, NEEDS_THE_FULL_PASS)).max() < 1e-9
        again = fast.analyse(NEEDS_THE_FULL_PASS[::-1])  # their words now in the table
        assert np.abs(again.z - _reference(model, NEEDS_THE_FULL_PASS[::-1])).max() < 1e-9


@pytest.fixture(scope="module")
def small_table(with_flags):
    return FastScorer(with_flags, max_tokens=50)  # cleared again and again: that must not change a number


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts_strategy, min_size=1, max_size=6))
def test_fast_decisions_with_red_flags_equal_the_reference(with_flags, small_table, texts):
    assert np.abs(small_table.decision(texts) - _reference(with_flags, texts)).max() < 1e-9


def test_red_flags_found_per_token_match_the_patterns(with_flags, corpus_sample):
    fast = FastScorer(with_flags)
    assert np.abs(fast.decision(corpus_sample) - _reference(with_flags, corpus_sample)).max() < 1e-9
    flagged = sum(any(flag_vector(normalize_with_stats(t)[0])) for t in corpus_sample)
    assert flagged > len(corpus_sample) / 3  # the sample does exercise the flags


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts_strategy.map(lambda t: t.replace("лс", "в лс").replace("no", "write me in pm no")),
                min_size=1, max_size=6))
def test_first_red_flag_hits_from_token_bits_are_where_a_whole_search_finds_them(explaining, texts):
    from classifier.flags import find_flags

    for fast in explaining:  # bits on first use (the shipped model) and all at once (a model using red flags)
        batch = fast.analyse(texts)
        for i, part in fast.explain(batch, list(range(len(texts)))).items():
            assert part.flags == find_flags(part.normalized.text), texts[i]


@pytest.fixture(scope="module")
def explaining(scorer, with_flags):
    direction = scorer._explainer().direction
    return [FastScorer(model, max_tokens=50, direction=direction) for model in (scorer.compiled, with_flags)]


def test_texts_of_one_letter_words_side_by_side_are_all_split(scorer):
    # texts follow one another without a space, so a batch holds more tokens than half its characters
    texts = ["з а к л а д к и"] * 3 + ["a b c"] * 40 + ["x"] * 9
    docs, _, starts, stops = FastScorer(scorer.compiled).table.tokens(texts)
    got = [texts[d][a:b] for d, a, b in zip(docs.tolist(), starts.tolist(), stops.tolist())]
    assert got == [t for text in texts for t in text.split()]


def test_empty_batch(scorer):
    assert FastScorer(scorer.compiled).decision([]).shape == (0, len(scorer.compiled.intercept))


def test_quick_token_views_equal_the_replayed_ones(corpus_sample):
    from classifier.tokenview import _quick_view, replay_view

    tokens = {t for text in corpus_sample for t in text.split()} | {"В", "ЁЖ,", "«Ура»", "(с", "12:00", "5.000,", "1-2",
                                                                   "Hello.", "(Bank)", "Goood", "B", "курьер-партнёр,",
                                                                   "а-б", "TAXI!", "Kaspi"}
    quick = [t for t in tokens if _quick_view(t) is not None]
    assert len(quick) > len(tokens) / 2
    for t in quick:
        assert _quick_view(t) == replay_view(t), t


QUICK_EDGES = ['"', '""', "«»", "-", "а-", "-а", "аа-бб-", "12.", "12..", "1.2.3", "1/2-3:4,", "ааа", "ААа", "aAa",
               "x", "ab", "(a)", "«ab»", "ab»»", '"ab"', "ab-cd", "в-во", "вв-в", "ёЁё", "Әке", "(Ура!", "5₸", "ⅰⅰ",
               "слово.Слово", "сл.ово", "т.е.", "в...", "да!!!", "ну..", "(с)", "куда/зачем", "доставка;Оплата", "a.b.c",
               "site.com", "don't", "Drop-off", "e-mail", "x.y", "IT-отдел", "ок?!", "Ааа!", "а-б-в", "з/п", "c/o",
               "ok", "OK!", "xop", "taxi,", "C.C.C", "«ааа»", "—слово", "#работа", "$$$", "100$", "%)", "a_b", "a+b",
               "—", "€", "you’ll", "«слово»—", "№5", "…ну", "“ok”", "°C", "5₸,", "ёлка—ёж", "——", "’’’",
               "2015);", "(11,", "4%", "$5", "9.00-18.00;", "1...", "1!!!", "((1))", "1,,2", "-5", "+5", "~20", "5*",
               "1000", "1.000.000р", "№1:", "“1”", "1990’s", "(3,5%)", "12:00—13:00", "слово---", "для...",
               "ну!!!?", "(ура)))", "ааа...", "аб.вг...", "т.е...", "т...", "аб.вг.де", "аб.в", "а.бв", "аа.аб",
               "Аа.аб", "ЮЗАО.График", "кз.рф", "аб.вг,", "(аб.вг)", "аб.вг..", "аб..вг", "ab...", "OK!!!", "аб.вг-де",
               "әә.әә", "ўў.ўў", "аб.ўў", "аб.Vg", "ab.вг", "...", "•Требования", "команды•", "развития;•", "·слово",
               "••слово", "•a", "•ок•", "слово•,", "•т", "т•", "•Ok", "•12", "12•", "1•2", "•", "••", "•••", "•.•",
               "(•слово)", "слово·", "•слово•слово", "сло•во", "a•b", "•а•б•в", "аб·вг", "слово••", "•слово...",
               "•аб.вг•", "𝐦𝐚𝐝𝐞", "𝘵𝘰", "𝐏𝐋𝐀𝐓𝐅𝐎𝐑𝐌", "𝐦ade", "𝐜𝐨𝐫𝐞", "𝐤𝐮𝐫𝐲𝐞𝐫,", "𝐤", "𝐤𝐤𝐤", "𝐤k𝐤", "𝐤𝐮𝐫𝐲𝐞𝐫...",
               "•𝐦𝐚𝐝𝐞", "𝐦𝐚𝐝𝐞курьер", "𝟓𝟎𝟎", "𝛂𝛃", "𝐦.𝐚", "\U0001d455x", "(𝐨𝐤)", "𝐚-𝐛",
               # Latin and Cyrillic letters in one word: look-alikes rewritten or left, runs, marks around them
               "кoмпaнии", "(Рaбoтa!", "СRMУправление", "есiрткi", "Eхcel", "kриптo", "nnПервый", "VPNУправление",
               "АD", "командy", "материалf", "рабoтать.", "вaжeн,", "оoо", "сooб", "ooо", "хx", "xх", "Sкидка",
               "пpивет...", "«зaклaдки»", "ab-вг", "вг-ab", "a.вг", "вaжeн,,", "Аa", "aА", "д𝐚", "дa•", "•дa", "aд5",
               "Şerefine", "zzzя", "ўo", "o-o", "сАЛЯМ", "sпb",
               # emoji, invisible characters and marks around a token, or alone
               "🙂", "🤷🏼\u200d♂️", "✔️Excellence", "покрытие✔️", "\u200b\u200bМы", "\u2060MS", "West™", "🙂а🙂", "🙂а🙂б",
               "слово🙂,", "(🙂)", "🙂100$", "🌟𝐑𝐄𝐆𝐈𝐒𝐓𝐑𝐀𝐓𝐈𝐎𝐍", "⭐️⭐️", "\u200b", "\ufe0f", "🙂кoмпaнии✔️", "да!!!🙂", "🙂...",
               "\u00adслово", "слово\u0301", "🙂\u0301", "\U000e0067🙂", "👍🏻👍🏻", "❤️‍🔥", "🙂a", "a🙂", "🙂•слово", "Ⓐ",
               # runs of Latin and of Cyrillic letters joined by marks
               "IT-отдела.", "Unix-подобных", "SQL-запросов,", "(IT-отдел)", "Zabbix;Выполнение", "отдел-IT", "a-отдел",
               "it-о", "ab-вг-де", "ab-вг.де", "ab.вг", "вг.ab", "ab--вг", "ab---вг", "ab-вгг-ddd", "ab-вг•", "ok/да",
               "xx-ххх", "ab-в", "ab-вг-", "«ab»-вг", "IT-оtдел", "ab-12", "ab—вг", "ab'вг"]


def test_compiled_quick_rows_equal_the_token_views(scorer, corpus_sample):
    from classifier.tokens import TokenTable, _code_points

    table = TokenTable(scorer.compiled)
    tokens = list(dict.fromkeys(t for text in corpus_sample for t in text.split())) + QUICK_EDGES + PIECES
    tokens = [t for t in tokens if t.strip() == t and t]
    cp, ends = _code_points(tokens)
    starts = np.concatenate([[0], ends[:-1]])
    block = table._new_rows("".join(tokens), cp, starts, ends, np.arange(len(tokens)))
    quick = 0
    for token, row in zip(tokens, block.tolist()):
        reference = table._raw_row(token)
        assert [table.norm_text[j] for j in row[3:5]] == [table.norm_text[j] for j in reference[3:5]], token
        assert row[:3] + row[5:] == reference[:3] + reference[5:], token
        quick += row[0] == 1
    assert quick > len(tokens) / 2


# letters of both scripts (ў is Cyrillic outside the compiled pass's alphabet; o, P and i look like Cyrillic
# letters, s and z do not), mathematical letters, dots, bullets and runs of marks: the shapes where the compiled
# pass drops a dot, shortens a closing run, keeps a bullet, folds a letter, rewrites a look-alike or strips
# emoji and invisible characters
_TOKEN_PIECES = ["а", "б", "аб", "Б", "ә", "ў", "x", "K", ".", ".", "...", "!", "!!!", "-", "(", ")", ",", "5", "•",
                 "·", "𝐤", "𝐊", "𝘹", "o", "о", "P", "s", "z", "i", "і", "🙂", "\ufe0f", "\u200d", "\u200b", "™", "🏼"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_TOKEN_PIECES), min_size=1, max_size=7).map("".join))
def test_compiled_quick_rows_equal_the_token_views_on_generated_tokens(scorer, token):
    from classifier.tokens import TokenTable, _code_points

    table = TokenTable(scorer.compiled)
    cp, ends = _code_points([token])
    row = table._new_rows(token, cp, np.zeros(1, dtype=np.int64), ends, np.arange(1))[0].tolist()
    reference = table._raw_row(token)
    assert [table.norm_text[j] for j in row[3:5]] == [table.norm_text[j] for j in reference[3:5]]
    assert row[:3] + row[5:] == reference[:3] + reference[5:]


def test_compiled_word_ids_equal_the_token_pattern(scorer, corpus_sample):
    import re

    from classifier.compiled import WORD_TOKEN
    from classifier.tokens import TokenTable

    table = TokenTable(scorer.compiled)
    word = re.compile(r"\w")
    assert all((word.fullmatch(chr(c)) is not None) == table._is_word[c] for c in range(len(table._is_word)))
    table.tokens(corpus_sample)
    # tokens past the table (the Python way) in one batch with new tokens the compiled pass reads
    table.tokens(["日本語の求人 курьерище", "a_b c1 ５５ x² ½ ǅungla невиданнослово 🔥word_2 ещёслово"])
    ptr, ids = table.sequence.indptr.view, table.sequence.ids.view
    for j, text in enumerate(table.norm_text):
        assert ids[ptr[j]:ptr[j + 1]].tolist() == [table.word_ids.get(w, -1) for w in WORD_TOKEN.findall(text)], text


def test_records_are_the_results_without_reasons(scorer, corpus_sample):
    texts = corpus_sample[:300]
    assert scorer.records(texts, ids=range(300)) == [r.model_dump() for r in scorer.score(texts, range(300), explain=False)]
    for explain in (True, "flagged"):  # built as dicts, not objects then dumped: the same dicts, key order too
        records = scorer.records(texts, explain=explain)
        dumped = [r.model_dump() for r in scorer.score(texts, explain=explain)]
        assert records == dumped

        def keys(rows):
            return [[list(x) for k in ("reasons", "lowering", "flags", "indicators") for x in r[k]] for r in rows]
        assert keys(records) == keys(dumped)
        assert sum(bool(r["reasons"]) for r in records) > 10 and sum(bool(r["indicators"]) for r in records) > 10
    assert list(scorer.records(texts[:1])[0]) == list(type(scorer.score(texts[:1])[0]).model_fields)


def test_batch_probabilities_equal_the_scikit_learn_pipeline(scorer, corpus_sample):
    texts = corpus_sample[:400]
    expected = scorer._reorder(scorer.pipeline.predict_proba(texts))
    assert np.abs(scorer.raw_probabilities(texts) - expected).max() < 1e-6


TABLE_PARTS = ("char_order", "word_order", "char_slots", "word_keys", "word_values", "unigram_of",
               "bigram_keys", "bigram_feats")


def test_tables_stored_with_the_model_are_the_ones_built_from_it(scorer):
    from classifier.tokens import TokenTable

    assert scorer.compiled.tables is not None, "compiled.npz holds no tables: retrain with this version"
    built = copy.copy(scorer.compiled)
    built.tables = None
    stored, fresh = TokenTable(scorer.compiled), TokenTable(built)
    for part in TABLE_PARTS:
        np.testing.assert_array_equal(getattr(stored, part), getattr(fresh, part), err_msg=part)
        assert getattr(stored, part) is scorer.compiled.tables[part]  # read, not built again
    assert stored.word_ids == fresh.word_ids and stored.n_words == len(fresh.word_ids)


@pytest.mark.parametrize("spoil", ["format", "char_slots", "swapped", "full"])
def test_stored_tables_built_another_way_are_built_again(scorer, spoil):
    from classifier.tokens import TokenTable, split_slots

    model = copy.copy(scorer.compiled)
    model.tables = dict(scorer.compiled.tables)
    if spoil == "swapped":  # the ids of two n-grams far into the vocabulary exchanged (the check samples it all)
        slots, order = model.tables["char_slots"].copy(), model.tables["char_order"]
        values = split_slots(slots)[1]
        step = len(order) // 64
        a, b = (values == np.flatnonzero(order == 10 * step)[0]), (values == np.flatnonzero(order == 20 * step)[0])
        values[a], values[b] = values[b][0], values[a][0]
        model.tables["char_slots"] = slots
    elif spoil == "full":  # no empty slot: a lookup of an absent key would never end
        model.tables["char_slots"] = model.tables["char_slots"] | np.uint64(1)
    elif spoil == "char_slots":  # ids a different hash put elsewhere
        slots = model.tables["char_slots"].copy()
        split_slots(slots)[1][:] += 1
        model.tables["char_slots"] = slots
    else:
        model.tables[spoil] = model.tables[spoil] + 1  # another format
    table = TokenTable(model)
    assert table.char_slots is not model.tables["char_slots"]
    np.testing.assert_array_equal(table.char_slots, scorer.compiled.tables["char_slots"])
