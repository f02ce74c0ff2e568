"""Cut a text into plain and highlighted pieces for the page (offsets are Python code points, as in Result)."""
from __future__ import annotations


def segments(text: str, spans: list[dict]) -> list[tuple[str, dict | None]]:
    """(piece, span or None) in order; together the pieces are exactly text. A span that overlaps an earlier
    one or falls outside the text is not drawn.

    >>> segments("нужен курьер срочно", [{"start": 6, "end": 12}])
    [('нужен ', None), ('курьер', {'start': 6, 'end': 12}), (' срочно', None)]
    """
    out: list[tuple[str, dict | None]] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.get("start", 0), -s.get("end", 0))):
        start, end = span.get("start"), span.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or start < pos or end <= start or end > len(text):
            continue
        if start > pos:
            out.append((text[pos:start], None))
        out.append((text[start:end], span))
        pos = end
    if pos < len(text):
        out.append((text[pos:], None))
    return out
