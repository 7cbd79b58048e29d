"""Amazon's Receipt Verification Service and Roku's transaction service on a local port, in their wire formats:
RVS answers a receipt of the shared secret and user it was bought with, 400 for an unknown receipt, 496 for
another secret and 497 for another user; Roku answers a transaction of its partner key with `status: Success`,
anything else with Roku's failure status."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from tests.stores.local_server import serving

_AMAZON = re.compile(r"^(/sandbox)?/version/1\.0/verifyReceiptId/developer/([^/]+)/user/([^/]+)/receiptId/([^/]+)$")
_ROKU = re.compile(r"^/listen/transaction-service\.svc/validate-transaction/([^/]+)/([^/]+)$")


@dataclass
class FakeAmazonRoku:
    url: str = ""
    amazon_secret: str = "amazon-shared-secret-1"
    roku_key: str = "roku-partner-key-1"
    # (sandbox, user, receipt id) -> RVS's answer
    receipts: dict[tuple[bool, str, str], dict[str, Any]] = field(default_factory=dict)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def amazon_receipt(self, user: str, receipt_id: str, sku: str, *, bought_ms: int, sandbox: bool = True,
                       renewal_ms: int | None = None, cancelled_ms: int | None = None) -> None:  # fmt: skip
        self.receipts[(sandbox, user, receipt_id)] = {
            "receiptId": receipt_id, "productType": "SUBSCRIPTION" if renewal_ms else "ENTITLED", "productId": sku,
            "purchaseDate": bought_ms, "renewalDate": renewal_ms, "cancelDate": cancelled_ms,
            "testTransaction": sandbox, "betaProduct": False, "quantity": 1,
        }  # fmt: skip

    def roku_transaction(self, transaction_id: str, product: str, *, bought: str, expires: str | None = None,
                         entitled: bool = True) -> None:  # fmt: skip
        self.transactions[transaction_id] = {
            "transactionId": transaction_id, "productId": product, "purchaseDate": bought,
            "expirationDate": expires, "isEntitled": entitled, "cancelled": False, "status": "Success",
            "errorMessage": None, "amount": 4.99, "currency": "usd", "channelId": "12345",
        }  # fmt: skip


def _handler(fake: FakeAmazonRoku) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if match := _AMAZON.match(self.path):
                sandbox, secret, user, receipt = (
                    bool(match.group(1)), *(unquote(part) for part in match.groups()[1:])
                )  # fmt: skip
                if secret != fake.amazon_secret:
                    self._answer(496, {"message": "Invalid developer secret"})
                elif not any(key[1] == user for key in fake.receipts):
                    self._answer(497, {"message": "Invalid user ID"})
                elif (found := fake.receipts.get((sandbox, user, receipt))) is None:
                    self._answer(400, {"message": "Invalid receipt ID"})
                else:
                    self._answer(200, found)
            elif match := _ROKU.match(self.path):
                key, transaction = (unquote(part) for part in match.groups())
                found = fake.transactions.get(transaction) if key == fake.roku_key else None
                if found is None:
                    self._answer(200, {"status": "Failure", "errorMessage": "Invalid transaction or partner key"})
                else:
                    self._answer(200, found)
            else:
                self._answer(404, {"message": "Not found"})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_amazon_roku() -> Iterator[FakeAmazonRoku]:
    fake = FakeAmazonRoku()
    with serving(_handler(fake), "fake-amazon-roku") as url:
        fake.url = url
        yield fake
