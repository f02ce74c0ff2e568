"""What every request body shares: a field it does not know is an error, and its strings are UTF-8 safe."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictStr

_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value):
    """A JSON string may hold a lone surrogate ("\\udc00"), which UTF-8 cannot encode: it becomes U+FFFD, as in
    scoring, so the answer, the logs and the store can all write it (a code point for a code point: offsets
    into the text stay the same). Run before the string check, which refuses a surrogate; a value that is not a
    string is left for that check to refuse."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


CleanStr = Annotated[StrictStr, BeforeValidator(without_surrogates)]


class JsonBody(BaseModel):
    """A request body: a field it does not know is an error, not silently dropped ({"queue": true} in a body
    would otherwise be ignored, and nothing queued)."""

    model_config = ConfigDict(extra="forbid")
