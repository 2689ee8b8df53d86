"""Configuration, read once from the environment (prefix `FLOWLINE_`)."""

from functools import cached_property
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TASK_QUEUE = "flowline-enrollments"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLOWLINE_", extra="ignore")

    data_dir: Path = Path(".flowline")
    database_url: str | None = None

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_ui_url: str = "http://localhost:8233"
    task_queue: str = TASK_QUEUE

    api_host: str = "127.0.0.1"
    api_port: int = 8000

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    dev_smtp_port: int = 1025
    email_from: str = "flowline@localhost"

    http_allow_private_networks: bool = False
    # Retries of HTTP steps on network errors, 429 and 5xx (bounded, exponential backoff).
    http_max_attempts: int = 5
    http_initial_retry_seconds: float = 1.0
    http_max_retry_seconds: float = 60.0

    bootstrap_admin_key: SecretStr | None = None

    # Segments with `within` windows are re-evaluated this often (a Temporal Schedule).
    segment_refresh_seconds: float = 60.0
    # The worker process hands outbox intents to Temporal unless this is switched off.
    dispatcher: bool = True

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir}/flowline.db"

    @property
    def outbox_dir(self) -> Path:
        """Where `flowline dev`'s SMTP capture keeps the mail it received."""
        return self.data_dir / "outbox"
