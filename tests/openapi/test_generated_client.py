"""A Python client generated from the `/openapi.json` a running Boxoffice serves (openapi-python-client, at test
time, into a temporary folder, from loopback only) makes a merchant's first calls and reads their answers."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.errors import ErrorLevel

from tests.openapi.conftest import LiveApi

PACKAGE = "boxoffice_client"


@pytest.fixture
def client_package(live_api: LiveApi, tmp_path: Path) -> Iterator[ModuleType]:
    """The client generated from the served document, importable as `boxoffice_client` for this test only."""
    config = Config.from_sources(
        # No formatting hooks: what is generated is imported, not read.
        ConfigFile(post_hooks=[], package_name_override=PACKAGE, project_name_override=PACKAGE),
        MetaType.NONE,
        f"{live_api.base_url}/openapi.json",
        "utf-8",
        overwrite=True,
        output_path=tmp_path / PACKAGE,
    )
    problems = generate(config=config)
    errors = [problem for problem in problems if problem.level is ErrorLevel.ERROR]
    assert not errors, [f"{problem.header}: {problem.detail}" for problem in errors]
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def api(package: ModuleType, tag: str, operation: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{operation}")


def test_a_merchant_makes_its_first_calls_through_the_generated_client(
    live_api: LiveApi, client_package: ModuleType
) -> None:
    callers = live_api.callers
    merchant = client_package.AuthenticatedClient(
        base_url=live_api.base_url, token=callers.merchant_token, raise_on_unexpected_status=True
    )
    with merchant:
        account = api(client_package, "accounts", "get_account_accounts_get").sync_detailed(client=merchant)
        assert account.status_code == 200, account.content
        assert account.parsed["email"] == callers.merchant_email
        keys = api(client_package, "accounts", "merchant_keys_accounts_keys_get").sync(client=merchant)
        assert keys["uuid"] == callers.merchant_uuid and keys["publisher_id"] == callers.publisher_id
        types = api(client_package, "items", "list_access_types_v2_access_types_get").sync(client=merchant)
        assert ("ppv", 24, "hour") in {(kind["name"], kind["quantity"], kind["period"]) for kind in types}
        items = api(client_package, "items", "list_items_v2_items_get").sync(client=merchant, page=0, limit=10)
        assert items["total"] == 0 and items["collection"] == [], items
