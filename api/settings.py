"""Service settings, read from ADRISK_* environment variables when the app is created."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Limits and switches of the HTTP service."""

    # hide_input_in_errors: a malformed key setting is reported without echoing the key
    model_config = SettingsConfigDict(env_prefix="ADRISK_", protected_namespaces=(), hide_input_in_errors=True)

    model: Optional[Path] = None
    max_text_chars: int = 20_000
    max_batch_items: int = 1_000
    max_batch_chars: int = 500_000  # a few seconds of scoring with reasons on one core
    max_body_bytes: int = 8 * 1024 * 1024
    api_key: Optional[str] = None
    cors_origins: Annotated[list[str], NoDecode] = []  # ADRISK_CORS_ORIGINS="https://a.kz,https://b.kz"
    log_text: bool = False
    medium: Optional[float] = Field(None, ge=0.0, le=1.0)
    high: Optional[float] = Field(None, ge=0.0, le=1.0)
    # the review store: SQLite in data_dir unless database_url names another database (postgresql+psycopg://...)
    data_dir: Path = Path("data")
    database_url: Optional[str] = None
    store_text: bool = False  # keep queued ad text; off: its SHA-256 and its model features only
    # ADRISK_MODERATOR_KEYS="alice:key1,bob:key2": the name goes into the audit trail
    moderator_keys: Optional[SecretStr] = None
    _moderators: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def store_url(self) -> str:
        """The review store's database URL."""
        return self.database_url or f"sqlite:///{self.data_dir / 'adrisk.db'}"

    @property
    def moderators(self) -> dict[str, str]:
        """Moderator name -> key, from ADRISK_MODERATOR_KEYS."""
        return self._moderators

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        """Origins from the environment as a comma-separated list (a JSON list works too)."""
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                import json

                return json.loads(value)
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @model_validator(mode="after")
    def _parse_moderator_keys(self):
        raw = self.moderator_keys.get_secret_value() if self.moderator_keys else ""
        self._moderators = parse_name_keys(raw)
        if self.api_key and self.api_key in self._moderators.values():
            raise ValueError("ADRISK_API_KEY is also a moderator key; give the admin its own key")
        return self


RESERVED_NAMES = ("admin", "anonymous")  # api.auth's actors for the admin key and for requests without keys


def parse_name_keys(value: str) -> dict[str, str]:
    """`name:key` pairs, comma-separated, as a dict; names and keys unique and non-empty. Errors never echo a key.

    >>> parse_name_keys("alice:k1, bob:k2")
    {'alice': 'k1', 'bob': 'k2'}
    """
    pairs: dict[str, str] = {}
    for number, part in enumerate((p.strip() for p in value.split(",")), 1):
        if not part:
            continue
        name, sep, key = part.partition(":")
        name, key = name.strip(), key.strip()
        if not sep or not name or not key:  # the entry itself may be a key: never echo it
            raise ValueError(f"ADRISK_MODERATOR_KEYS entry {number} is not name:key")
        if name.lower() in RESERVED_NAMES:
            raise ValueError(f"ADRISK_MODERATOR_KEYS: {name!r} is what the audit trail calls the admin key or an "
                             "unkeyed request; give the moderator another name")
        if name in pairs:
            raise ValueError(f"ADRISK_MODERATOR_KEYS lists moderator {name!r} twice")
        if key in pairs.values():
            raise ValueError(f"ADRISK_MODERATOR_KEYS: {name!r} shares a key with another moderator")
        pairs[name] = key
    return pairs
