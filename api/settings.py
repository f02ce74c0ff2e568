"""Service settings, read from ADRISK_* environment variables when the app is created."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Limits and switches of the HTTP service."""

    model_config = SettingsConfigDict(env_prefix="ADRISK_", protected_namespaces=())

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
