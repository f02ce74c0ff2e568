"""Service settings, read from ADRISK_* environment variables when the app is created."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Limits and switches of the HTTP service."""

    model_config = SettingsConfigDict(env_prefix="ADRISK_", protected_namespaces=())

    model: Optional[Path] = None
    max_text_chars: int = 20_000
    max_batch_items: int = 1_000
    max_body_bytes: int = 8 * 1024 * 1024
    api_key: Optional[str] = None
    cors_origins: list[str] = []
    log_text: bool = False
    medium: Optional[float] = Field(None, ge=0.0, le=1.0)
    high: Optional[float] = Field(None, ge=0.0, le=1.0)
