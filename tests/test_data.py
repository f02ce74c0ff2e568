"""The project corpus: valid labels, no duplicates, every category and language, honest splits."""
import json

import pytest

from classifier.normalize import normalize_text
from classifier.result import CATEGORIES
from training.corpus import SEEDS_DIR, build_corpus, written_examples
from training.fit import near_duplicate_groups


@pytest.fixture(scope="module")
def corpus():
    return build_corpus()


def test_every_written_line_is_valid():
    for path in sorted((SEEDS_DIR / "examples").glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            obj = json.loads(line)
            assert obj["label"] in CATEGORIES, f"{path.name}:{i}"
            assert obj["lang"] in {"ru", "kk", "en", "mixed", "other"}, f"{path.name}:{i}"
            assert obj["text"].strip(), f"{path.name}:{i}"


def test_no_exact_duplicates_in_written_examples():
    texts = written_examples()["text"]
    assert texts.duplicated().sum() == 0


def test_size_and_balance(corpus):
    assert len(corpus) >= 5000
    counts = corpus["label"].value_counts()
    for c in CATEGORIES:
        assert counts[c] >= 0.1 * len(corpus), c


def test_languages(corpus):
    share = corpus["lang"].value_counts(normalize=True)
    assert share["kk"] >= 0.10 and share["en"] >= 0.05 and share["mixed"] > 0
    for c in CATEGORIES:
        assert set(corpus.loc[corpus["label"] == c, "lang"]) >= {"ru", "kk", "en", "mixed"}, c


def test_mostly_natural_writing(corpus):
    assert (corpus["kind"] == "written").mean() > 0.7


def test_near_duplicates_share_a_group():
    texts = ["Нужен курьер, 10к в день, пиши в лс", "Нужен курьер, 12к в день, пиши в лс!", "Бухгалтер в ТОО, 5/2"]
    groups = near_duplicate_groups(texts)
    assert groups[0] == groups[1] != groups[2]


def test_patterns_readme_names_seed_files():
    readme = (SEEDS_DIR / "README.md").read_text(encoding="utf-8")
    for prefix in ("000", "001", "002", "003", "004"):
        assert prefix in readme


def test_hard_pairs_present(corpus):
    labels = set(corpus.loc[corpus["text"].map(normalize_text).str.contains("курьер"), "label"])
    assert {"legit_job", "drug_courier"} <= labels


def test_data_card_is_current(corpus):
    from training.datacard import render

    assert (SEEDS_DIR / "DATA_CARD.md").read_text(encoding="utf-8") == render(corpus), \
        "run: python -m training.datacard > seeds/DATA_CARD.md"


def test_the_grouping_named_is_that_of_the_rows_there_are():
    from training.fit import grouping

    assert grouping(["written", "generated"]) == "project rows by source file (one writer each)"
    assert grouping(["user", "user"]) == "user rows by near-duplicate group"
    assert grouping(["written", "user"]) == ("project rows by source file (one writer each), "
                                             "user rows by near-duplicate group")


def test_every_bad_label_of_a_file_is_named_at_once(tmp_path):
    from training.corpus import DataError, read_labelled

    src = tmp_path / "mine.csv"
    src.write_text("text,label\na,legit\nb,legit_job\nc,bait\n" + "".join(f"t{i},x{i}\n" for i in range(6)),
                   encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_labelled(src)
    lines = str(e.value).splitlines()
    assert [l.split(": label")[0] for l in lines[:5]] == [f"{src}:{n}" for n in (2, 4, 5, 6, 7)]
    assert lines[5] == "... and 3 more"
