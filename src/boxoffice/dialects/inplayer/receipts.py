"""The viewer's `getBillingReceipt` (`GET /v2/accounting/transactions/{trxToken}/receipt`): a PDF receipt for one
of their payments, named by the `trx_token` their payment history shows."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from boxoffice.billing import receipts
from boxoffice.dialects.inplayer.deps import CurrentCustomer, Session
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.inplayer.transactions import charge_token, payment_id_of
from boxoffice.kit.errors import NotFound

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])


@router.get(
    "/v2/accounting/transactions/{trx_token}/receipt",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}},
            "description": "The receipt, as a PDF",
        }
    },
)
async def billing_receipt(trx_token: str, session: Session, customer: CurrentCustomer) -> Response:
    """A PDF receipt for one of the viewer's payments, named by its `trx_token`."""
    payment_id = payment_id_of(trx_token)
    receipt = await receipts.load_receipt(session, customer.merchant_id, customer.id, payment_id)
    token = charge_token(receipt.payment)
    # The token is printed as the receipt number, so one naming another gateway than the payment's names nothing.
    if token != trx_token.strip():
        raise NotFound("Transaction not found")
    return Response(
        await receipts.receipt_pdf(receipt, token),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="receipt-{token}.pdf"'},
    )
