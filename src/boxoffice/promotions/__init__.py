"""Promotions: vouchers (and later gifts and trials) that lower what a viewer pays."""
