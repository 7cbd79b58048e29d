"""Every method of Cleeng's JSON-RPC 3.0 API that its SDKs and docs name is served, and each is called by at least
one of this folder's HTTP tests."""

from __future__ import annotations

from pathlib import Path

from boxoffice.dialects.jsonrpc.router import METHODS

TYPES = ("Single", "Event", "Rental", "Subscription", "Pass", "Vod")
MULTI_CURRENCY = ("Single", "Rental", "Subscription", "Pass")
CLEENG = (
    {
        "getCustomer", "getCustomerEmail", "registerCustomer", "generateCustomerToken",
        "generateCustomerTokenFromPassword", "generateCustomerTokenFromFacebook",
        "generateCustomerTokenFromTransactionId", "prepareRemoteAuth", "updateCustomerEmail", "requestPasswordReset",
        "updateCustomerPassword", "generateCheckoutUrl", "generateMyAccountUrl", "getLocaleDataFromIp",
        "getAccessStatus", "getAccessStatusForDevice", "getAccessibleTags", "isTrialAllowed", "registerSubscription",
        "grantAccessWithCoupon", "listCustomerSubscriptions", "updateCustomerSubscription", "updateCustomerRental",
        "listCustomerLibrary", "listOfferIdsByVideoId", "cancelEventOffer", "getPublisher", "listTransactions",
        "listCancellations", "getAssociate", "createAssociate", "updateAssociate", "createCouponCampaign",
        "createSubscriptionCouponCampaign", "activateCouponCampaign", "deactivateCouponCampaign",
        "listCouponCampaigns", "listSubscriptionCouponCampaigns", "listCoupons", "importCoupons",
        "listPaymentDetails", "deletePaymentDetails", "fetchCaptureQuestions", "saveCaptureQuestions",
        "fetchBroadcasterSpecificPersonalDataWithCaptureAnswers",
        "updateBroadcasterSpecificPersonalDataWithCaptureAnswers", "subscribeToWebhookEvent",
        "listWebhookSubscriptions",
    }
    | {f"{verb}{kind}Offer" for verb in ("get", "create", "update") for kind in TYPES}
    | {f"list{kind}Offers" for kind in TYPES}
    | {f"deactivate{kind}Offer" for kind in TYPES if kind != "Event"}
    | {f"{verb}MultiCurrency{kind}Offer" for verb in ("create", "update") for kind in MULTI_CURRENCY}
)  # fmt: skip


def test_every_method_cleeng_names_is_served() -> None:
    assert sorted(CLEENG - set(METHODS)) == []
    assert sorted(set(METHODS) - CLEENG) == []  # nothing of our own invention under Cleeng's names


def _called(name: str, tests: str) -> bool:
    """Named in full, or, for a method of each offer type, built from its stem for a type the tests name
    (`f"create{kind.name}Offer"` over `Kind("Pass", …)`)."""
    if f'"{name}"' in tests:
        return True
    kind = next((kind for kind in TYPES if kind in name), None)
    if kind is None:
        return False
    prefix, _, suffix = name.partition(kind)
    built = (f'f"{prefix}{{kind.name}}{suffix}"', f'f"{prefix}{{kind}}{suffix}"')
    # Or the verb too from the type's declaration (`f"{kind.deactivate}{kind.name}Offer"`, `Kind(…, "deactivate")`).
    declared = f'f"{{kind.{prefix}}}{{kind.name}}{suffix}"' in tests and f'"{prefix}")' in tests
    return (declared or any(template in tests for template in built)) and f'"{kind}"' in tests


def test_every_method_is_called_by_an_http_test() -> None:
    here = Path(__file__).parent
    tests = "\n".join(path.read_text() for path in here.glob("test_*.py") if path.name != Path(__file__).name)
    assert sorted(name for name in METHODS if not _called(name, tests)) == []
