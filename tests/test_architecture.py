"""The architecture's lint rules, checked over the source tree's syntax.

1. SQL lives only in repositories (and the kit modules that own their tables).
2. The core knows no dialect.
3. The core knows no web framework (only the dialects and the pages of `web/` do).
4. Every model with a `merchant_id` column is `TenantOwned`, so the tenancy guard knows its table.
5. The dialects and the pages of `web/` import no repository: they parse, call a use case and render.
6. Imports point down the layers, from the entry points to the kit.
7. No dialect or page commits: a request's transaction is the unit of work's (`kit/requests.py`), or a use
   case's that the route hands its work to (`OwnTransactions`).
8. The core's errors speak no vendor: no InPlayer or Cleeng field key, no camelCase key, no vendor's wording.

Each rule is a function from a source root to a list of "path:line: what is wrong" findings; the rules are
tested against the real tree and, so that a rule that finds nothing is known to be looking, against small
trees that break them.
"""

from __future__ import annotations

import ast
import importlib
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import boxoffice

SRC = Path(boxoffice.__file__).resolve().parent  # src/boxoffice
PACKAGE = "boxoffice"

SQL_NAMES = frozenset({"select", "update", "delete", "insert", "text", "func"})
# Kit modules that own tables of their own and so may build statements for them.
SQL_KIT_MODULES = frozenset({"kit/db.py", "kit/jobs.py", "kit/throttle.py", "kit/cache.py", "kit/idempotency.py"})
WEB_PACKAGES = ("fastapi", "starlette")
WEB_ALLOWED_FILES = frozenset({"app.py", "kit/metrics.py", "kit/requests.py"})
# The API dialects, and the pages shown to people (the sandbox's challenge, later the dashboard and paywall).
WEB_LAYERS = ("dialects/", "web/")
NO_DIALECT = "the core must not know any dialect"
NOT_OWNED = "has a merchant_id column but does not inherit TenantOwned"
NO_REPOSITORY = "a dialect or a page reads and writes through a use case, never a repository"

# The ground every other part stands on.
KIT = "kit"
# What starts and assembles the rest: the app, the CLI (which starts the app), the metadata aggregate, migrations.
# `gauges` reads every context's queues for the metrics, as `sealed_repository` reseals every context's secrets.
ENTRY_POINTS = frozenset(
    {"app", "cli", "demo", "migrate", "models", "preflight", "workers", "migrations", "sealed_repository", "gauges"}
)
# Each top-level package or module of boxoffice, on its layer, from the bottom up.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({KIT}),
    # The outbox every context writes its events to.
    frozenset({"events"}),
    # A merchant's looks (brand name, logo, colours), which the e-mails and the pages wear.
    frozenset({"branding"}),
    # What the contexts send out through: payment gateways, e-mail.
    frozenset({"gateways", "mail"}),
    # Merchant-wide restriction settings and country sets, which sign-in (the session limit) and the catalog read.
    frozenset({"restrictions"}),
    frozenset({"identity"}),
    frozenset({"catalog"}),
    frozenset({"access"}),
    frozenset({"promotions"}),
    frozenset({"billing"}),
    # What reads the contexts' records: events' delivery (webhooks, notifications, notices), reports, figures; and
    # the team that signs in to the dashboard, with the audit log of what it and the merchant API changed.
    frozenset({"webhooks", "reporting", "analytics", "team"}),
    frozenset({"dialects", "web"}),
    ENTRY_POINTS,
)
UPWARD = "an import from a layer above"
SIDEWAYS = "an import from another part of the same layer"
NO_LAYER = "is on no layer: give it one in LAYERS"
# The one place a request's transaction is committed: the unit of work, and the hand-over to a use case.
COMMIT_ALLOWED_FILES = frozenset({"kit/requests.py"})
COMMITS = "commits: only the unit of work (kit/requests.py) or a use case owning its transactions may"
# Where vendors' words belong: the dialects, the pages, and the faces above them.
VENDOR_LAYERS = ("dialects/", "web/")
VENDOR_FACES = frozenset({"app.py", "cli.py"})
# InPlayer's and Cleeng's names for the core's fields; a core error names the core's own (price_id, product_id …).
VENDOR_KEYS = frozenset(
    {
        "access_fee",
        "access_fee_id",
        "access_fee_ids",
        "item_id",
        "item_ids",
        "inplayer_token",
        "transaction_token",
        "trx_token",
        "currency_iso",
        "offerId",
        "orderId",
        "paymentMethodId",
        "couponCode",
    }
)
CAMEL_CASE = re.compile(r"^[a-z][a-z0-9]*[A-Z]")
# Wordings clients of a dialect match, which only that dialect may say.
VENDOR_MESSAGES = (
    "Item not found",
    "Access fee not found",
    "Invalid auth token",
    "Order with ",
    "Offer is inactive",
    "Access already granted",
    "You already have access to this item",
    "Coupon ",
)
VENDOR_KEY = "a core error names its own fields, in snake_case: the dialect renames them"
VENDOR_MESSAGE = "a vendor's wording: the core states a typed reason, the dialect words it"


@dataclass(frozen=True)
class Source:
    path: Path  # absolute
    relative: str  # to the root, with "/" separators, e.g. "identity/repository.py"
    module: str  # dotted, e.g. "boxoffice.identity.repository"
    tree: ast.Module

    def at(self, node: ast.AST, message: str) -> str:
        return f"{self.path}:{getattr(node, 'lineno', 0)}: {message}"


def sources(root: Path, package: str = PACKAGE) -> Iterator[Source]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        parts = [package, *relative[: -len(".py")].split("/")]
        if parts[-1] == "__init__":
            parts.pop()
        yield Source(path, relative, ".".join(parts), ast.parse(path.read_text(), filename=str(path)))


def _absolute(source: Source, node: ast.ImportFrom) -> str:
    """The module an ImportFrom names, with relative imports resolved against the importing module."""
    if not node.level:
        return node.module or ""
    package = source.module.split(".")
    if source.path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_modules(source: Source) -> Iterator[tuple[ast.AST, str]]:
    """(node, dotted module) for every import, including `from pkg import submodule`, at any depth."""
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(source, node)
            yield node, module
            for alias in node.names:
                yield node, f"{module}.{alias.name}"


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _as_module(dotted: str) -> ModuleType | None:
    try:
        found = importlib.import_module(dotted)
    except ImportError:
        return None
    return found


# ----------------------------------------------------------------------------------------------------
# Rule 1: SQL lives only in repositories.


def sql_may_live_in(source: Source) -> bool:
    return (
        # `repository.py`, or a context's second repository named for its concept (`codes_repository.py`).
        source.path.name == "repository.py"
        or source.path.name.endswith("_repository.py")
        or source.relative in SQL_KIT_MODULES
        or source.relative.startswith("migrations/")
    )


def indexes_expressions_only(source: Source) -> bool:
    """A models.py may index an expression (`Index(..., func.lower(Customer.email))`): schema, not a query, when
    `func` appears nowhere else in it."""
    if source.path.name != "models.py":
        return False
    in_indexes = {
        id(inner)
        for call in ast.walk(source.tree)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Index"
        for inner in ast.walk(call)
    }
    uses = (node for node in ast.walk(source.tree) if isinstance(node, ast.Name) and node.id == "func")
    return all(id(node) in in_indexes for node in uses)


def rule_sql_only_in_repositories(root: Path, package: str = PACKAGE) -> list[str]:
    findings: list[str] = []
    for source in sources(root, package):
        if sql_may_live_in(source):
            continue
        index_expressions = indexes_expressions_only(source)
        # Names bound to sqlalchemy modules (`import sqlalchemy as sa`, `from sqlalchemy.dialects import
        # sqlite`), so that `sa.select(...)` is caught as well as `from sqlalchemy import select`.
        module_aliases: dict[str, str] = {}
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _is_under(alias.name, "sqlalchemy"):
                        bound = alias.asname or alias.name.split(".")[0]
                        module_aliases[bound] = alias.name if alias.asname else "sqlalchemy"
            elif isinstance(node, ast.ImportFrom) and not node.level:
                module = node.module or ""
                if not _is_under(module, "sqlalchemy"):
                    continue
                for alias in node.names:
                    if alias.name == "func" and alias.asname is None and index_expressions:
                        continue
                    if alias.name in SQL_NAMES:
                        findings.append(
                            source.at(node, f"imports `{alias.name}` from {module}: SQL belongs in a repository.py")
                        )
                    elif isinstance(_as_module(f"{module}.{alias.name}"), ModuleType):
                        module_aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
        for node in ast.walk(source.tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in SQL_NAMES
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
            ):
                findings.append(
                    source.at(
                        node,
                        f"uses `{node.value.id}.{node.attr}` from {module_aliases[node.value.id]}: "
                        "SQL belongs in a repository.py",
                    )
                )
    return findings


# ----------------------------------------------------------------------------------------------------
# Rule 2: the core knows no dialect.


def rule_core_imports_no_dialect(root: Path, package: str = PACKAGE) -> list[str]:
    dialects = f"{package}.dialects"
    findings = []
    for source in sources(root, package):
        if source.relative.startswith("dialects/") or source.relative == "app.py":
            continue
        reported: set[int] = set()
        for node, module in imported_modules(source):
            if _is_under(module, dialects) and id(node) not in reported:
                reported.add(id(node))
                findings.append(source.at(node, f"imports {module}: {NO_DIALECT}"))
    return findings


# ----------------------------------------------------------------------------------------------------
# Rule 3: no core module imports the web framework.


def rule_core_imports_no_web_framework(root: Path, package: str = PACKAGE) -> list[str]:
    findings = []
    for source in sources(root, package):
        if source.relative.startswith(WEB_LAYERS) or source.relative in WEB_ALLOWED_FILES:
            continue
        reported: set[int] = set()
        for node, module in imported_modules(source):
            if any(_is_under(module, web) for web in WEB_PACKAGES) and id(node) not in reported:
                reported.add(id(node))
                findings.append(
                    source.at(
                        node,
                        f"imports {module}: only dialects/, web/, app.py, kit/metrics.py and kit/requests.py"
                        " may use the web framework",
                    )
                )
    return findings


# ----------------------------------------------------------------------------------------------------
# Rule 4: every model with a merchant_id column is TenantOwned.


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def _declares_merchant_id(node: ast.ClassDef) -> ast.AST | None:
    """The statement declaring a `merchant_id` column in the class body, if any."""
    for statement in node.body:
        targets = (
            [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else statement.targets
            if isinstance(statement, ast.Assign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "merchant_id" for t in targets):
            return statement
        for call in ast.walk(statement):
            if (
                isinstance(call, ast.Call)
                and (getattr(call.func, "id", None) or getattr(call.func, "attr", None)) in ("Column", "mapped_column")
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and call.args[0].value == "merchant_id"
            ):
                return statement
    return None


def rule_tenant_models_are_tenant_owned(root: Path, package: str = PACKAGE) -> list[str]:
    """A model is a class that inherits the declarative `Base`; its merchant_id may come from a mixin."""
    bases: dict[str, list[str]] = {}
    declares: dict[str, ast.AST] = {}
    classes: list[tuple[Source, ast.ClassDef]] = []
    for source in sources(root, package):
        for node in ast.walk(source.tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, []).extend(_base_names(node))
                classes.append((source, node))
                column = _declares_merchant_id(node)
                if column is not None:
                    declares[node.name] = column

    def ancestors(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found = {name}
        for base in bases.get(name, []):
            if base not in seen:
                found |= ancestors(base, seen | {name})
        return found

    findings = []
    for source, node in classes:
        lineage = ancestors(node.name)
        is_model = "Base" in lineage and node.name != "Base"
        has_merchant_id = any(name in declares for name in lineage - {"TenantOwned"})
        if is_model and has_merchant_id and "TenantOwned" not in lineage:
            findings.append(source.at(node, f"model {node.name} {NOT_OWNED}"))
    return findings


# ----------------------------------------------------------------------------------------------------
# Rule 5: the dialects and the pages import no repository.


def _is_repository(module: str) -> bool:
    """`repository`, a context's second one named for its concept (`codes_repository`), `sealed_repository`."""
    name = module.rpartition(".")[2]
    return name == "repository" or name.endswith("_repository")


def rule_outer_layers_import_no_repository(root: Path, package: str = PACKAGE) -> list[str]:
    findings = []
    for source in sources(root, package):
        if not source.relative.startswith(WEB_LAYERS):
            continue
        reported: set[int] = set()
        for node, module in imported_modules(source):
            if _is_under(module, package) and _is_repository(module) and id(node) not in reported:
                reported.add(id(node))
                findings.append(source.at(node, f"imports {module}: {NO_REPOSITORY}"))
    return findings


# ----------------------------------------------------------------------------------------------------
# Rule 6: imports point down the layers.


def part_of(module: str, package: str = PACKAGE) -> str | None:
    """The top-level package or module of `package` that `module` is in; None for the package itself."""
    parts = module.split(".")
    if parts[0] != package or len(parts) < 2:
        return None
    return parts[1]


def layer_of(part: str) -> int | None:
    return next((height for height, parts in enumerate(LAYERS) if part in parts), None)


def rule_imports_point_down(root: Path, package: str = PACKAGE) -> list[str]:
    """A part may import from the layers below its own, never from one above. Nor from another part of its own
    layer: parts side by side (catalog and restrictions once, webhooks and mail) know nothing of each other, so
    that none of them can come to lean on the rest in a circle. The entry points alone may, being what puts the
    rest together (the CLI starts the app; both build the metadata aggregate)."""
    findings = []
    unplaced: set[str] = set()
    for source in sources(root, package):
        part = part_of(source.module, package)
        if part is None:
            continue
        height = layer_of(part)
        if height is None:
            if part not in unplaced:
                unplaced.add(part)
                findings.append(source.at(source.tree, f"{part} {NO_LAYER}"))
            continue
        reported: set[int] = set()
        for node, module in imported_modules(source):
            other = part_of(module, package)
            theirs = layer_of(other) if other is not None and other != part else None
            if theirs is None or id(node) in reported:
                continue
            if theirs > height or (theirs == height and LAYERS[height] is not ENTRY_POINTS):
                reported.add(id(node))
                findings.append(source.at(node, f"{part} imports {module}: {UPWARD if theirs > height else SIDEWAYS}"))
    return findings


# ----------------------------------------------------------------------------------------------------
# Rule 7: no dialect or page commits.


def rule_no_commit_in_web_layers(root: Path, package: str = PACKAGE) -> list[str]:
    findings = []
    for source in sources(root, package):
        if not source.relative.startswith(WEB_LAYERS) or source.relative in COMMIT_ALLOWED_FILES:
            continue
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                findings.append(source.at(node, COMMITS))
    return findings


# ----------------------------------------------------------------------------------------------------
# Rule 8: the core's errors speak no vendor.


def _error_keys(node: ast.AST, field_setters: frozenset[str]) -> Iterator[ast.Constant]:
    """The literal field keys a call gives an error: a dict passed to `InvalidInput(...)` (or to `__init__` in an
    InvalidInput subclass), or the field of `problems.add(...)`."""
    if not isinstance(node, ast.Call):
        return
    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    if name in field_setters and node.args and isinstance(node.args[0], ast.Dict):
        yield from (key for key in node.args[0].keys if isinstance(key, ast.Constant) and isinstance(key.value, str))
    receiver = getattr(node.func, "value", None)
    if name == "add" and isinstance(receiver, ast.Name) and receiver.id == "problems" and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield first


def _error_texts(source: Source) -> Iterator[ast.Constant]:
    """The literal strings in what the module raises, and in the messages its error classes default to."""
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            parts = [*node.exc.args, *(keyword.value for keyword in node.exc.keywords)]
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "default_message" for t in node.targets):
            parts = [node.value]
        else:
            continue
        for part in parts:
            yield from (c for c in ast.walk(part) if isinstance(c, ast.Constant) and isinstance(c.value, str))


def rule_core_errors_speak_no_vendor(root: Path, package: str = PACKAGE) -> list[str]:
    findings = []
    for source in sources(root, package):
        if source.relative.startswith(VENDOR_LAYERS) or source.relative in VENDOR_FACES:
            continue
        # `__init__` counts as InvalidInput's own inside a class that extends it.
        setters = {"InvalidInput"}
        for node in ast.walk(source.tree):
            if isinstance(node, ast.ClassDef) and any(b.endswith("InvalidInput") for b in _base_names(node)):
                setters.add("__init__")
        for node in ast.walk(source.tree):
            for key in _error_keys(node, frozenset(setters)):
                if key.value in VENDOR_KEYS or CAMEL_CASE.match(key.value):
                    findings.append(source.at(key, f"error key {key.value!r}: {VENDOR_KEY}"))
        for text in _error_texts(source):
            said = next((m for m in VENDOR_MESSAGES if m in text.value), None)
            if said is not None:
                findings.append(source.at(text, f"says {said!r}: {VENDOR_MESSAGE}"))
    return findings


def _report(findings: list[str]) -> str:
    return "\n" + "\n".join(findings)


# ----------------------------------------------------------------------------------------------------
# The rules against the real tree.


def test_the_source_tree_is_where_we_think() -> None:
    files = {s.relative for s in sources(SRC)}
    assert {"kit/db.py", "app.py", "identity/repository.py", "dialects/inplayer/forms.py"} <= files


def test_sql_lives_only_in_repositories() -> None:
    findings = rule_sql_only_in_repositories(SRC)
    assert not findings, _report(findings)


def test_the_core_knows_no_dialect() -> None:
    findings = rule_core_imports_no_dialect(SRC)
    assert not findings, _report(findings)


def test_the_core_knows_no_web_framework() -> None:
    findings = rule_core_imports_no_web_framework(SRC)
    assert not findings, _report(findings)


def test_every_model_with_a_merchant_id_is_tenant_owned() -> None:
    findings = rule_tenant_models_are_tenant_owned(SRC)
    assert not findings, _report(findings)


def test_dialects_and_pages_import_no_repository() -> None:
    findings = rule_outer_layers_import_no_repository(SRC)
    assert not findings, _report(findings)


def test_imports_point_down_the_layers() -> None:
    findings = rule_imports_point_down(SRC)
    assert not findings, _report(findings)


def test_no_dialect_or_page_commits() -> None:
    findings = rule_no_commit_in_web_layers(SRC)
    assert not findings, _report(findings)


def test_the_core_errors_speak_no_vendor() -> None:
    findings = rule_core_errors_speak_no_vendor(SRC)
    assert not findings, _report(findings)


def test_every_mapped_table_with_a_merchant_id_is_guarded() -> None:
    """The same rule seen from the loaded models, which also sees columns added by mixins or __table__."""
    from boxoffice.kit.db import TENANT_TABLES, TenantOwned
    from boxoffice.models import Base

    unguarded = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if "merchant_id" in table.c and not (issubclass(mapper.class_, TenantOwned) and table.name in TENANT_TABLES):
            import inspect

            line = inspect.getsourcelines(mapper.class_)[1]
            unguarded.append(f"{inspect.getsourcefile(mapper.class_)}:{line}: {mapper.class_.__name__}")
    assert not unguarded, _report(unguarded)


# ----------------------------------------------------------------------------------------------------
# The rules against trees that break them: each must find the offence and say where it is.


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for relative, body in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).removeprefix("\n"))
    return root


def test_sql_rule_finds_queries_outside_repositories(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "billing/service.py": """
            from sqlalchemy import String
            from sqlalchemy import select
            """,
            "billing/sneaky.py": """
            import sqlalchemy as sa

            def count(session):
                return session.scalar(sa.func.count())
            """,
            "billing/upsert.py": """
            from sqlalchemy.dialects import postgresql

            statement = postgresql.insert(object)
            """,
            "billing/repository.py": "from sqlalchemy import select, update, func\n",
            "billing/refunds_repository.py": "from sqlalchemy import select\n",
            "billing/repository_helpers.py": "from sqlalchemy import select\n",
            "kit/db.py": "from sqlalchemy import text\n",
            "migrations/versions/0002.py": "from sqlalchemy import text\n",
            "dialects/thing/router.py": "from sqlalchemy.sql import delete\n",
            "identity/models.py": """
            from sqlalchemy import Index, func

            Index("ix_customers_lower_email", func.lower(Customer.email))
            """,
            "catalog/models.py": """
            from sqlalchemy import Index, func

            Index("ix_items_lower_title", func.lower(Item.title))
            newest = func.max(Item.created_at)
            """,
        },
    )
    findings = rule_sql_only_in_repositories(root, "pkg")
    assert len(findings) == 6, _report(findings)
    assert f"{root / 'catalog/models.py'}:1: imports `func` from sqlalchemy" in "\n".join(findings)
    joined = "\n".join(findings)
    assert f"{root / 'billing/service.py'}:2: imports `select` from sqlalchemy" in joined
    assert f"{root / 'billing/sneaky.py'}:4: uses `sa.func`" in joined
    assert f"{root / 'billing/upsert.py'}:3: uses `postgresql.insert`" in joined
    assert f"{root / 'dialects/thing/router.py'}:1: imports `delete` from sqlalchemy.sql" in joined
    assert f"{root / 'billing/repository_helpers.py'}:1: imports `select` from sqlalchemy" in joined


def test_dialect_rule_finds_the_core_importing_a_dialect(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "billing/service.py": """
            from __future__ import annotations

            def later():
                from pkg.dialects.inplayer import render
            """,
            "identity/tokens.py": "from ..dialects import inplayer\n",
            "webhooks/__init__.py": "import pkg.dialects.mediastore.router as r\n",
            "dialects/inplayer/router.py": "from pkg.dialects.inplayer import render\n",
            "app.py": "from pkg.dialects.inplayer.router import router\n",
        },
    )
    findings = rule_core_imports_no_dialect(root, "pkg")
    assert sorted(findings) == sorted(
        [
            f"{root / 'billing/service.py'}:4: imports pkg.dialects.inplayer: {NO_DIALECT}",
            f"{root / 'identity/tokens.py'}:1: imports pkg.dialects: {NO_DIALECT}",
            f"{root / 'webhooks/__init__.py'}:1: imports pkg.dialects.mediastore.router: {NO_DIALECT}",
        ]
    ), _report(findings)


def test_web_rule_finds_the_core_importing_the_framework(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "billing/service.py": "from fastapi import HTTPException\n",
            "identity/tokens.py": '"""Tokens."""\n\nimport starlette.requests\n',
            "kit/metrics.py": "from starlette.routing import Match\n",
            "app.py": "from fastapi import FastAPI\n",
            "dialects/inplayer/deps.py": "from fastapi import Depends\n",
        },
    )
    findings = rule_core_imports_no_web_framework(root, "pkg")
    assert len(findings) == 2, _report(findings)
    assert any(f.startswith(f"{root / 'billing/service.py'}:1: imports fastapi") for f in findings)
    assert any(f.startswith(f"{root / 'identity/tokens.py'}:3: imports starlette.requests") for f in findings)


def test_tenant_rule_finds_a_model_with_merchant_id_outside_tenant_owned(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "billing/models.py": """
            from pkg.db import Base, TenantOwned

            class HasMerchant:
                merchant_id: int

            class Principal:
                merchant_id: int

            class Owned(TenantOwned, Base):
                __tablename__ = "owned"

            class Indirect(Owned):
                merchant_id: int

            class Leaky(Base):
                __tablename__ = "leaky"
                id: int
                merchant_id: int

            class Classic(Base):
                __tablename__ = "classic"
                owner = Column("merchant_id", Integer)

            class Mixed(HasMerchant, Base):
                __tablename__ = "mixed"
            """,
        },
    )
    findings = rule_tenant_models_are_tenant_owned(root, "pkg")
    models = root / "billing/models.py"
    assert sorted(findings) == sorted(
        [
            f"{models}:15: model Leaky {NOT_OWNED}",
            f"{models}:20: model Classic {NOT_OWNED}",
            f"{models}:24: model Mixed {NOT_OWNED}",
        ]
    ), _report(findings)


def test_repository_rule_finds_a_dialect_or_page_importing_one(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "dialects/inplayer/items.py": """
            from pkg.catalog import repository as catalog_repo
            from pkg.catalog import service
            """,
            "dialects/mediastore/codes.py": """
            def later():
                from ...access.codes_repository import code_by_id
            """,
            "web/pages.py": "import pkg.sealed_repository\n",
            "dialects/kit.py": "from pkg.billing import orders, repository_helpers\n",
            "billing/service.py": "from pkg.billing import repository\n",
        },
    )
    findings = rule_outer_layers_import_no_repository(root, "pkg")
    assert sorted(findings) == sorted(
        [
            f"{root / 'dialects/inplayer/items.py'}:1: imports pkg.catalog.repository: {NO_REPOSITORY}",
            f"{root / 'dialects/mediastore/codes.py'}:2: imports pkg.access.codes_repository: {NO_REPOSITORY}",
            f"{root / 'web/pages.py'}:1: imports pkg.sealed_repository: {NO_REPOSITORY}",
        ]
    ), _report(findings)


def test_layer_rule_finds_imports_up_and_sideways(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "kit/db.py": "from pkg.kit import clock\nimport pkg.billing.models\n",
            "kit/clock.py": "",
            "kit/sealing.py": "from pkg.kit.db import Base\n",
            "events/outbox.py": "from pkg.kit import sealing\nfrom pkg.kit import db\n",
            "identity/accounts.py": "from pkg.mail.outbox import send_email\nfrom pkg.events import outbox\n",
            "identity/recovery.py": "from pkg.webhooks import dispatch, notices\n",
            "catalog/service.py": "from pkg.restrictions import rules\n",
            "restrictions/service.py": """
            from __future__ import annotations

            def later():
                from ..catalog import repository
            """,
            "webhooks/dispatch.py": "from pkg.mail import outbox\nfrom pkg.reporting import links\n",
            "cli.py": "from pkg.app import create_app\n",
            "app.py": "from pkg.dialects.inplayer import router\nfrom pkg import models\n",
            "novel/thing.py": "from pkg.kit import clock\n",
            "novel/other.py": "",
        },
    )
    findings = rule_imports_point_down(root, "pkg")
    assert sorted(findings) == sorted(
        [
            f"{root / 'kit/db.py'}:2: kit imports pkg.billing.models: {UPWARD}",
            f"{root / 'identity/recovery.py'}:1: identity imports pkg.webhooks: {UPWARD}",
            f"{root / 'restrictions/service.py'}:4: restrictions imports pkg.catalog: {UPWARD}",
            f"{root / 'webhooks/dispatch.py'}:2: webhooks imports pkg.reporting: {SIDEWAYS}",
            f"{root / 'novel/other.py'}:0: novel {NO_LAYER}",
        ]
    ), _report(findings)


def test_commit_rule_finds_a_dialect_or_page_committing(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "kit/requests.py": """
            async def in_unit_of_work(session):
                await session.commit()
            """,
            "dialects/inplayer/payments.py": """
            async def pay(request, session):
                await session.commit()
                await request.state.session.commit()
            """,
            "web/sandbox.py": """
            async def page(sessions):
                async with sessions() as session:
                    await session.commit()
            """,
            "billing/charges.py": """
            async def settle(session):
                await session.commit()
            """,
            "dialects/inplayer/orders.py": """
            async def rollback(session):
                await session.rollback()
                return commit
            """,
        },
    )
    findings = rule_no_commit_in_web_layers(root, "pkg")
    assert sorted(findings) == sorted(
        [
            f"{root / 'dialects/inplayer/payments.py'}:2: {COMMITS}",
            f"{root / 'dialects/inplayer/payments.py'}:3: {COMMITS}",
            f"{root / 'web/sandbox.py'}:3: {COMMITS}",
        ]
    ), _report(findings)


def test_vendor_rule_finds_vendor_keys_and_words_in_core_errors(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "billing/orders.py": """
            from pkg.errors import InvalidInput, NotFound

            class Expired(InvalidInput):
                def __init__(self, order_id):
                    super().__init__({"orderId": f"Order {order_id} has expired"})

            def check(problems, order):
                problems.add("paymentMethodId", "Choose a way to pay")
                problems.add("price_id", "No such price")
                if order is None:
                    raise NotFound(f"Order with {order} not found")
                raise InvalidInput({"access_fee": "Not for sale", "price_id": "Not for sale"})
            """,
            "kit/errors.py": """
            class Unauthenticated(Exception):
                default_message = "Invalid auth token"
            """,
            "catalog/service.py": """
            from pkg.errors import InvalidInput, NotFound

            def find(item, problems):
                settings = {"camelCase": 1}  # not an error
                if item is None:
                    raise NotFound("Item not found")
                raise InvalidInput({"product_id": "The product is archived"})
            """,
            "dialects/inplayer/errors.py": """
            NOT_FOUND = {"product": "Item not found"}
            raise InvalidInput({"access_fee": "Not for sale"})
            """,
            "cli.py": 'raise NotFound("Item not found")\n',
        },
    )
    findings = rule_core_errors_speak_no_vendor(root, "pkg")
    orders, service = root / "billing/orders.py", root / "catalog/service.py"
    assert sorted(findings) == sorted(
        [
            f"{orders}:5: error key 'orderId': {VENDOR_KEY}",
            f"{orders}:8: error key 'paymentMethodId': {VENDOR_KEY}",
            f"{orders}:11: says 'Order with ': {VENDOR_MESSAGE}",
            f"{orders}:12: error key 'access_fee': {VENDOR_KEY}",
            f"{root / 'kit/errors.py'}:2: says 'Invalid auth token': {VENDOR_MESSAGE}",
            f"{service}:6: says 'Item not found': {VENDOR_MESSAGE}",
        ]
    ), _report(findings)
