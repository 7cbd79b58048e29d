"""A product's description, what viewers read of it before buying: kept in its metadata beside the other keys,
changed or removed without touching them, and bounded as any metadata value."""

from __future__ import annotations

import pytest

from boxoffice.catalog import service
from boxoffice.catalog.service import MAX_DESCRIPTION, ProductChanges
from boxoffice.kit.errors import InvalidInput
from tests.catalog.conftest import Catalog


async def test_a_description_is_kept_beside_the_other_metadata(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    made = await service.create_product(
        session,
        merchant.id,
        title="Final",
        asset_type="html_asset",
        attributes={"genre": "sport"},
        description="  The whole match  ",
    )
    assert made.attributes == {"genre": "sport", "description": "The whole match"}
    changed = await service.update_product(session, merchant.id, made.id, ProductChanges(description="Highlights"))
    assert changed.attributes == {"genre": "sport", "description": "Highlights"}
    untouched = await service.update_product(session, merchant.id, made.id, ProductChanges(title="Cup final"))
    assert untouched.attributes == {"genre": "sport", "description": "Highlights"}
    removed = await service.update_product(session, merchant.id, made.id, ProductChanges(description=""))
    assert removed.attributes == {"genre": "sport"}


async def test_a_description_longer_than_metadata_holds_is_refused(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput) as refused:
        await service.update_product(
            catalog.session,
            catalog.merchant.id,
            catalog.product.id,
            ProductChanges(description="x" * (MAX_DESCRIPTION + 1)),
        )
    assert set(refused.value.errors) == {"description"}
    with pytest.raises(InvalidInput):
        await service.create_product(
            catalog.session,
            catalog.merchant.id,
            title="Long",
            asset_type="html_asset",
            description="x" * (MAX_DESCRIPTION + 1),
        )
