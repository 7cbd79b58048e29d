'use strict';
// The official InPlayer JS SDK (@inplayer-org/inplayer.js 3.13.33), run in Node against a Boxoffice server: the
// payments of spec §3.3, with the access check before and after —
//   cards: getPaymentMethods, createPayment (a card that pays, one that is declined, one that asks for 3-D Secure,
//     one with a voucher, one for what the viewer holds already), confirmPayment after the challenge,
//     Voucher.getDiscount, getPaymentHistory, getBillingReceipt, get/setDefaultCreditCard;
//   iDEAL: idealPayment and Subscription.idealSubscribe, approved at the (sandbox) bank, then confirmPayment;
//   Google Pay and Apple Pay: googlePayPayment, applePayPayment, approved or declined on the wallet's page;
//   SEPA Direct Debit: create/getDirectDebitMandate, directDebitCharge, Subscription.directDebitSubscribe, the
//     debit clearing later through the server's job worker;
//   PayPal: getPayPalParams, the approval page, and the `id` that says the viewer has access already;
//   donations: createDonationPayment (one of the item's amounts, the viewer's own, 3-D Secure) and
//     confirmDonationPayment;
//   gifts: createPayment with isGift and receiverEmail; the receiver reads the code from the e-mail and redeems it
//     (POST /v2/gifts/{code}/redeem, which the SDK has no call for).
//   in-app purchases: validateReceipt of a receipt of each store (Apple, Google Play, Amazon, Roku), replayed, of
//     another account, and Apple's under a root that is not the one trusted.
//
// Driven by test_sdk.py, which starts the server (its job worker in-process) and an SMTP catcher, and has a
// merchant set up a shop (merchant_setup.py set_up_shop) before it runs `node --test` on this file. Environment
// (besides harness.cjs's):
//   BOXOFFICE_SHOP         JSON: {item_id, fee_id, amount, voucher_code, sequel: {item_id, fee_id},
//                          club: {item_id, title, fee_id, amount},
//                          donation: {item_id, options: [{id, amount, currency, description}]}, merchant_email} —
//                          an item rented for a day, a sequel rented alike, and a voucher taking 1.00 EUR off either
//                          fee, an item sold by a monthly subscription, an item taking donations (two amounts, or
//                          the viewer's own); stores: {sold: {<store>: {item_id, fee_id, product_name}},
//                          receipts: {<store>: receipt, amazon_user_id, apple_foreign_root}}, an item sold in each
//                          store's app and a paid receipt of it
//   BOXOFFICE_MAILBOX_URL  GET {url}/messages?to=<email> -> [{subject, text, attachments}], oldest first
//
// The tests run one after another. The card tests share one viewer; every other way to pay has a viewer of its
// own (signed up through the SDK), so each starts without access.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { setTimeout: delay } = require('node:timers/promises');
const {
  InPlayer, BASE_URL, requiredEnv, refused, show, uniqueEmail, signUpData, assertTimestamp, useToken,
} = require('./harness.cjs');

const SHOP = JSON.parse(requiredEnv('BOXOFFICE_SHOP'));
const MAILBOX_URL = requiredEnv('BOXOFFICE_MAILBOX_URL');
const SEQUEL = SHOP.sequel; // {item_id, fee_id}: rented as the shop's item is
const CLUB = SHOP.club; // {item_id, title, fee_id, amount}: sold by a monthly subscription
const FUNDRAISER = SHOP.donation; // {item_id, options}: takes donations
const { Account, Asset, Payment, Subscription, Voucher } = InPlayer;
const RETURN_URL = 'https://watch.example.com/film';
const REFERRER = 'https://watch.example.com/film';
const BRANDING_ID = 12; // an app's paywall branding; the SDK sends it along and Boxoffice has no use for it
const SANDBOX_PAGES = `${BASE_URL}/sandbox/`; // where the sandbox gateway's approval pages are
const PAYMENT_INTENT = /^pi_[0-9a-f]+$/;
const SUBMITTED = { code: 200, message: 'Submitted for payment' };
// Settlement by the server's job worker (it polls the jobs table every second): how often and how many times to
// look for its outcome before giving up.
const SETTLE_ATTEMPTS = 60;
const SETTLE_INTERVAL_MS = 250;

/** What the SDK's createPayment takes: a card (Stripe's public test numbers) for the shop's fee. */
function cardPayment(number, fee = SHOP.fee_id) {
  return {
    number,
    cardName: 'Vera Viewer',
    expMonth: 12,
    expYear: new Date().getFullYear() + 2,
    cvv: 123,
    accessFee: fee,
    paymentMethod: 1,
    referrer: 'https://watch.example.com/film',
    returnUrl: RETURN_URL,
  };
}

/** Signs a new viewer up through the SDK (which keeps their token) and checks they can open none of `itemIds`. */
async function newViewer(tag, itemIds, email = uniqueEmail(tag)) {
  const { status, data } = await Account.signUp(signUpData(email, `${tag} pass 1&x`, {}));
  assert.equal(status, 200);
  for (const itemId of itemIds) await noAccess(itemId);
  return { email, account: data.account, token: Account.getToken().toObject() };
}

async function noAccess(itemId) {
  const response = await refused(Asset.checkAccessForAsset(itemId), [402]);
  assert.equal(response.data.message, 'No access');
}

/** The access check, asked until it answers 200: a direct debit, or a payment approved at PayPal, is settled by the
 * server's job worker a moment after the request that started it. At most SETTLE_ATTEMPTS checks. */
async function accessOnceSettled(itemId) {
  let last = null;
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt += 1) {
    const outcome = await Asset.checkAccessForAsset(itemId).then((response) => ({ response }), (error) => ({ error }));
    if (outcome.response) {
      assert.equal(outcome.response.data.item.id, itemId);
      return outcome.response;
    }
    if (outcome.error.response?.status !== 402) throw outcome.error;
    last = outcome.error.response.data;
    await delay(SETTLE_INTERVAL_MS);
  }
  return assert.fail(`no access to item ${itemId} after ${SETTLE_ATTEMPTS} checks ${SETTLE_INTERVAL_MS} ms apart, `
    + `the last answer ${show(last)}`);
}

/** The payer's browser on one of the sandbox's approval pages (a bank's, a wallet's, PayPal's): answers it as its
 * buttons do, and does not follow the redirect back to the app. */
function answerPage(url, result) {
  assert.ok(url.startsWith(SANDBOX_PAGES), `not a sandbox approval page: ${url}`);
  return fetch(`${url}?result=${result}`, { redirect: 'manual' });
}

/** What the app gets back after a payment on a page: `redirect_to_url` (the page) and `pi_id` (for confirmPayment). */
function assertSentToPage(data) {
  assert.equal(data.code, 200, show(data));
  assert.equal(data.message, 'Submitted for payment');
  assert.match(data.pi_id, PAYMENT_INTENT);
  assert.ok(data.redirect_to_url.startsWith(SANDBOX_PAGES), `redirect_to_url: ${show(data)}`);
}

/** The viewer's payment history, newest first, as rows of the given fields. */
async function historyRows(...fields) {
  const { status, data } = await Payment.getPaymentHistory();
  assert.equal(status, 200);
  assert.equal(data.total, data.collection.length, show(data));
  return data.collection.map((row) => fields.map((field) => row[field]));
}

/** The viewer's subscriptions as [item_id, action_type, payment_method_name, charged_amount]. */
async function subscriptionRows() {
  const { status, data } = await Subscription.getSubscriptions(0, 15, '');
  assert.equal(status, 200);
  return data.collection.map((s) => [s.item_id, s.action_type, s.payment_method_name, s.charged_amount]);
}

/** The e-mails the SMTP catcher accepted for `address`, asked until one `matches`: the worker sends them. */
async function mailTo(address, matches, description) {
  let subjects = [];
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt += 1) {
    const response = await fetch(`${MAILBOX_URL}/messages?to=${encodeURIComponent(address)}`);
    assert.equal(response.status, 200, 'the mailbox server answered with an error');
    const messages = await response.json();
    const found = messages.filter(matches);
    if (found.length > 0) {
      assert.equal(found.length, 1, `more than one ${description} e-mail: ${show(found)}`);
      return found[0];
    }
    subjects = messages.map((m) => m.subject);
    await delay(SETTLE_INTERVAL_MS);
  }
  return assert.fail(
    `no ${description} e-mail reached ${address} after ${SETTLE_ATTEMPTS} looks; got ${show(subjects)}`,
  );
}

describe('card payments', () => {
  test('a viewer signs up and has no access yet', async () => {
    const { status } = await Account.signUp(signUpData(uniqueEmail('payer'), 'payer pass 1&x', {}));
    assert.equal(status, 200);
    const response = await refused(Asset.checkAccessForAsset(SHOP.item_id), [402]);
    assert.equal(response.data.message, 'No access');
  });

  test('getPaymentMethods lists the card', async () => {
    const { status, data } = await Payment.getPaymentMethods();
    assert.equal(status, 200);
    const card = data.find((method) => method.method_name === 'Card');
    assert.ok(card, `no card method in ${show(data)}`);
    assert.equal(card.id, 1);
    assert.equal(card.is_external, false);
  });

  test('createPayment with a declined card is refused, naming why', async () => {
    const response = await refused(Payment.createPayment(cardPayment('4000000000000002')), [402]);
    assert.equal(response.data.message, 'Your card was declined');
    await refused(Asset.checkAccessForAsset(SHOP.item_id), [402]);
  });

  test('createPayment with a card number that is not one is bad input', async () => {
    const response = await refused(Payment.createPayment(cardPayment('4242424242424241')), [422]);
    assert.ok(response.data.errors.number, show(response.data));
  });

  test('a 3-D Secure card pays once the challenge is passed and confirmPayment is called', async () => {
    const { status, data } = await Payment.createPayment(cardPayment('4000002500003155'));
    assert.equal(status, 200);
    assert.equal(data.message, 'Submitted for payment');
    assert.ok(data.redirect_to_url && data.pi_id, show(data));
    await refused(Asset.checkAccessForAsset(SHOP.item_id), [402]);
    // The viewer's browser at the bank: it passes the challenge and is sent back to the app.
    const bank = await fetch(`${data.redirect_to_url}?result=success`, { redirect: 'manual' });
    assert.equal(bank.status, 303);
    const back = new URL(bank.headers.get('location'));
    assert.equal(`${back.origin}${back.pathname}`, RETURN_URL);
    assert.equal(back.searchParams.get('ippwat'), 'ppv'); // what the SDK added to returnUrl
    assert.equal(back.searchParams.get('payment_intent'), data.pi_id);
    const confirmed = await Payment.confirmPayment(back.searchParams.get('payment_intent'));
    assert.equal(confirmed.status, 200);
    const access = await Asset.checkAccessForAsset(SHOP.item_id);
    assert.equal(access.status, 200);
    assert.equal(access.data.item.id, SHOP.item_id);
  });

  test('createPayment for what the viewer holds already is refused, and charges nothing', async () => {
    const response = await refused(Payment.createPayment(cardPayment('4242424242424242')), [409]);
    assert.equal(response.data.message, 'You already have access to this item');
    assert.equal((await Asset.checkAccessForAsset(SHOP.item_id)).status, 200);
  });

  test('Voucher.getDiscount prices the fee after the voucher', async () => {
    const { status, data } = await Voucher.getDiscount({
      voucherCode: SHOP.voucher_code.toLowerCase(), accessFeeId: SHOP.fee_id,
    });
    assert.equal(status, 200);
    assert.deepEqual(data, { amount: 1.99, discount_duration: null, discount_period: 'once', currency_iso: 'EUR' });
    const response = await refused(Voucher.getDiscount({ voucherCode: 'NOPE', accessFeeId: SHOP.fee_id }), [422]);
    assert.ok(response.data.errors.voucher_code, show(response.data));
  });

  test('createPayment with a voucher code charges the discounted price (the sequel)', async () => {
    await noAccess(SEQUEL.item_id);
    const { status, data } = await Payment.createPayment({
      ...cardPayment('4242424242424242', SEQUEL.fee_id), voucherCode: SHOP.voucher_code,
    });
    assert.equal(status, 200);
    assert.deepEqual(data, { code: 200, message: 'Submitted for payment' });
    assert.equal((await Asset.checkAccessForAsset(SEQUEL.item_id)).status, 200);
  });

  test('getPaymentHistory lists every decided payment, newest first, the declined one as failed', async () => {
    const { status, data } = await Payment.getPaymentHistory();
    assert.equal(status, 200);
    assert.equal(data.total, 3, show(data));
    assert.deepEqual(data.collection.map((row) => [row.item_id, row.action_type, row.charged_amount, row.note]), [
      [SEQUEL.item_id, 'payment', 1.99, ''], // with the voucher
      [SHOP.item_id, 'payment', 2.99, ''], // the 3-D Secure one, once confirmed
      [SHOP.item_id, 'failed', 2.99, 'card_declined'],
    ]);
    for (const row of data.collection) {
      assert.match(row.trx_token, /^C-[1-9][0-9]*-SB$/);
      assert.equal(row.transaction_token, row.trx_token);
      assert.equal(row.currency_iso, 'EUR');
      assert.equal(row.payment_method_name, 'Card');
      assertTimestamp(row.created_at, 'created_at');
    }
  });

  test('getBillingReceipt({trxToken}) answers the PDF receipt of a payment', async () => {
    const [newest] = (await Payment.getPaymentHistory()).data.collection;
    const { status, headers, data } = await Payment.getBillingReceipt({ trxToken: newest.trx_token });
    assert.equal(status, 200);
    assert.equal(headers['content-type'], 'application/pdf');
    assert.equal(headers['content-disposition'], `attachment; filename="receipt-${newest.trx_token}.pdf"`);
    // responseType 'blob' is a browser's; in Node the SDK's axios hands the body over as a string.
    assert.equal(typeof data, 'string');
    assert.ok(data.startsWith('%PDF-'), `not a PDF: ${show(data.slice(0, 40))}`);
  });

  test('getDefaultCreditCard shows the card last paid with, keyed by currency', async () => {
    const { status, data } = await Payment.getDefaultCreditCard();
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(data.cards), ['EUR']);
    assert.equal(data.cards.EUR.number, '4242');
    assert.equal(data.cards.EUR.card_type, 'visa');
  });

  test('setDefaultCreditCard replaces it', async () => {
    const expYear = new Date().getFullYear() + 3;
    const { status, data } = await Payment.setDefaultCreditCard({
      cardNumber: '5555555555554444', cardName: 'Vera V', cvc: 321, expMonth: 4, expYear, currency: 'USD',
    });
    assert.equal(status, 200);
    assert.deepEqual(data, { number: '4444', card_name: 'Vera V', exp_month: 4, exp_year: expYear });
    const shown = await Payment.getDefaultCreditCard();
    assert.deepEqual(Object.keys(shown.data.cards), ['USD']);
  });

  test('confirmPayment without an id is refused by the SDK itself', async () => {
    await refused(Payment.confirmPayment(''), [400]);
  });
});

describe('iDEAL', () => {
  test('getPaymentMethods lists every way to pay the sandbox gateway takes', async () => {
    await newViewer('ideal', [SHOP.item_id, CLUB.item_id]);
    const { status, data } = await Payment.getPaymentMethods();
    assert.equal(status, 200);
    assert.deepEqual(data.map((method) => [method.id, method.method_name, method.is_external]), [
      [1, 'Card', false],
      [2, 'Paypal', true],
      [3, 'Direct Debit', false],
      [4, 'iDEAL', false],
      [5, 'Google Pay', false],
      [6, 'Apple Pay', false],
    ]);
  });

  test('idealPayment sends the payer to the bank; once approved there, confirmPayment opens the item', async () => {
    const { status, data } = await Payment.idealPayment({
      accessFeeId: SHOP.fee_id, bank: 'ing', returnUrl: RETURN_URL, referrer: REFERRER, brandingId: BRANDING_ID,
    });
    assert.equal(status, 200);
    assertSentToPage(data);
    await noAccess(SHOP.item_id);
    // The bank's page approves and sends the payer back to the app, with the payment intent the app confirms.
    const bank = await answerPage(data.redirect_to_url, 'success');
    assert.equal(bank.status, 303);
    assert.equal(bank.headers.get('location'), `${RETURN_URL}?ippwat=ppv&payment_intent=${data.pi_id}`);
    const confirmed = await Payment.confirmPayment(data.pi_id);
    assert.equal(confirmed.status, 200);
    assert.deepEqual(confirmed.data, SUBMITTED);
    const access = await Asset.checkAccessForAsset(SHOP.item_id);
    assert.equal(access.status, 200);
    assert.equal(access.data.item.id, SHOP.item_id);
  });

  test('Subscription.idealSubscribe starts a subscription the same way', async () => {
    const { status, data } = await Subscription.idealSubscribe({
      accessFeeId: CLUB.fee_id, bank: 'rabobank', returnUrl: RETURN_URL, referrer: REFERRER, brandingId: BRANDING_ID,
    });
    assert.equal(status, 200);
    assertSentToPage(data);
    await noAccess(CLUB.item_id);
    const bank = await answerPage(data.redirect_to_url, 'success');
    assert.equal(bank.status, 303);
    assert.equal(bank.headers.get('location'), `${RETURN_URL}?ippwat=subscription&payment_intent=${data.pi_id}`);
    assert.deepEqual((await Payment.confirmPayment(data.pi_id)).data, SUBMITTED);
    assert.equal((await Asset.checkAccessForAsset(CLUB.item_id)).status, 200);
    assert.deepEqual(await subscriptionRows(), [[CLUB.item_id, 'recurrent', 'iDEAL', CLUB.amount]]);
  });

  test('getPaymentHistory names iDEAL as the way each was paid', async () => {
    assert.deepEqual(await historyRows('item_id', 'action_type', 'charged_amount', 'payment_method_name'), [
      [CLUB.item_id, 'payment', CLUB.amount, 'iDEAL'],
      [SHOP.item_id, 'payment', 2.99, 'iDEAL'],
    ]);
  });
});

describe('Google Pay and Apple Pay', () => {
  const wallet = { accessFeeId: SHOP.fee_id, referrer: REFERRER, brandingId: BRANDING_ID };

  test('googlePayPayment: approved on the wallet page, confirmPayment opens the item', async () => {
    await newViewer('googlepay', [SHOP.item_id]);
    const { status, data } = await Payment.googlePayPayment(wallet);
    assert.equal(status, 200);
    assertSentToPage(data);
    await noAccess(SHOP.item_id);
    // The SDK sends no return URL for a wallet: the page answers itself rather than sending the payer on.
    const page = await answerPage(data.redirect_to_url, 'success');
    assert.equal(page.status, 200);
    assert.deepEqual((await Payment.confirmPayment(data.pi_id)).data, SUBMITTED);
    assert.equal((await Asset.checkAccessForAsset(SHOP.item_id)).status, 200);
    assert.deepEqual(await historyRows('item_id', 'action_type', 'charged_amount', 'payment_method_name'), [
      [SHOP.item_id, 'payment', 2.99, 'Google Pay'],
    ]);
  });

  test('applePayPayment: declined on the wallet page, confirmPayment is refused (authentication_failed)', async () => {
    await newViewer('applepay', [SHOP.item_id]);
    const { status, data } = await Payment.applePayPayment(wallet);
    assert.equal(status, 200);
    assertSentToPage(data);
    const page = await answerPage(data.redirect_to_url, 'fail');
    assert.equal(page.status, 200);
    const response = await refused(Payment.confirmPayment(data.pi_id), [402]);
    assert.equal(response.data.message, "The card's authentication failed");
    assert.deepEqual(response.data.errors, { decline_code: 'authentication_failed' });
    await noAccess(SHOP.item_id);
  });

  test('applePayPayment again, approved this time: the item opens', async () => {
    const { data } = await Payment.applePayPayment(wallet);
    assertSentToPage(data);
    assert.equal((await answerPage(data.redirect_to_url, 'success')).status, 200);
    assert.deepEqual((await Payment.confirmPayment(data.pi_id)).data, SUBMITTED);
    assert.equal((await Asset.checkAccessForAsset(SHOP.item_id)).status, 200);
    assert.deepEqual(await historyRows('item_id', 'action_type', 'charged_amount', 'payment_method_name', 'note'), [
      [SHOP.item_id, 'payment', 2.99, 'Apple Pay', ''],
      [SHOP.item_id, 'failed', 2.99, 'Apple Pay', 'authentication_failed'],
    ]);
  });
});

describe('SEPA Direct Debit', () => {
  const IBAN = 'DE89370400440532013000'; // Stripe's test IBAN that clears
  let source = null;

  test('getDirectDebitMandate is 404 before the viewer gives one; an IBAN that is not one is refused', async () => {
    await newViewer('debit', [SHOP.item_id, CLUB.item_id]);
    await refused(Payment.getDirectDebitMandate(), [404]);
    const typo = 'DE89370400440532013001'; // the good IBAN with its last digit changed: the check digits fail
    const bad = await refused(Payment.createDirectDebitMandate({ name: 'Vera Viewer', iban: typo }), [422]);
    assert.ok(bad.data.errors.iban, show(bad.data));
  });

  test('createDirectDebitMandate answers the SEPA source; getDirectDebitMandate shows its mandate', async () => {
    const { status, data } = await Payment.createDirectDebitMandate({ name: 'Vera Viewer', iban: IBAN });
    assert.equal(status, 200);
    assert.deepEqual(
      [data.full_name, data.owner, data.status, data.currency],
      ['Vera Viewer', 'Vera Viewer', 'chargeable', 'eur'],
    );
    assert.ok(typeof data.id === 'string' && data.id, show(data));
    assertTimestamp(data.created, 'created');
    assert.deepEqual(
      [data.type_data.country, data.type_data.bank_code, data.type_data.last4],
      ['DE', '37040044', '3000'],
    );
    assert.ok(data.type_data.mandate_reference, show(data));
    source = data;
    const shown = await Payment.getDirectDebitMandate();
    assert.equal(shown.status, 200);
    assert.equal(shown.data.is_approved, true);
    assert.deepEqual(shown.data.mandate, source.type_data);
  });

  test('directDebitCharge is submitted at once; the item opens once the debit clears', async () => {
    const { status, data } = await Payment.directDebitCharge({
      accessFeeId: SHOP.fee_id, assetId: SHOP.item_id, referrer: REFERRER, brandingId: BRANDING_ID,
    });
    assert.equal(status, 200);
    assert.deepEqual(data, SUBMITTED);
    await accessOnceSettled(SHOP.item_id); // the bank's answer comes through the server's job worker
  });

  test('Subscription.directDebitSubscribe starts a subscription, running once the debit clears', async () => {
    const { status, data } = await Subscription.directDebitSubscribe({
      accessFeeId: CLUB.fee_id, assetId: CLUB.item_id, referrer: REFERRER, brandingId: BRANDING_ID,
    });
    assert.equal(status, 200);
    assert.deepEqual(data, SUBMITTED);
    await accessOnceSettled(CLUB.item_id);
    assert.deepEqual(await subscriptionRows(), [[CLUB.item_id, 'recurrent', 'Direct Debit', CLUB.amount]]);
    assert.deepEqual(await historyRows('item_id', 'action_type', 'charged_amount', 'payment_method_name'), [
      [CLUB.item_id, 'payment', CLUB.amount, 'Direct Debit'],
      [SHOP.item_id, 'payment', 2.99, 'Direct Debit'],
    ]);
  });
});

describe('PayPal', () => {
  const ORIGIN = RETURN_URL; // the page the app asks from, where PayPal sends the payer back
  const params = () => Payment.getPayPalParams({
    origin: ORIGIN, accessFeeId: SHOP.fee_id, paymentMethod: 2, brandingId: BRANDING_ID,
  });
  let first = null;

  test('getPayPalParams answers where to send the payer (the approval page) and where they come back', async () => {
    await newViewer('paypal', [SHOP.item_id]);
    const { status, data } = await params();
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(data).sort(), [
      'business', 'cancel_return', 'currency_code', 'endpoint', 'item_name', 'return',
    ]); // no `id`: the viewer has no access yet
    assert.ok(data.endpoint.startsWith(SANDBOX_PAGES), `endpoint: ${show(data)}`);
    assert.deepEqual(
      [data.business, data.item_name, data.currency_code, data.cancel_return],
      [SHOP.merchant_email, 'Compat Rental', 'EUR', ORIGIN],
    );
    const intent = new URL(data.return).searchParams.get('payment_intent');
    assert.match(intent, PAYMENT_INTENT);
    assert.equal(data.return, `${ORIGIN}?ippwat=ppv&payment_intent=${intent}`);
    first = data;
  });

  test('approved at PayPal, the payer is sent to `return`; the item opens once the worker settles', async () => {
    await noAccess(SHOP.item_id);
    const paypal = await answerPage(first.endpoint, 'success');
    assert.equal(paypal.status, 303);
    assert.equal(paypal.headers.get('location'), first.return);
    first.access = await accessOnceSettled(SHOP.item_id);
  });

  test('getPayPalParams again answers with an `id`: the viewer has access already, no more is charged', async () => {
    const { status, data } = await params();
    assert.equal(status, 200);
    assert.equal(data.id, first.access.data.id); // the item access
    assert.equal(data.endpoint, ORIGIN);
    assert.deepEqual(await historyRows('item_id', 'action_type', 'charged_amount', 'payment_method_name'), [
      [SHOP.item_id, 'payment', 2.99, 'Paypal'],
    ]);
  });
});

describe('donations', () => {
  const [coffee, dinner] = FUNDRAISER.options;
  /** What the SDK's createDonationPayment takes: a card, and the amount given to the fundraiser's item. */
  const donation = (number, given) => ({
    number,
    cardName: 'Vera Viewer',
    expMonth: 12,
    expYear: new Date().getFullYear() + 2,
    cvv: 123,
    paymentMethod: 'card',
    referrer: REFERRER,
    brandingId: BRANDING_ID,
    returnUrl: RETURN_URL,
    assetId: FUNDRAISER.item_id,
    ...given,
  });

  test('getDonationOptions shows the amounts to give and that an amount of one\'s own is taken', async () => {
    await newViewer('donor', [FUNDRAISER.item_id]);
    const { status, data } = await Asset.getDonationOptions(FUNDRAISER.item_id);
    assert.equal(status, 200);
    assert.deepEqual(data.donations.map((d) => [d.id, d.amount, d.currency, d.description]), [
      [coffee.id, 5, 'EUR', 'A coffee'],
      [dinner.id, 20.5, 'EUR', 'A dinner'],
    ]);
    assert.equal(data.donation_options.custom_price_enabled, true);
  });

  test('createDonationPayment with one of the item\'s amounts', async () => {
    const { status, data } = await Payment.createDonationPayment(donation('4242424242424242', {
      donationId: dinner.id, amount: dinner.amount, currency: dinner.currency,
    }));
    assert.equal(status, 200);
    assert.deepEqual(data, SUBMITTED);
  });

  test('createDonationPayment with an amount of the viewer\'s own', async () => {
    const { status, data } = await Payment.createDonationPayment(donation('4242424242424242', {
      amount: 12.34, currency: 'USD',
    }));
    assert.equal(status, 200);
    assert.deepEqual(data, SUBMITTED);
  });

  test('a 3-D Secure donation: confirmDonationPayment after the challenge is passed', async () => {
    const { status, data } = await Payment.createDonationPayment(donation('4000002500003155', {
      donationId: coffee.id, amount: coffee.amount, currency: coffee.currency,
    }));
    assert.equal(status, 200);
    assertSentToPage(data);
    const bank = await answerPage(data.redirect_to_url, 'success');
    assert.equal(bank.status, 303);
    assert.equal(bank.headers.get('location'), `${RETURN_URL}?ippwat=ppv&payment_intent=${data.pi_id}`);
    const confirmed = await Payment.confirmDonationPayment({
      paymentIntentId: data.pi_id, brandingId: BRANDING_ID, paymentMethod: 'card', donationId: coffee.id,
    });
    assert.equal(confirmed.status, 200);
    assert.deepEqual(confirmed.data, SUBMITTED);
  });

  test('getPaymentHistory lists the donations; giving opened nothing', async () => {
    const rows = await historyRows('item_id', 'action_type', 'charged_amount', 'currency_iso', 'donation_description');
    assert.deepEqual(rows, [
      [FUNDRAISER.item_id, 'donation', 5, 'EUR', 'A coffee'],
      [FUNDRAISER.item_id, 'donation', 12.34, 'USD', ''],
      [FUNDRAISER.item_id, 'donation', 20.5, 'EUR', 'A dinner'],
    ]);
    await noAccess(FUNDRAISER.item_id);
  });
});

describe('gifts', () => {
  const receiverEmail = uniqueEmail('friend');
  let buyer = null;
  let code = null;

  /** GET /v2/gifts/{code}, POST /v2/gifts/{code}/redeem: our contract, which the SDK has no call for, made as an
   * app would, with the signed-in viewer's token. */
  async function giftCall(method, path) {
    const response = await fetch(`${BASE_URL}/v2/gifts/${path}`, {
      method, headers: { Authorization: `Bearer ${Account.getToken().token}`, Accept: 'application/json' },
    });
    return { status: response.status, data: await response.json() };
  }

  test('createPayment with isGift and receiverEmail pays for a gift; the buyer gets no access', async () => {
    buyer = await newViewer('giver', [SHOP.item_id]);
    const { status, data } = await Payment.createPayment({
      ...cardPayment('4242424242424242'), isGift: true, receiverEmail,
    });
    assert.equal(status, 200);
    assert.deepEqual(data, SUBMITTED);
    await noAccess(SHOP.item_id);
  });

  test('the buyer\'s getPaymentHistory shows the gift and its code', async () => {
    const { data } = await Payment.getPaymentHistory();
    assert.equal(data.total, 1, show(data));
    const [row] = data.collection;
    assert.deepEqual(
      [row.item_id, row.action_type, row.charged_amount, row.payment_method_name, row.item_access_id],
      [SHOP.item_id, 'payment', 2.99, 'Card', null],
    );
    assert.match(row.gift.code, /^[A-Z0-9]{12}$/);
    assert.deepEqual([row.gift.buyer_email, row.gift.receiver_email], [buyer.email, receiverEmail]);
    code = row.gift.code;
  });

  test('the receiver is e-mailed the code', async () => {
    const message = await mailTo(receiverEmail, (m) => m.subject.includes('sent you a gift'), 'gift');
    assert.equal(message.subject, 'Vera Viewer sent you a gift: Compat Rental');
    const mailed = /^([A-Z0-9]{12})\r?$/m.exec(message.text);
    assert.ok(mailed, `no code on a line of its own in ${show(message.text)}`);
    assert.equal(mailed[1], code);
  });

  test('the receiver signs up, checks the code and redeems it: the item opens for them, once', async () => {
    await newViewer('friend', [SHOP.item_id], receiverEmail);
    const checked = await giftCall('GET', code);
    assert.equal(checked.status, 200, show(checked.data));
    const gift = {
      code, item_id: SHOP.item_id, item_title: 'Compat Rental', access_fee_id: SHOP.fee_id,
      redeemed: false, refunded: false, from_name: 'Vera Viewer',
    };
    assert.deepEqual(checked.data, gift);
    const redeemed = await giftCall('POST', `${code}/redeem`);
    assert.equal(redeemed.status, 200, show(redeemed.data));
    const { item_access_id: itemAccessId, starts_at: startsAt, expires_at: expiresAt, ...rest } = redeemed.data;
    assert.deepEqual(rest, { ...gift, redeemed: true });
    assertTimestamp(startsAt, 'starts_at');
    assert.equal(expiresAt - startsAt, 24 * 3600); // the fee's day, from the redemption
    const access = await Asset.checkAccessForAsset(SHOP.item_id);
    assert.equal(access.status, 200);
    assert.equal(access.data.id, itemAccessId);
    const again = await giftCall('POST', `${code}/redeem`);
    assert.equal(again.status, 409, show(again.data));
    assert.equal(again.data.message, 'This gift has already been redeemed');
  });

  test('the buyer still has no access, and cannot redeem the code either', async () => {
    useToken(buyer.token);
    await noAccess(SHOP.item_id);
    assert.equal((await giftCall('POST', `${code}/redeem`)).status, 409);
  });
});

describe('in-app store receipts', () => {
  const { sold: SOLD, receipts: RECEIPTS } = SHOP.stores;
  const STORES = ['apple', 'google-play', 'amazon', 'roku'];

  /** What the SDK's validateReceipt takes for `store`'s receipt, by the store's product id or by the fee. */
  function receiptOf(store, byFee = false) {
    const bought = byFee
      ? { itemId: SOLD[store].item_id, accessFeeId: SOLD[store].fee_id }
      : { productName: SOLD[store].product_name };
    const amazon = store === 'amazon' ? { amazonUserId: RECEIPTS.amazon_user_id } : {};
    return { platform: store, receipt: RECEIPTS[store], ...bought, ...amazon };
  }

  test('validateReceipt of each store\'s receipt opens the item it bought', async () => {
    await newViewer('stores', STORES.map((store) => SOLD[store].item_id));
    for (const store of STORES) {
      const { status, data } = await Payment.validateReceipt(receiptOf(store));
      assert.equal(status, 200, store);
      assert.equal(data.code, 200, store);
      const access = await Asset.checkAccessForAsset(SOLD[store].item_id);
      assert.equal(access.data.item.id, SOLD[store].item_id, store);
    }
  });

  test('validateReceipt of the same receipt again, by access fee this time, answers as before', async () => {
    for (const store of STORES) {
      const { status, data } = await Payment.validateReceipt(receiptOf(store, true));
      assert.equal(status, 200, store);
      assert.match(data.message, /before/, store);
    }
  });

  test('validateReceipt of a receipt another account used is refused, and opens nothing', async () => {
    await newViewer('stores-other', [SOLD.apple.item_id]);
    const { data } = await refused(Payment.validateReceipt(receiptOf('apple')), [409]);
    assert.equal(data.message, 'This receipt was used by another account');
    await noAccess(SOLD.apple.item_id);
  });

  test('validateReceipt of an Apple transaction signed under another root is refused', async () => {
    const forged = { ...receiptOf('apple'), receipt: RECEIPTS.apple_foreign_root };
    const { data } = await refused(Payment.validateReceipt(forged), [422]);
    assert.match(data.message, /signature/);
    await noAccess(SOLD.apple.item_id);
  });
});
