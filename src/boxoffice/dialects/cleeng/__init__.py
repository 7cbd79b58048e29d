"""Cleeng's vocabulary, shared by its APIs (MediaStore, JSON-RPC 3.0): offer ids, periods, money as decimals,
transaction ids."""
