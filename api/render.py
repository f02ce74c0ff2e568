"""Terminal view of one result: the text with its reasons highlighted, the flags, indicators and the band."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from classifier.result import Result

_BAND_STYLE = {"low": "bold green", "medium": "bold yellow", "high": "bold red"}


def render_result(text: str, result: Result, console: Console | None = None) -> None:
    """Print the highlighted text, score, band, category, probabilities, flags and indicators."""
    console = console or Console()
    body = Text(text)
    for r in result.reasons:
        body.stylize("bold black on yellow", r.start, r.end)
    for r in result.lowering:
        body.stylize("black on green", r.start, r.end)
    console.print(body)
    console.print()
    head = Text.assemble(("risk ", ""), (result.risk.upper(), _BAND_STYLE[result.risk]),
                         f"  score {result.score:.3f}  category {result.category}  model {result.model_version}")
    console.print(head)
    probs = Table(show_header=True, header_style="bold", box=None)
    probs.add_column("category")
    probs.add_column("probability", justify="right")
    for name, p in result.probabilities.items():
        probs.add_row(name, f"{p:.3f}")
    console.print(probs)
    if result.reasons:
        console.print("[bold]reasons[/bold]: " + "; ".join(f"«{r.text}» ({r.weight:+.2f})" for r in result.reasons))
    if result.lowering:
        console.print("[bold]lowering[/bold]: " + "; ".join(f"«{r.text}» ({r.weight:+.2f})" for r in result.lowering))
    if result.flags:
        console.print("[bold]flags[/bold]: " + "; ".join(f"{f.name} «{f.text}»" for f in result.flags))
    if result.indicators:
        line = Text.assemble(("indicators", "bold"), ": ")
        for k, i in enumerate(result.indicators):
            line.append(("; " if k else "") + f"{i.kind} {i.normalized}")
        console.print(line)
