"""Every operator knob, read from `BOXOFFICE_*` environment variables (or a `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# OWASP's minimums for argon2id, (memory KiB, passes): each row is as costly to attack as the others, so parameters
# are enough when they reach both figures of one row.
ARGON2_FLOOR = ((47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5))


def parse_rate(value: str) -> tuple[int, int]:
    count, _, seconds = value.partition("/")
    return int(count), int(seconds or "60")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOXOFFICE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///boxoffice.db"
    # Connections each app process keeps to PostgreSQL, and how many more it may open under load.
    database_pool_size: int = Field(default=20, ge=1, le=500)
    database_max_overflow: int = Field(default=20, ge=0, le=500)
    # Absolute base of this server as clients reach it, for the links it hands out; unset, each link is made from
    # the request it answers (see boxoffice.kit.base_url).
    public_url: str | None = None
    secret_key: str | None = Field(
        default=None,
        description=(
            "Signs access tokens and report links; unset, keys made when the schema is migrated and kept in the"
            " database sign them (see boxoffice.identity.signing_keys)."
        ),
    )
    access_token_ttl: int = 30 * 24 * 3600
    # A host name (no port) whose requests are MediaStore's at the root (`POST /auths`): Cleeng's SDK in its
    # `development` environment calls paths relative to its page, so the page and the API share that host.
    mediastore_host: str | None = None
    # MediaStore's JWTs live as Cleeng's do: a quarter of an hour, then the SDK trades its refresh token. Any
    # positive lifetime is taken: a short one makes clients exercise their refresh path.
    mediastore_token_ttl: int = Field(default=15 * 60, ge=1, le=30 * 24 * 3600)
    refresh_token_ttl: int = 90 * 24 * 3600
    # Cleeng's JSON-RPC customer tokens last 60 days (never beyond their session, `refresh_token_ttl`).
    cleeng_customer_token_ttl: int = Field(default=60 * 24 * 3600, ge=1, le=365 * 24 * 3600)
    password_reset_ttl: int = 3600
    pin_code_ttl: int = 15 * 60
    # argon2id's cost for passwords and PINs (a stored hash made with other figures is made anew at its next
    # sign-in), at least OWASP's minimum (ARGON2_FLOOR), and the threads that hash: each process hashes on a pool of
    # its own, so sign-ins beyond it wait their turn rather than each taking a thread and `argon2_memory_kib` of
    # memory. None: one thread per core this process may run on.
    argon2_memory_kib: int = Field(default=65_536, ge=7_168, le=4 * 1024 * 1024)
    argon2_time_cost: int = Field(default=3, ge=1, le=100)
    argon2_parallelism: int = Field(default=4, ge=1, le=64)
    password_threads: int | None = Field(default=None, ge=1, le=256)
    # Seconds an Idempotency-Key's request holds the key unless its process renews the claim: how soon after a
    # process died a retry with the key takes it over and runs the request again.
    idempotency_lease_seconds: float = Field(default=30.0, ge=1, le=3600)

    smtp_url: str | None = None
    mail_from: str = "Boxoffice <no-reply@boxoffice.local>"
    mail_dir: Path = Path("mail")

    # "N/S": N attempts per S seconds.
    auth_rate_per_ip: str = "30/60"
    auth_rate_per_account: str = "10/60"
    reset_rate_per_ip: str = "10/3600"
    reset_rate_per_account: str = "5/3600"

    # Fernet keys sealing secrets kept in the database (see boxoffice.kit.sealing); the first seals, all open.
    encryption_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Seconds a process keeps the merchants' allowed web origins (CORS) before reading them again.
    cors_cache_seconds: float = Field(default=30.0, ge=0)
    # Forwarded-for headers are believed only when the direct peer is in one of these networks.
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(default_factory=list)

    # `boxoffice serve`: seconds a client has to send a request's whole head (from connecting, or from the first
    # byte of its next request on a kept-alive connection), and an idle kept-alive connection stays open.
    header_timeout: float = Field(default=10.0, gt=0, le=600)
    keep_alive_timeout: int = Field(default=5, ge=1, le=3600)

    log_level: str = "INFO"
    log_json: bool = False
    # `/metrics` on a port of its own (`boxoffice serve` listens on it beside the API's port, on the same
    # interface, and answers nothing else there; the API's port then has no `/metrics`), and a bearer token it
    # asks of every scrape.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_token: SecretStr | None = None
    # `boxoffice serve` runs the job worker inside the app process unless told not to.
    worker_in_process: bool = False
    worker_poll_interval: float = Field(default=1.0, gt=0)
    job_max_attempts: int = Field(default=12, ge=1)
    # Stripe's API address; only tests and Stripe-compatible proxies set it (None: Stripe's own).
    stripe_api_base: str | None = None
    # Days after a renewal's due date at which a declined one is tried again ("1,3,5"); after the last, it ends.
    dunning_retry_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [1, 3, 5])

    # Webhooks: outbound requests to private, loopback and link-local addresses are refused unless allowed.
    webhooks_allow_private: bool = False
    # The same for the other addresses merchants configure: identity providers and app stores.
    outbound_allow_private: bool = False
    # App stores. Apple's root certificates (files, DER or PEM, comma-separated) its signed transactions must lead
    # to: Apple Root CA - G3 from https://www.apple.com/certificateauthority/ (none: Apple purchases are refused).
    apple_root_certificates: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Google Play's API address; only tests and proxies set it (None: Google's own).
    google_play_api_base: str | None = None
    # Where Google's public keys are read, which sign Pub/Sub's pushes; only tests set it (None: Google's own).
    google_certs_url: str | None = None
    # Amazon's Receipt Verification Service and Roku's transaction service; only tests set them (None: theirs).
    amazon_rvs_base: str | None = None
    roku_api_base: str | None = None
    webhooks_timeout: float = Field(default=10.0, gt=0, le=60)
    # A delivery is retried (exponential backoff with jitter) for this long after it was made, then given up.
    webhooks_retry_hours: float = Field(default=72.0, gt=0)
    # Consecutive failed attempts after which an endpoint is disabled and its merchant e-mailed. A failing
    # endpoint is tried once per backoff step, so the default 25 is about three days of failing.
    webhooks_disable_after: int = Field(default=25, ge=1)
    # Requests in flight per worker, and per endpoint (so a slow receiver holds only its own share).
    webhooks_concurrency: int = Field(default=200, ge=1, le=2000)
    webhooks_per_endpoint: int = Field(default=20, ge=1, le=500)
    # How often an idle sender looks for new events and due retries (seconds).
    webhooks_poll_interval: float = Field(default=0.2, gt=0)
    # Real-time notifications between app processes: Redis pub/sub when set, else PostgreSQL LISTEN/NOTIFY
    # (SQLite: within the one process).
    redis_url: str | None = None

    # Reports (analytics files and CSV exports): kept under this folder unless an S3 bucket is named, and
    # downloaded through links that stop working after `reports_link_ttl` seconds.
    reports_dir: Path = Path("reports")
    reports_link_ttl: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # Days a report file is kept (on disk or in S3) before the worker deletes it.
    reports_keep_days: int = Field(default=30, ge=1, le=3650)
    reports_s3_bucket: str | None = None
    # Any S3-compatible service (MinIO, Ceph, R2…); None: AWS's own, credentials from boto3's usual chain
    # when the two keys below are unset.
    reports_s3_endpoint_url: str | None = None
    reports_s3_region: str | None = None
    reports_s3_prefix: str = "reports/"
    reports_s3_access_key_id: str | None = None
    reports_s3_secret_access_key: SecretStr | None = None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]
        return value

    @field_validator("dunning_retry_days", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        if isinstance(value, str):
            value = [int(part) for part in value.split(",") if part.strip()]
        if isinstance(value, list) and (
            len(value) > 20 or any(not 0 < int(day) <= 60 for day in value) or sorted(set(value)) != list(value)
        ):
            raise ValueError("at most 20 retries, 1 to 60 days after the due date, each later than the one before")
        return value

    @field_validator("apple_root_certificates", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for key in value:
                try:
                    Fernet(key)
                except (ValueError, TypeError) as exc:
                    raise ValueError("each encryption key is a Fernet key: 32 url-safe base64-encoded bytes") from exc
        return value

    @field_validator("argon2_time_cost")
    @classmethod
    def _at_least_owasps_minimum(cls, passes: int, info: ValidationInfo) -> int:
        memory = info.data.get("argon2_memory_kib")
        if memory is not None and not any(memory >= kib and passes >= least for kib, least in ARGON2_FLOOR):
            rows = ", ".join(f"{kib} KiB with {least}" for kib, least in ARGON2_FLOOR)
            raise ValueError(
                f"argon2id at {memory} KiB and {passes} passes is below OWASP's minimum; use at least one of {rows}"
                " (BOXOFFICE_ARGON2_MEMORY_KIB with BOXOFFICE_ARGON2_TIME_COST passes)"
            )
        return passes

    @field_validator("auth_rate_per_ip", "auth_rate_per_account", "reset_rate_per_ip", "reset_rate_per_account")
    @classmethod
    def _rate(cls, value: str) -> str:
        count, seconds = parse_rate(value)
        if count < 1 or not 1 <= seconds <= 86400:
            raise ValueError("expected N/SECONDS: a positive count per window of 1 second to 1 day")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
