'use strict';
// The official InPlayer JS SDK (@inplayer-org/inplayer.js 3.13.33), run in Node against a Boxoffice server: every
// Asset call (spec §3.2), Payment.getPurchaseHistory, and the JW site plans (getSitePlans, getSitePlanPrices,
// getSiteEntitlements; §5.8).
//
// Driven by test_sdk.py, which starts the server and has a merchant set up its catalogue over HTTP
// (merchant_setup.py) before it runs `node --test` on this file. Environment (besides harness.cjs's):
//   BOXOFFICE_CATALOG        JSON: what the merchant created — ids, titles, contents, fees, package members, the
//                            access code, donation amounts, and the keys to verify signed playback with
//   BOXOFFICE_MERCHANT_TOKEN the merchant's token, for the one merchant call made from here: the grant that turns
//                            "no access" into "access" between two SDK calls on the same asset
//
// The tests run one after another and share one viewer, signed up through the SDK.

const { describe, test, before } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  InPlayer, BASE_URL, CLIENT_ID, storage, lastMultipart, requiredEnv, BAD_INPUT, nowSeconds, show, pick,
  refused, assertMessage, assertTimestamp, assertNonEmptyString, uniqueEmail, signUpData,
} = require('./harness.cjs');

const CATALOG = JSON.parse(requiredEnv('BOXOFFICE_CATALOG'));
const MERCHANT_TOKEN = requiredEnv('BOXOFFICE_MERCHANT_TOKEN');
const { Account, Asset, Payment } = InPlayer;
const { film, jw, cloudfront, package: pack, coded, capture, donation, playback } = CATALOG;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** The viewer every signed-in test uses; signed up through the SDK in the first describe(). */
const viewer = { email: uniqueEmail('asset-viewer'), password: 'viewer pass 1&x', account: null };

/** Expiry of each grant made here, by item id: the access check and the purchase history must repeat it. */
const grants = new Map();

/** The merchant grants the viewer access to an item until `expiresAt` (spec §3.6, POST /items/access). */
async function merchantGrant(itemId, expiresAt = nowSeconds() + 3 * 24 * 3600) {
  const form = new URLSearchParams({
    item_id: String(itemId), consumer_id: String(viewer.account.id), expires_at: String(expiresAt),
  });
  const response = await fetch(`${BASE_URL}/items/access`, {
    method: 'POST', body: form, headers: { Authorization: `Bearer ${MERCHANT_TOKEN}` },
  });
  assert.equal(response.status, 200, `merchant grant on item ${itemId} failed: ${await response.text()}`);
  grants.set(itemId, expiresAt);
}

/** Is `path` a route of the server at all? A route that exists refuses an anonymous GET with 401, not 404. */
async function routeExists(path) {
  const response = await fetch(`${BASE_URL}${path}`);
  return response.status !== 404;
}

const byId = (rows) => Object.fromEntries(rows.map((row) => [row.id, row]));
const sortedIds = (rows) => rows.map((row) => row.id).sort((a, b) => a - b);
const asNumber = (amount) => Number(amount); // set-up amounts are decimal strings like "4.99"

/** An item as the public catalogue shows it (spec §5.2): never its content, always its fees and metahash. */
function assertPublicItem(data, item, { itemType, accessControlTypeId = 1 }) {
  assert.equal(data.id, item.id, show(data));
  assert.equal(data.title, item.title);
  assert.equal(data.merchant_uuid, CLIENT_ID);
  assert.ok(Number.isInteger(data.merchant_id), `merchant_id: ${show(data.merchant_id)}`);
  assert.equal(data.access_control_type.id, accessControlTypeId, show(data.access_control_type));
  assertNonEmptyString(data.access_control_type.name, 'access_control_type.name');
  assert.equal(typeof data.access_control_type.auth, 'boolean', show(data.access_control_type));
  assert.equal(data.item_type.name, itemType, show(data.item_type));
  assert.ok(!('content' in data), `the public item must not carry its content: ${show(data.content)}`);
  assert.deepEqual(data.metahash, item.metadata || {});
  assert.ok(Array.isArray(data.access_fees), `access_fees: ${show(data.access_fees)}`);
  assert.deepEqual(sortedIds(data.access_fees), (item.fees || []).map((fee) => fee.id).sort((a, b) => a - b));
  assertTimestamp(data.created_at, 'created_at');
}

function assertPage(data, what) {
  for (const key of ['total', 'page', 'offset', 'limit']) {
    assert.ok(Number.isInteger(data[key]), `${what}: ${key} should be an integer, got ${show(data)}`);
  }
  assert.ok(Array.isArray(data.collection), `${what}: collection should be an array, got ${show(data.collection)}`);
}

/** Verifies a JWT's HS256 signature with the merchant's JW secret; returns its payload. */
function verifiedJwt(token, secret) {
  assertNonEmptyString(token, 'token');
  const parts = token.split('.');
  assert.equal(parts.length, 3, `not a JWT: ${token}`);
  const [header, payload, signature] = parts;
  const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  assert.equal(decode(header).alg, 'HS256', `header: ${show(decode(header))}`);
  const expected = crypto.createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  assert.ok(given.length === expected.length && crypto.timingSafeEqual(given, expected),
    'the token is not signed with the merchant\'s JW secret');
  return decode(payload);
}

/** CloudFront's canned-policy signature (what CloudFront itself checks): RSA-SHA1 over the policy, in its base64. */
function assertCloudfrontSignature(resource, expires, signature, publicKey) {
  const policy = JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] });
  const raw = Buffer.from(signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
  assert.ok(crypto.verify('sha1', Buffer.from(policy), publicKey, raw),
    `Signature does not verify with the merchant's key for the canned policy ${policy}`);
}

/** A multipart entry from a browser other than the SDK's, for the sessions limit of a code. */
function enterFromOtherBrowser(code, fingerprint) {
  const form = new FormData();
  form.set('item_id', String(coded.id));
  form.set('code', code);
  form.set('browser_fingerprint', fingerprint);
  return InPlayer.request.post('/items/access/codes/entry', form);
}

// ---------------------------------------------------------------------------------------------------------------

describe('public catalogue (no token)', () => {
  before(() => { Account.removeToken(); });

  test('getAsset(id) shows the item with its fees and metahash, without its content', async () => {
    const { status, data } = await Asset.getAsset(film.id);
    assert.equal(status, 200);
    assertPublicItem(data, film, { itemType: 'html_asset' });
  });

  test('getAsset(id, merchantUuid) answers the same item', async () => {
    const { status, data } = await Asset.getAsset(film.id, CLIENT_ID);
    assert.equal(status, 200);
    assertPublicItem(data, film, { itemType: 'html_asset' });
    assert.deepEqual(data, (await Asset.getAsset(film.id)).data);
  });

  test('getAsset of an unknown item, or under another merchant, is 404', async () => {
    await refused(Asset.getAsset(987654321), [404]);
    await refused(Asset.getAsset(film.id, crypto.randomUUID()), [404]);
  });

  test('getExternalAsset(type, externalId, merchantUuid) finds the item by its platform id', async () => {
    const { status, data } = await Asset.getExternalAsset('jw', jw.external_asset_id, CLIENT_ID);
    assert.equal(status, 200);
    assertPublicItem(data, jw, { itemType: 'jw_asset' });
    await refused(Asset.getExternalAsset('jw', 'NoSuchMedia', CLIENT_ID), [404]);
  });

  test('getAssetAccessFees: amounts as decimal numbers, access types, trial periods', async () => {
    const { status, data } = await Asset.getAssetAccessFees(film.id);
    assert.equal(status, 200);
    assert.ok(Array.isArray(data), `expected an array of access fees, got ${show(data)}`);
    const fees = byId(data);
    assert.deepEqual(sortedIds(data), film.fees.map((fee) => fee.id).sort((a, b) => a - b));
    const [rent, pass] = film.fees;

    const rental = fees[rent.id];
    assert.equal(typeof rental.amount, 'number', `amount should be a number, got ${show(rental.amount)}`);
    assert.equal(rental.amount, asNumber(rent.amount));
    assert.deepEqual(pick(rental, ['currency', 'description']), { currency: rent.currency, description: rent.description });
    assert.deepEqual(pick(rental.access_type, ['name', 'quantity', 'period']), { name: 'ppv', quantity: 48, period: 'hour' });
    assert.equal(rental.trial_period, null, `a fee without a trial has trial_period null: ${show(rental.trial_period)}`);

    const monthly = fees[pass.id];
    assert.equal(typeof monthly.amount, 'number', `amount should be a number, got ${show(monthly.amount)}`);
    assert.equal(monthly.amount, asNumber(pass.amount));
    assert.deepEqual(pick(monthly.access_type, ['name', 'quantity', 'period']),
      { name: 'subscription', quantity: 1, period: 'month' });
    assert.deepEqual(pick(monthly.trial_period || {}, ['quantity', 'period', 'description']),
      { quantity: 7, period: 'day', description: pass.trial_period_description });

    for (const fee of data) {
      assert.equal(fee.item.id, film.id, `fee.item: ${show(fee.item)}`);
      assert.equal(typeof fee.item.plan_switch_enabled, 'boolean', 'OTT reads item.plan_switch_enabled');
      assert.ok(Number.isInteger(fee.access_type.id), show(fee.access_type));
    }
  });

  test('getPackage answers the package in a page', async () => {
    const { status, data } = await Asset.getPackage(pack.id);
    assert.equal(status, 200);
    assertPage(data, 'getPackage');
    const found = data.collection.find((entry) => entry.id === pack.id);
    assert.ok(found, `package ${pack.id} missing from ${show(data.collection)}`);
    assert.equal(found.title, pack.title);
    assert.equal(found.item_type.name, 'package', show(found.item_type));
  });

  test('getAssetsInPackage lists the package\'s assets, without their content', async () => {
    const { status, data } = await Asset.getAssetsInPackage(pack.id);
    assert.equal(status, 200);
    assertPage(data, 'getAssetsInPackage');
    assert.equal(data.total, pack.members.length);
    assert.deepEqual(sortedIds(data.collection), [...pack.members].sort((a, b) => a - b));
    for (const item of data.collection) assert.ok(!('content' in item), `content leaked: ${show(item)}`);
  });
});

describe('viewer', () => {
  test('signUp through the SDK', async () => {
    const { status, data } = await Account.signUp(signUpData(viewer.email, viewer.password, {}));
    assert.equal(status, 200);
    assert.equal(Account.isAuthenticated(), true);
    viewer.account = data.account;
  });
});

describe('access check', () => {
  test('isFreeTrialUsed answers false before any trial', async () => {
    const { status, data } = await Asset.isFreeTrialUsed(film.id);
    assert.equal(status, 200);
    assert.equal(data, false);
  });

  test('checkAccessForAsset is 402 with data.code 402 before a grant', async () => {
    const { data } = await refused(Asset.checkAccessForAsset(film.id), [402]);
    assert.equal(data.code, 402);
  });

  test('checkAccessForAsset is 200 after the merchant\'s grant, with the content and expires_at', async () => {
    await merchantGrant(film.id);
    const { status, data } = await Asset.checkAccessForAsset(film.id);
    assert.equal(status, 200);
    assert.equal(data.expires_at, grants.get(film.id), `expires_at: ${show(data)}`);
    assert.ok(Number.isInteger(data.id), `item access id: ${show(data)}`);
    assert.equal(data.customer_id, viewer.account.id);
    assert.equal(data.customer_uuid, viewer.account.uuid);
    assert.equal(data.item.id, film.id);
    assert.equal(data.item.title, film.title);
    assert.equal(data.item.content, film.content);
    assertTimestamp(data.starts_at, 'starts_at');
    assertTimestamp(data.created_at, 'created_at');
    assert.equal((await Asset.isFreeTrialUsed(film.id)).data, false, 'a grant is not a free trial');
  });

  test('Payment.getPurchaseHistory lists the active access (GET /items/access/customers)', async () => {
    const { status, data } = await Payment.getPurchaseHistory();
    assert.equal(status, 200);
    assert.ok(Number.isInteger(data.total), show(data));
    assert.ok(Array.isArray(data.collection), show(data));
    const row = data.collection.find((entry) => entry.item_id === film.id);
    assert.ok(row, `no purchase-history row for item ${film.id}: ${show(data.collection)}`);
    assert.deepEqual(pick(row, ['item_id', 'item_title', 'customer_id', 'expires_at']),
      { item_id: film.id, item_title: film.title, customer_id: viewer.account.id, expires_at: grants.get(film.id) });
    assert.equal(data.total, data.collection.length);

    const inactive = await Payment.getPurchaseHistory('inactive', 0, 5);
    assert.ok(!inactive.data.collection.some((entry) => entry.item_id === film.id), show(inactive.data));
  });
});

describe('access codes', () => {
  let entered = null; // what the SDK stored after the successful entry

  test('requestCodeAccess with a wrong code is 401 and stores nothing', async () => {
    await refused(Asset.requestCodeAccess({ item_id: coded.id, code: 'NOT-THE-CODE' }), [401]);
    assert.equal(Asset.getAccessCode(coded.id), null);
  });

  test('requestCodeAccess sends the SDK\'s fingerprint (multipart) and opens the content', async () => {
    const { status, data } = await Asset.requestCodeAccess({ item_id: coded.id, code: coded.code });
    assert.equal(status, 200);
    assert.ok(lastMultipart.url.endsWith('/items/access/codes/entry'), show(lastMultipart));
    const sent = lastMultipart.fields;
    assert.deepEqual(pick(sent, ['item_id', 'code']), { item_id: String(coded.id), code: coded.code });
    assert.match(sent.browser_fingerprint, /^[0-9a-f]{32}$/, 'fingerprintjs2 x64hash128 in Node');

    assert.equal(data.item_id, coded.id);
    assert.equal(data.code, coded.code);
    assert.equal(data.content, coded.content);
    assert.equal(data.browser_fingerprint, sent.browser_fingerprint);
    assert.ok(Number.isInteger(data.code_id), `code_id: ${show(data)}`);
    assert.equal(typeof data.in_use, 'boolean', show(data));
    assert.equal(typeof data.type, 'string', show(data));

    entered = Asset.getAccessCode(coded.id);
    assert.deepEqual(entered,
      { item_id: coded.id, code: coded.code, browser_fingerprint: sent.browser_fingerprint, code_id: data.code_id });
    assert.ok(storage.has(`access_code_${coded.id}`));
  });

  test('the same browser may enter again; another one is refused while the only session is held', async () => {
    const again = await Asset.requestCodeAccess({ item_id: coded.id, code: coded.code });
    assert.equal(again.data.code_id, entered.code_id);
    assert.equal(coded.max_sessions, 1);
    await refused(enterFromOtherBrowser(coded.code, 'f'.repeat(32)), [400]);
  });

  test('getAccesCodeSessions lists the browser holding the code', async () => {
    const { status, data } = await Asset.getAccesCodeSessions(entered.code_id);
    assert.equal(status, 200);
    assert.ok(Array.isArray(data), `expected an array, got ${show(data)}`);
    assert.equal(data.length, 1, show(data));
    const [session] = data;
    assert.equal(session.browser_fingerprint, entered.browser_fingerprint);
    assert.equal(session.code, coded.code);
    assert.ok(Number.isInteger(session.id), show(session));
    assert.equal(typeof session.agent_info, 'string', show(session));
    assertTimestamp(session.last_used, 'last_used');
  });

  test('terminateSession frees the code and forgets it locally', async () => {
    const response = await Asset.terminateSession(coded.id);
    assertMessage(response);
    assert.equal(response.data.code, 200);
    assert.equal(Asset.getAccessCode(coded.id), null);
    assert.deepEqual((await Asset.getAccesCodeSessions(entered.code_id)).data, []);
    assert.equal(await Asset.terminateSession(coded.id), null, 'nothing stored: the SDK sends nothing');

    const other = 'e'.repeat(32); // the freed place is open to another browser now
    const { data } = await enterFromOtherBrowser(coded.code, other);
    assert.equal(data.content, coded.content);
    await InPlayer.request.delete(`/items/access/codes/${entered.code_id}/${other}`);
  });
});

describe('data capture', () => {
  test('requestDataCaptureNoAuthAccess keeps the contact details', async () => {
    const response = await Asset.requestDataCaptureNoAuthAccess({
      email: uniqueEmail('lead'), full_name: 'Lena Lead', company: 'Leads & Co', merchant_uuid: CLIENT_ID,
    });
    assertMessage(response);
    assert.ok(capture.id, 'the merchant has a data-capture asset');
  });

  test('requestDataCaptureNoAuthAccess without a valid e-mail is refused', async () => {
    await refused(Asset.requestDataCaptureNoAuthAccess({
      email: 'not an e-mail', full_name: 'Lena Lead', company: '', merchant_uuid: CLIENT_ID,
    }), BAD_INPUT);
  });
});

describe('signed playback', () => {
  test('getCloudfrontURL signs the URL: Expires, Signature, Key-Pair-Id', async () => {
    await merchantGrant(cloudfront.id);
    const videoUrl = cloudfront.content; // https://<distribution>.cloudfront.net/videos/film.m3u8
    const { status, data } = await Asset.getCloudfrontURL(cloudfront.id, videoUrl);
    assert.equal(status, 200);
    assertNonEmptyString(data.video_url, 'video_url');
    const signed = new URL(data.video_url);
    assert.equal(`${signed.origin}${signed.pathname}`, videoUrl, `video_url: ${data.video_url}`);
    const expires = Number(signed.searchParams.get('Expires'));
    assert.ok(Number.isInteger(expires) && expires > nowSeconds(), `Expires: ${signed.searchParams.get('Expires')}`);
    assert.ok(expires <= grants.get(cloudfront.id), 'the URL may not outlive the viewer\'s access');
    assert.equal(signed.searchParams.get('Key-Pair-Id'), playback.cloudfront_key_pair_id);
    const signature = new URLSearchParams(signed.search).get('Signature');
    assertNonEmptyString(signature, 'Signature');
    assertCloudfrontSignature(videoUrl, expires, signature, playback.cloudfront_public_key);
  });

  test('getCloudfrontURL signs a URL with a query of its own, which the SDK sends unencoded (§7)', async () => {
    const videoUrl = `${cloudfront.content}?quality=hd&lang=en`;
    const { data } = await Asset.getCloudfrontURL(cloudfront.id, videoUrl);
    const signed = new URL(data.video_url);
    assert.equal(signed.searchParams.get('quality'), 'hd', `video_url: ${data.video_url}`);
    assert.equal(signed.searchParams.get('lang'), 'en', `video_url: ${data.video_url}`);
    assert.ok(data.video_url.startsWith(`${videoUrl}&`), `the signing parameters follow the URL's own: ${data.video_url}`);
    const expires = Number(signed.searchParams.get('Expires'));
    const signature = new URLSearchParams(signed.search).get('Signature');
    assertCloudfrontSignature(videoUrl, expires, signature, playback.cloudfront_public_key);
  });

  test('getSignedMediaToken answers a JWT signed with the merchant\'s JW secret', async () => {
    await merchantGrant(jw.id);
    const { status, data } = await Asset.getSignedMediaToken('AppCfg01', jw.external_asset_id);
    assert.equal(status, 200);
    const claims = verifiedJwt(data.token, playback.jw_secret);
    assert.ok(Number.isInteger(claims.exp) && claims.exp > nowSeconds(), `exp: ${show(claims)}`);
    assert.ok(JSON.stringify(claims).includes(jw.external_asset_id), `the token must name the media: ${show(claims)}`);
  });

  test('getDonationOptions lists the donation amounts and the custom-amount switch', async () => {
    const { status, data } = await Asset.getDonationOptions(donation.id);
    assert.equal(status, 200);
    assert.ok(Array.isArray(data.donations), `donations: ${show(data)}`);
    const got = data.donations.map((d) => pick(d, ['item_id', 'amount', 'currency', 'description']));
    const want = donation.options.map((o) => ({
      item_id: donation.id, amount: asNumber(o.amount), currency: o.currency, description: o.description,
    }));
    assert.deepEqual(got.sort((a, b) => a.amount - b.amount), want.sort((a, b) => a.amount - b.amount));
    for (const d of data.donations) assert.ok(Number.isInteger(d.id), show(d));
    assert.ok(Number.isInteger(data.donation_options.id), show(data.donation_options));
    assert.equal(data.donation_options.item_id, donation.id, show(data.donation_options));
    assert.equal(typeof data.donation_options.custom_price_enabled, 'boolean', show(data.donation_options));
  });
});

describe('assets history', () => {
  test('getAssetsHistory (GET /payments/transactions)', async (t) => {
    if (!(await routeExists('/payments/transactions'))) {
      t.skip('getAssetsHistory is a Payment-era call and GET /payments/transactions does not exist yet');
      return;
    }
    const { status, data } = await Asset.getAssetsHistory();
    assert.equal(status, 200);
    assert.ok(Array.isArray(data.collection), show(data));
    assert.ok(Number.isInteger(data.total), show(data));
  });
});

describe('JW site plans (site id = merchant uuid)', () => {
  const [, pass] = film.fees; // the film is sold by subscription: it is a plan, its monthly fee the plan's price
  const planId = String(film.id);

  test('getSitePlans lists the plans in JW\'s list shape', async () => {
    const { status, data } = await Payment.getSitePlans(CLIENT_ID);
    assert.equal(status, 200);
    for (const key of ['page', 'total', 'page_length']) assert.ok(Number.isInteger(data[key]), `${key}: ${show(data)}`);
    assert.ok(Array.isArray(data.plans), show(data));
    const plan = data.plans.find((p) => p.id === planId);
    assert.ok(plan, `plan ${planId} missing: ${show(data.plans)}`);
    assert.equal(plan.type, 'plan');
    assert.equal(plan.original_id, film.id);
    assert.equal(plan.metadata.name, film.title);
    assert.ok(['svod', 'authvod', 'free'].includes(plan.metadata.access_model), show(plan.metadata));
    assert.deepEqual(plan.relationships.prices, [{ id: String(pass.id), type: 'price' }]);
    assertNonEmptyString(plan.schema, 'schema');
    for (const key of ['created', 'last_modified']) assert.ok(!Number.isNaN(Date.parse(plan[key])), `${key}: ${plan[key]}`);
    assert.ok(!data.plans.some((p) => p.id === String(coded.id)), 'an item with no subscription fee is no plan');
  });

  test('getSitePlans passes its query string through unencoded (§7) and pages in JW\'s terms', async () => {
    const { status, data } = await Payment.getSitePlans(CLIENT_ID, 'page=1&page_length=10');
    assert.equal(status, 200);
    assert.deepEqual(pick(data, ['page', 'page_length']), { page: 1, page_length: 10 });
    assert.ok(data.plans.some((p) => p.id === planId), show(data.plans));
  });

  test('getSitePlanPrices lists the plan\'s prices', async () => {
    const { status, data } = await Payment.getSitePlanPrices(CLIENT_ID, planId);
    assert.equal(status, 200);
    for (const key of ['page', 'total', 'page_length']) assert.ok(Number.isInteger(data[key]), `${key}: ${show(data)}`);
    assert.equal(data.prices.length, 1, show(data.prices));
    const [price] = data.prices;
    assert.equal(price.id, String(pass.id));
    assert.equal(price.type, 'price');
    assert.deepEqual(price.access, { period: 'month', quantity: 1, type: 'subscription' });
    assert.deepEqual(pick(price.metadata, ['amount', 'currency']), { amount: asNumber(pass.amount), currency: pass.currency });
    assertNonEmptyString(price.metadata.name, 'metadata.name');
    assert.deepEqual(price.metadata.trial, { period: 'day', quantity: 7 });
    assert.deepEqual(price.relationships.plans, [{ id: planId, type: 'plan' }]);
    await refused(Payment.getSitePlanPrices(CLIENT_ID, '987654321'), [404]);
  });

  test('getSiteEntitlements lists the plans the viewer holds, with a token and without', async () => {
    const { status, data } = await Asset.getSiteEntitlements(CLIENT_ID);
    assert.equal(status, 200);
    for (const key of ['page', 'total', 'page_length']) assert.ok(Number.isInteger(data[key]), `${key}: ${show(data)}`);
    assert.deepEqual(data.plans.map((p) => p.id), [planId], 'the viewer was granted the film, which is a plan');

    const token = Account.getToken().toObject();
    Account.removeToken(); // the SDK then sends no Authorization header at all
    try {
      const anonymous = await Asset.getSiteEntitlements(CLIENT_ID);
      assert.equal(anonymous.status, 200);
      assert.deepEqual(anonymous.data.plans, []);
    } finally {
      Account.setToken(token.token, token.refreshToken, token.expires);
    }
  });
});

