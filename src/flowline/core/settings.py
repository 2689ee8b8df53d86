"""Configuration, read once from the environment (prefix `FLOWLINE_`)."""

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TASK_QUEUE = "flowline-enrollments"
# Retry windows end before the workflow's hard backstop (worker/policies.py, 7 days + 1 hour).
_RETRY_WINDOW_LIMIT = 7 * 86400


class MissingSecretKey(RuntimeError):
    """A process that signs tokens was started without FLOWLINE_SECRET_KEY."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLOWLINE_", extra="ignore")

    data_dir: Path = Path(".flowline")
    database_url: str | None = None

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_ui_url: str = "http://localhost:8233"
    # `host:port` where the Temporal SDK serves its own Prometheus metrics (unset: off).
    temporal_metrics_address: str | None = None
    task_queue: str = TASK_QUEUE

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Set: the API serves /metrics only on this port (at `metrics_host`, default `api_host`),
    # not beside the public pages (/u/) on `api_port`.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str | None = None

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    dev_smtp_port: int = 1025
    email_from: str = "flowline@localhost"

    # How long an SMTP outage (connection errors, 4xx replies) is retried, with backoff, before
    # the delivery is recorded `failed` and the enrollment goes on (at most 7 days).
    email_retry_seconds: float = Field(default=86400.0, gt=0, le=_RETRY_WINDOW_LIMIT)

    http_allow_private_networks: bool = False
    # Retries of HTTP steps on network errors, 429 and 5xx (exponential backoff), for at most
    # `http_retry_seconds` (at most 7 days) and, when set, `http_max_attempts` attempts.
    http_retry_seconds: float = Field(default=3600.0, gt=0, le=_RETRY_WINDOW_LIMIT)
    http_max_attempts: int | None = Field(default=None, ge=1)
    http_initial_retry_seconds: float = 1.0
    http_max_retry_seconds: float = 60.0

    bootstrap_admin_key: SecretStr | None = None

    # Base of links in emails (unsubscribe, tracked clicks and opens); default
    # http://{api_host}:{api_port}.
    public_url: str | None = None
    # Signs unsubscribe tokens and session cookies; comma-separated, the first signs and all
    # verify (rotation). `flowline dev` generates one into the data dir; every other entry
    # point requires it (see `secret_keys`).
    secret_key: SecretStr | None = None
    # Comma-separated `id:base64key` AES keys: set = Temporal payloads are encrypted. The first
    # key encrypts, all of them decrypt (rotation).
    payload_keys: SecretStr | None = None
    # `text` or `json` (one JSON object per log line).
    log_format: Literal["text", "json"] = "text"
    # Fleet-wide email rate (a Temporal task-queue rate limit on the email activities' queue).
    email_max_per_second: float | None = Field(default=None, gt=0)

    # Single sign-on (OpenID Connect): "Sign in with SSO" only when all three are set.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    # The role of a user created by their first SSO sign-in.
    oidc_default_role: Literal["admin", "editor", "viewer"] = "viewer"

    # Segments with `within` windows are re-evaluated this often (the worker's refresh loop).
    segment_refresh_seconds: float = 60.0
    # The worker process hands outbox intents to Temporal unless this is switched off.
    dispatcher: bool = True
    # Of several worker processes, one dispatches at a time: it holds a lease this long (renewed
    # while it works); when it dies or hangs, another takes over after at most this long.
    dispatcher_lease_seconds: float = Field(default=15.0, gt=0)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir}/flowline.db"

    @property
    def email_task_queue(self) -> str:
        """The email activities' own queue (slots of their own; the fleet-wide rate, if set)."""
        return f"{self.task_queue}-email"

    @property
    def http_task_queue(self) -> str:
        """The HTTP steps' own queue: a target that hangs holds only HTTP slots."""
        return f"{self.task_queue}-http"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def secret_key_file(self) -> Path:
        """Where `flowline dev` keeps the secret key it generated."""
        return self.data_dir / "secret_key"

    def secret_keys(self) -> list[bytes]:
        """Every key that verifies, the signing one first.

        FLOWLINE_SECRET_KEY is comma-separated: to rotate, put the new key first and keep the
        old one after it while links it signed are still in mailboxes.
        """
        value = self.secret_key.get_secret_value() if self.secret_key is not None else ""
        keys = [key.strip().encode() for key in value.split(",") if key.strip()]
        if not keys:
            raise MissingSecretKey(
                "FLOWLINE_SECRET_KEY is not set: it signs unsubscribe links and sessions "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return keys

    def require_secret_key(self) -> bytes:
        """The signing key; only `flowline dev` may run without FLOWLINE_SECRET_KEY set."""
        return self.secret_keys()[0]

    @property
    def sso_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def has_secret_key(self) -> bool:
        try:
            return bool(self.secret_keys())
        except MissingSecretKey:
            return False

    @property
    def captured_mail_dir(self) -> Path:
        """Where `flowline dev`'s SMTP capture keeps the mail it received (the UI's Outbox)."""
        return self.data_dir / "outbox"
