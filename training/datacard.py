"""The data card: counts of the project corpus per category, language and kind, as Markdown.

Regenerate with `python -m training.datacard > seeds/DATA_CARD.md`; a test keeps it in step with seeds/.
"""
from __future__ import annotations

import pandas as pd

from classifier.result import CATEGORIES

from .corpus import build_corpus


def render(corpus: pd.DataFrame) -> str:
    """Markdown tables of the corpus counts."""
    lines = ["# Data card", "", f"{len(corpus)} distinct examples (exact duplicates dropped).", "",
             "| category | " + " | ".join(sorted(corpus["lang"].unique())) + " | total |",
             "|---|" + "---|" * (corpus["lang"].nunique() + 1)]
    table = corpus.groupby(["label", "lang"]).size().unstack(fill_value=0)
    for c in CATEGORIES:
        row = table.loc[c] if c in table.index else pd.Series(dtype=int)
        lines.append(f"| {c} | " + " | ".join(str(int(row.get(l, 0))) for l in sorted(corpus["lang"].unique()))
                     + f" | {int(row.sum())} |")
    lines += ["", "| language | share |", "|---|---|"]
    for lang, share in corpus["lang"].value_counts(normalize=True).sort_index().items():
        lines.append(f"| {lang} | {share:.1%} |")
    lines += ["", "| kind | count |", "|---|---|"]
    for kind, n in corpus["kind"].value_counts().sort_index().items():
        lines.append(f"| {kind} | {n} |")
    lines += ["", "Languages: ru Russian, kk Kazakh, en English, mixed = code-switching, transliteration or "
              "look-alike letters, other = another language or script (Chinese, Uzbek, Kyrgyz, Turkish ...). "
              "Kinds: written = seeds/examples, generated = expanded from seeds/patterns.yaml."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(build_corpus()), end="")
