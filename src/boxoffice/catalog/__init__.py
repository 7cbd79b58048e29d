"""Assets, packages, products and prices (InPlayer's access fees, Cleeng's offers)."""
