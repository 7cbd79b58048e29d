'use strict';
// The official InPlayer JS SDK (@inplayer-org/inplayer.js 3.13.33), run in Node against a Boxoffice server: the
// card payments of spec §3.3 — getPaymentMethods, createPayment (a card that pays, one that is declined, one that
// asks for 3-D Secure), confirmPayment after the challenge, get/setDefaultCreditCard — with the access check
// before and after.
//
// Driven by test_sdk.py, which starts the server and has a merchant price an item (merchant_setup.py) before it
// runs `node --test` on this file. Environment (besides harness.cjs's):
//   BOXOFFICE_SHOP   JSON: {item_id, fee_id, amount} — an item and the one-time fee it is sold at
//
// The tests run one after another and share one viewer, signed up through the SDK.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { InPlayer, requiredEnv, refused, show, uniqueEmail, signUpData } = require('./harness.cjs');

const SHOP = JSON.parse(requiredEnv('BOXOFFICE_SHOP'));
const { Account, Asset, Payment } = InPlayer;
const RETURN_URL = 'https://watch.example.com/film';

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

  test('createPayment with a card that pays opens the item (a second purchase)', async () => {
    const { status, data } = await Payment.createPayment(cardPayment('4242424242424242'));
    assert.equal(status, 200);
    assert.deepEqual(data, { code: 200, message: 'Submitted for payment' });
    const access = await Asset.checkAccessForAsset(SHOP.item_id);
    assert.equal(access.status, 200);
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
