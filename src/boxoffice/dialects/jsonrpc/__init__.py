"""Cleeng's JSON-RPC 3.0 API on the core: `POST /3.0/json-rpc` (and `/api/3.0/json-rpc`, `/jsonrpc`), single calls
and batches, the merchant's `publisherToken` and the customer's `customerToken` inside `params`."""
