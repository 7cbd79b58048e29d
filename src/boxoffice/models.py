"""Imports every table so `Base.metadata` is complete (for Alembic and test set-up)."""

from boxoffice.access import models as access
from boxoffice.billing import models as billing
from boxoffice.branding import models as branding
from boxoffice.catalog import models as catalog
from boxoffice.events import models as events
from boxoffice.gateways import models as gateways
from boxoffice.identity import models as identity
from boxoffice.kit import cache, idempotency, jobs, throttle
from boxoffice.kit.db import Base
from boxoffice.mail import models as mail
from boxoffice.promotions import models as promotions
from boxoffice.reporting import models as reporting
from boxoffice.restrictions import models as restrictions
from boxoffice.team import models as team
from boxoffice.webhooks import models as webhooks

__all__ = [
    "Base",
    "access",
    "billing",
    "branding",
    "cache",
    "catalog",
    "events",
    "gateways",
    "idempotency",
    "identity",
    "jobs",
    "mail",
    "promotions",
    "reporting",
    "restrictions",
    "team",
    "throttle",
    "webhooks",
]
