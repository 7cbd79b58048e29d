'use strict';
// The official InPlayer JS SDK (@inplayer-org/inplayer.js 3.13.33), run in Node against a Boxoffice server: Account.
//
// Driven by test_sdk.py, which starts the server, an SMTP catcher with an HTTP mailbox, creates a merchant with two
// register fields (`country`: country, optional; `terms`: checkbox, required) and then runs `node --test` on this file.
// Environment (besides harness.cjs's BOXOFFICE_BASE_URL and BOXOFFICE_CLIENT_ID):
//   BOXOFFICE_MAILBOX_URL   GET {url}/messages?to=<email> -> [{subject, text, attachments:[{filename, content_type,
//                           content}]}], every e-mail delivered to that address, oldest first
//   BOXOFFICE_FEATURE_FLAGS optional JSON {name: enabled} of feature flags the merchant has set
//   BOXOFFICE_LOOKS         JSON [BrandingDetails] of the merchant's looks as its API created them, the default first
//   BOXOFFICE_OIDC_ISSUER   a local OpenID Connect provider (tests/identity/oidc/provider.mjs), the merchant's google
//   BOXOFFICE_SOCIAL_APP    an origin the merchant allows, where social sign-ins come back to
//
// The tests run one after another and share one viewer account; each describe() is one area of the Account API.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { setTimeout: delay } = require('node:timers/promises');
const {
  InPlayer, BASE_URL, CLIENT_ID, REFERRER, requiredEnv, AUTH_FAILURE, BAD_INPUT, nowSeconds, show, pick, refused,
  assertMessage, assertFutureUnixSeconds, assertTimestamp, assertNonEmptyString, uniqueEmail, signUpData, signIn,
  useToken,
} = require('./harness.cjs');

const MAILBOX_URL = requiredEnv('BOXOFFICE_MAILBOX_URL');
const FEATURE_FLAGS = JSON.parse(process.env.BOXOFFICE_FEATURE_FLAGS || '{}');
const LOOKS = JSON.parse(requiredEnv('BOXOFFICE_LOOKS'));
const { Account, Branding } = InPlayer;

// ---------------------------------------------------------------------------------------------------------------
// Assertions on Account answers

/** A sign-in/sign-up answer: tokens, expiry and the account; v2 answers carry no refresh token. */
function assertAuthAnswer(data, { email, v2 = false }) {
  assertNonEmptyString(data.access_token, 'access_token');
  assertFutureUnixSeconds(data.expires);
  if (v2) assert.ok(!data.refresh_token, `v2 answers have no refresh_token, got ${show(data.refresh_token)}`);
  else assertNonEmptyString(data.refresh_token, 'refresh_token');
  assertConsumerAccount(data.account, { email });
}

function assertConsumerAccount(account, { email, fullName }) {
  assert.equal(typeof account, 'object', `expected an account object, got ${show(account)}`);
  assert.equal(account.email, email);
  if (fullName !== undefined) assert.equal(account.full_name, fullName);
  assert.equal(account.merchant_uuid, CLIENT_ID);
  assertNonEmptyString(account.uuid, 'account.uuid');
  assert.ok(Number.isInteger(account.id), `account.id should be an integer, got ${show(account.id)}`);
  assert.ok(Array.isArray(account.roles) && account.roles.includes('consumer'), `roles: ${show(account.roles)}`);
  assert.equal(typeof account.metadata, 'object');
}

/** The token the SDK keeps in storage must be the one the server just issued. */
function assertStoredToken(data) {
  assert.equal(Account.isAuthenticated(), true, 'the SDK should consider itself signed in');
  const stored = Account.getToken();
  assert.equal(stored.token, data.access_token);
  assert.equal(stored.refreshToken, data.refresh_token || '');
  assert.equal(stored.expires, data.expires);
}

// ---------------------------------------------------------------------------------------------------------------
// Mailbox: e-mail leaves the server from its job worker, so poll until the expected message arrives.

const consumedMail = new Map(); // address -> how many of its messages earlier steps already used

async function readMailbox(address) {
  const response = await fetch(`${MAILBOX_URL}/messages?to=${encodeURIComponent(address)}`);
  assert.equal(response.status, 200, 'the mailbox server answered with an error');
  return response.json();
}

/** The next e-mail to `address` (after any an earlier call returned) that `matches`; waits up to 15 s. */
async function nextMail(address, matches, description) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const messages = await readMailbox(address);
    const from = consumedMail.get(address) || 0;
    const index = messages.findIndex((message, i) => i >= from && matches(message));
    if (index >= 0) {
      consumedMail.set(address, index + 1);
      return messages[index];
    }
    if (Date.now() > deadline) {
      assert.fail(`no ${description} e-mail reached ${address} within 15 s; got ${show(messages.map((m) => m.subject))}`);
    }
    await delay(100);
  }
}

const RESET_TOKEN = /token(?:=|\s+is:?)\s*([A-Za-z0-9_\-.~]{16,})/i;
const PIN_CODE = /\bPIN(?:\s+code)?\b\D{0,20}?(\d{4,8})\b/i;

async function mailedResetToken(address) {
  const message = await nextMail(address, (m) => RESET_TOKEN.test(m.text), 'password reset');
  return RESET_TOKEN.exec(message.text)[1];
}

async function mailedPinCode(address) {
  const message = await nextMail(address, (m) => PIN_CODE.test(m.text), 'PIN code');
  return PIN_CODE.exec(message.text)[1];
}

// ---------------------------------------------------------------------------------------------------------------
// Accounts used by the tests

/** The account every test after sign-up works with; `password` follows the changes the tests make. */
const viewer = { email: uniqueEmail('viewer'), password: 'first pass 1&x', fullName: 'Vera Viewer', account: null };

/** Sends a raw refresh grant, bypassing the SDK's storage, to see whether the server still honours `refreshToken`. */
function refreshWith(refreshToken) {
  const form = new URLSearchParams({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken });
  return InPlayer.request.post('/accounts/authenticate', form.toString(), {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('registration', () => {
  test('getRegisterFields lists the merchant\'s fields', async () => {
    const { status, data } = await Account.getRegisterFields(CLIENT_ID);
    assert.equal(status, 200);
    assert.ok(Array.isArray(data.collection), `expected {collection: [...]}, got ${show(data)}`);
    const byName = Object.fromEntries(data.collection.map((field) => [field.name, field]));
    assert.deepEqual(pick(byName.country || {}, ['name', 'type', 'required']),
      { name: 'country', type: 'country', required: false });
    assert.deepEqual(pick(byName.terms || {}, ['name', 'type', 'required']),
      { name: 'terms', type: 'checkbox', required: true });
    assert.deepEqual(byName.country.options, { MK: 'North Macedonia', DE: 'Germany' });
    for (const field of data.collection) {
      assert.ok(Number.isInteger(field.id), show(field));
      for (const key of ['label', 'default_value', 'placeholder']) assert.equal(typeof field[key], 'string', show(field));
    }
  });

  test('signUp without a required register field is refused and names the field', async () => {
    const email = uniqueEmail('incomplete');
    const { data } = await refused(Account.signUp(signUpData(email, 'some pass 12', { country: 'MK' })), BAD_INPUT);
    assert.equal(typeof data.errors, 'object', `expected errors naming the field, got ${show(data)}`);
    assert.ok(Object.keys(data.errors).some((key) => key.includes('terms')), `errors: ${show(data.errors)}`);
    assert.equal(Account.isAuthenticated(), false, 'a refused sign-up must not leave a token behind');
  });

  test('signUp creates the account and the SDK stores its token', async () => {
    const metadata = { country: 'MK', terms: 'true' };
    const { status, data } = await Account.signUp(signUpData(viewer.email, viewer.password, metadata));
    assert.equal(status, 200);
    assertAuthAnswer(data, { email: viewer.email });
    assert.equal(data.account.full_name, viewer.fullName);
    assert.equal(data.account.metadata.country, 'MK');
    assertStoredToken(data);
    viewer.account = data.account;
  });

  test('signUp with an e-mail already registered is refused', async () => {
    const data = signUpData(viewer.email, 'other pass 12', { terms: 'true' });
    await refused(Account.signUp(data), [400, 409, 422]);
  });

  test('signUpV2 creates an account and answers without a refresh token', async () => {
    const email = uniqueEmail('viewer-v2');
    const { type, ...data } = signUpData(email, 'second pass 2', { terms: 'true' }); // v2 defaults type itself
    const response = await Account.signUpV2(data);
    assert.equal(response.status, 200);
    assertAuthAnswer(response.data, { email, v2: true });
    assertStoredToken(response.data);
    assert.notEqual(response.data.account.id, viewer.account.id);
  });
});

describe('sessions', () => {
  test('signInV2 signs in without a refresh token', async () => {
    const { status, data } = await Account.signInV2({
      email: viewer.email, password: viewer.password, clientId: CLIENT_ID, referrer: REFERRER,
    });
    assert.equal(status, 200);
    assertAuthAnswer(data, { email: viewer.email, v2: true });
    assertStoredToken(data);
    assert.equal(data.account.id, viewer.account.id);
  });

  test('signIn with a wrong password is refused', async () => {
    await refused(signIn(viewer.email, 'not the password'), AUTH_FAILURE);
  });

  test('signIn returns tokens with an absolute expiry and the SDK is authenticated', async () => {
    const { status, data } = await signIn(viewer.email, viewer.password);
    assert.equal(status, 200);
    assertAuthAnswer(data, { email: viewer.email });
    assertStoredToken(data);
    assert.equal(data.account.id, viewer.account.id);
  });

  test('refreshToken issues new tokens and the old refresh token is single-use', async () => {
    const before = Account.getToken().toObject();
    const { status, data } = await Account.refreshToken(CLIENT_ID);
    assert.equal(status, 200);
    assertAuthAnswer(data, { email: viewer.email });
    assert.notEqual(data.refresh_token, before.refreshToken, 'the refresh token must rotate');
    assert.notEqual(data.access_token, before.token);
    assert.equal(Account.getToken().token, before.token, 'the SDK does not store refreshed tokens itself');
    Account.setToken(data.access_token, data.refresh_token, data.expires);
    assertStoredToken(data);
    const current = await Account.getAccountInfo();
    assert.equal(current.data.email, viewer.email, 'the refreshed access token must work');

    await refused(refreshWith(before.refreshToken), [400, 401, 403, 422]);
    // A reused refresh token may end its whole session (theft detection): carry on with a fresh one.
    assertStoredToken((await signIn(viewer.email, viewer.password)).data);
  });

  test('getAccountInfo describes the signed-in consumer', async () => {
    const { status, data } = await Account.getAccountInfo();
    assert.equal(status, 200);
    assertConsumerAccount(data, { email: viewer.email, fullName: viewer.fullName });
    assert.equal(data.id, viewer.account.id);
    assert.equal(data.uuid, viewer.account.uuid);
    assert.equal(data.metadata.country, 'MK');
    assert.equal(data.referrer, REFERRER);
    assertTimestamp(data.created_at, 'created_at');
  });

  test('updateAccount changes name, metadata and date of birth, and a new read shows them', async () => {
    const change = { fullName: 'Vera V. Viewer', metadata: { country: 'DE', nickname: 'vv' }, dateOfBirth: '1990-05-17' };
    const updated = await Account.updateAccount(change);
    assert.equal(updated.status, 200);
    for (const { data } of [updated, await Account.getAccountInfo()]) {
      assert.equal(data.full_name, change.fullName);
      assert.equal(data.metadata.country, 'DE');
      assert.equal(data.metadata.nickname, 'vv');
      assert.ok(Number.isInteger(data.date_of_birth), `date_of_birth: ${show(data.date_of_birth)}`);
      assert.equal(new Date(data.date_of_birth * 1000).toISOString().slice(0, 10), change.dateOfBirth);
    }
    viewer.fullName = change.fullName;
  });
});

describe('profiles', () => {
  const profile = { id: null, name: 'Kids', avatar: 'https://cdn.example.com/avatars/kids.png' };

  test('getProfiles answers an array', async () => {
    const { status, data } = await Account.getProfiles();
    assert.equal(status, 200);
    assert.ok(Array.isArray(data), `expected an array, got ${show(data)}`);
  });

  test('createProfile creates a profile that getProfiles and getProfileDetails show', async () => {
    const created = await Account.createProfile(profile.name, false, profile.avatar);
    assert.equal(created.status, 200);
    assert.deepEqual(pick(created.data, ['name', 'avatar_url', 'adult', 'pin_required']),
      { name: profile.name, avatar_url: profile.avatar, adult: false, pin_required: false });
    assert.ok(created.data.id !== undefined && created.data.id !== null, show(created.data));
    profile.id = created.data.id;

    const listed = await Account.getProfiles();
    assert.ok(listed.data.some((p) => p.id === profile.id), `profile ${profile.id} missing: ${show(listed.data)}`);
    const details = await Account.getProfileDetails(profile.id);
    assert.deepEqual(pick(details.data, ['id', 'name', 'avatar_url', 'adult']),
      { id: profile.id, name: profile.name, avatar_url: profile.avatar, adult: false });
  });

  test('updateProfile renames the profile', async () => {
    const avatar = 'https://cdn.example.com/avatars/kids-2.png';
    const updated = await Account.updateProfile(profile.id, 'Little ones', avatar, false);
    assert.equal(updated.status, 200);
    assert.deepEqual(pick(updated.data, ['id', 'name', 'avatar_url']), { id: profile.id, name: 'Little ones', avatar_url: avatar });
    const details = await Account.getProfileDetails(profile.id);
    assert.equal(details.data.name, 'Little ones');
  });

  test('enterProfile returns credentials an app can use as its token', async () => {
    const { status, data } = await Account.enterProfile(profile.id);
    assert.equal(status, 200);
    assert.equal(data.id, profile.id);
    assert.equal(typeof data.credentials, 'object', `expected credentials, got ${show(data)}`);
    assertNonEmptyString(data.credentials.access_token, 'credentials.access_token');
    assertFutureUnixSeconds(data.credentials.expires, 'credentials.expires');

    const own = Account.getToken().toObject();
    Account.setToken(data.credentials.access_token, own.refreshToken, data.credentials.expires); // what OTT does
    try {
      const account = await Account.getAccountInfo();
      assert.equal(account.data.email, viewer.email);
    } finally {
      useToken(own);
    }
  });

  test('deleteProfile removes it', async () => {
    const deleted = await Account.deleteProfile(profile.id);
    assert.equal(deleted.status, 200);
    await refused(Account.getProfileDetails(profile.id), [404]);
    const listed = await Account.getProfiles();
    assert.ok(!listed.data.some((p) => p.id === profile.id), show(listed.data));
  });
});

describe('favorites', () => {
  const mediaId = 'Zx9Lk3Qp';

  test('addToFavorites, getFavorite and getFavorites', async () => {
    const added = await Account.addToFavorites(mediaId);
    assert.equal(added.status, 200);
    assert.equal(added.data.media_id, mediaId);
    assertTimestamp(added.data.created_at, 'created_at');

    const one = await Account.getFavorite(mediaId);
    assert.deepEqual(pick(one.data, ['media_id', 'created_at']), pick(added.data, ['media_id', 'created_at']));

    const all = await Account.getFavorites();
    assert.ok(Array.isArray(all.data.collection), show(all.data));
    assert.deepEqual(all.data.collection.map((f) => f.media_id), [mediaId]);
    assert.equal(typeof all.data.cursor, 'string', `cursor should be a string, got ${show(all.data.cursor)}`);
  });

  test('deleteFromFavorites removes it', async () => {
    const deleted = await Account.deleteFromFavorites(mediaId);
    assertMessage(deleted);
    await refused(Account.getFavorite(mediaId), [404]);
    const all = await Account.getFavorites();
    assert.deepEqual(all.data.collection, []);
  });
});

describe('watch history', () => {
  const halfway = 'HalfWay1';
  const nearlyDone = 'Credits9'; // 0.95: at the credits, which counts as watched
  const finished = 'Finished';
  const progress = { [halfway]: 0.5, [nearlyDone]: 0.95, [finished]: 1.0 };

  const mediaIds = (response) => response.data.collection.map((entry) => entry.media_id).sort();

  test('updateWatchHistory records progress', async () => {
    for (const [mediaId, value] of Object.entries(progress)) {
      const { status, data } = await Account.updateWatchHistory(mediaId, value);
      assert.equal(status, 200);
      assert.equal(data.media_id, mediaId);
      assert.equal(data.progress, value);
      assertTimestamp(data.created_at, 'created_at');
      assertTimestamp(data.updated_at, 'updated_at');
    }
  });

  test('getWatchHistory filters all, watched and (by default) currently watching', async () => {
    const all = await Account.getWatchHistory({ filter: 'all' });
    assert.deepEqual(mediaIds(all), Object.keys(progress).sort());
    assert.equal(typeof all.data.cursor, 'string', show(all.data));
    for (const entry of all.data.collection) assert.equal(entry.progress, progress[entry.media_id]);

    const watched = await Account.getWatchHistory({ filter: 'watched' });
    assert.deepEqual(mediaIds(watched), [finished, nearlyDone].sort());

    const watching = await Account.getWatchHistory({});
    assert.deepEqual(mediaIds(watching), [halfway]);
  });

  test('getWatchHistoryForItem and deleteWatchHistoryForItem', async () => {
    const one = await Account.getWatchHistoryForItem(halfway);
    assert.deepEqual(pick(one.data, ['media_id', 'progress']), { media_id: halfway, progress: 0.5 });

    assertMessage(await Account.deleteWatchHistoryForItem(halfway));
    await refused(Account.getWatchHistoryForItem(halfway), [404]);
    const all = await Account.getWatchHistory({ filter: 'all' });
    assert.deepEqual(mediaIds(all), [finished, nearlyDone].sort());
  });
});

describe('merchant settings', () => {
  test('getFeatureFlags answers [{name, enabled}]', async () => {
    const { status, data } = await Account.getFeatureFlags();
    assert.equal(status, 200);
    assert.ok(Array.isArray(data), `expected an array, got ${show(data)}`);
    for (const flag of data) {
      assert.deepEqual(Object.keys(pick(flag, ['name', 'enabled'])), ['name', 'enabled']);
      assertNonEmptyString(flag.name, 'flag.name');
      assert.equal(typeof flag.enabled, 'boolean', show(flag));
    }
    const seen = Object.fromEntries(data.map((flag) => [flag.name, flag.enabled]));
    for (const [name, enabled] of Object.entries(FEATURE_FLAGS)) assert.equal(seen[name], enabled, `flag ${name}`);
  });

  test('loadMerchantRestrictionSettings answers the age verification settings', async () => {
    const { status, data } = await Account.loadMerchantRestrictionSettings(CLIENT_ID);
    assert.equal(status, 200);
    assert.equal(data.merchant_uuid, CLIENT_ID);
    assert.equal(data.age_verification_type, 'pin_code');
    assert.equal(typeof data.age_verification_enabled, 'boolean', show(data));
    assert.ok(Number.isInteger(data.created_at), `created_at: ${show(data)}`);
    assert.ok(Number.isInteger(data.updated_at), `updated_at: ${show(data)}`);
  });
});

describe('age verification PIN', () => {
  test('sendPinCode mails a PIN; a wrong one is refused, the mailed one accepted', async () => {
    assertMessage(await Account.sendPinCode());
    const pin = await mailedPinCode(viewer.email);
    const wrong = pin === '000000' ? '111111' : '000000';
    await refused(Account.validatePinCode(wrong), [400, 401, 403, 422]);
    assertMessage(await Account.validatePinCode(pin));
  });
});

describe('data export', () => {
  test('exportData mails the account its data as a JSON attachment', async () => {
    assertMessage(await Account.exportData({ password: viewer.password }));
    const message = await nextMail(viewer.email, (m) => m.attachments.length > 0, 'data export');
    const attachment = message.attachments.find((a) => a.content_type === 'application/json');
    assert.ok(attachment, `expected a JSON attachment, got ${show(message.attachments.map((a) => a.content_type))}`);
    assert.match(attachment.filename, /\.json$/);
    const exported = JSON.parse(attachment.content);
    const text = JSON.stringify(exported);
    assert.ok(text.includes(viewer.email), 'the export should contain the account e-mail');
    assert.ok(text.includes(viewer.fullName), 'the export should contain the account name');
  });
});

describe('external accounts', () => {
  test('syncWithExternalAccount links the account and updateExternalAccount updates it', async () => {
    const synced = await Account.syncWithExternalAccount('livelike', 42);
    assert.equal(synced.status, 200);
    assert.ok(Number.isInteger(synced.data.id), show(synced.data));
    assert.equal(synced.data.account_id, viewer.account.id);
    assertNonEmptyString(synced.data.token, 'token');

    const updated = await Account.updateExternalAccount('livelike', { nickname: 'vera' });
    assert.equal(updated.status, 200);
    assert.equal(typeof updated.data, 'object', show(updated.data));

    const again = await Account.syncWithExternalAccount('livelike', 42);
    assert.deepEqual(pick(again.data, ['id', 'token']), pick(synced.data, ['id', 'token']), 'syncing again finds the same link');
  });
});

describe('password change', () => {
  test('changePassword: new password works, old one and every earlier session do not', async () => {
    const oldPassword = viewer.password;
    const password = 'second pass 2%&x';
    const response = await Account.changePassword({ oldPassword, password, passwordConfirmation: password });
    assert.equal(response.status, 200);
    viewer.password = password;

    await refused(Account.getAccountInfo(), AUTH_FAILURE); // the token used for the change is revoked too
    await refused(signIn(viewer.email, oldPassword), AUTH_FAILURE);
    const { data } = await signIn(viewer.email, password);
    assertAuthAnswer(data, { email: viewer.email });
    assert.equal((await Account.getAccountInfo()).data.email, viewer.email);
  });
});

describe('password reset', () => {
  test('requestNewPassword mails a token that setNewPassword accepts once', async () => {
    const sessionBefore = Account.getToken().toObject();
    assertMessage(await Account.requestNewPassword({ email: viewer.email, merchantUuid: CLIENT_ID }));
    const token = await mailedResetToken(viewer.email);

    const password = 'third pass 3 &%+?';
    const reset = await Account.setNewPassword({ password, passwordConfirmation: password }, token);
    assert.equal(reset.status, 200);
    viewer.password = password;
    await refused(Account.setNewPassword({ password, passwordConfirmation: password }, token), [400, 401, 403, 404, 422]);

    useToken(sessionBefore);
    await refused(Account.getAccountInfo(), AUTH_FAILURE); // a reset ends every session
    const { data } = await signIn(viewer.email, password);
    assertAuthAnswer(data, { email: viewer.email });
  });
});

describe('sign out', () => {
  test('signOut forgets the token locally and revokes it on the server', async () => {
    const before = Account.getToken().toObject();
    const response = await Account.signOut();
    assert.equal(response.status, 200);
    assert.equal(Account.isAuthenticated(), false);
    assert.equal(Account.getToken().token, '');

    await refused(Account.getAccountInfo(), [401]); // sent with an empty "Bearer "
    useToken(before);
    await refused(Account.getAccountInfo(), AUTH_FAILURE);
    Account.removeToken();
  });
});

describe('erase', () => {
  test('deleteAccount erases the account after checking the password', async () => {
    await signIn(viewer.email, viewer.password);
    await refused(Account.deleteAccount({ password: 'not the password' }), [400, 401, 403, 422]);
    assert.equal((await Account.getAccountInfo()).data.email, viewer.email, 'a refused erase changes nothing');

    const before = Account.getToken().toObject();
    assertMessage(await Account.deleteAccount({ password: viewer.password }));
    assert.equal(Account.isAuthenticated(), false, 'the SDK drops its token after erasing');

    await refused(signIn(viewer.email, viewer.password), [401, 403, 404]);
    useToken(before);
    await refused(Account.getAccountInfo(), [401, 403, 404]);
  });
});

describe('branding', () => {
  const [defaultLook, otherLook] = LOOKS;

  test('getBranding reads the default look with every BrandingDetails field', async () => {
    const { status, data } = await Branding.getBranding(CLIENT_ID, 'default');
    assert.equal(status, 200);
    assert.deepEqual(data, defaultLook);
    assert.equal(data.exists, true);
    assert.equal(data.default, true);
    for (const key of ['id', 'exists', 'brand_name', 'paywall_cover_photo', 'paywall_brand_logo',
      'paywall_primary_color', 'paywall_secondary_color', 'paywall_buttons_bg_color', 'paywall_buttons_text_color',
      'preview_buttons_bg_color', 'preview_buttons_text_color', 'preview_top_border', 'inplayer_protected_label',
      'paywall_footer', 'default', 'template_id', 'terms_url', 'dark_mode']) {
      assert.ok(key in data, `BrandingDetails lacks ${key}: ${show(data)}`);
    }
    assert.equal(data.paywall_primary_color, '#1a73e8');
  });

  test('getBranding reads a look by its id, and the SDK\'s default argument is the default look', async () => {
    const { data } = await Branding.getBranding(CLIENT_ID, otherLook.id);
    assert.deepEqual(data, otherLook);
    assert.deepEqual(pick(data, ['brand_name', 'dark_mode', 'inplayer_protected_label', 'default']),
      { brand_name: 'Compat Sports', dark_mode: true, inplayer_protected_label: false, default: false });
    assert.deepEqual((await Branding.getBranding(CLIENT_ID)).data, defaultLook);
  });

  test('getBranding of an unknown look is refused', async () => {
    await refused(Branding.getBranding(CLIENT_ID, otherLook.id + 1000), [404]);
  });
});

describe('social sign-in and single sign-on', () => {
  // The merchant's Google is a local OpenID Connect provider; its app's pages are on APP, an allowed origin.
  const OIDC_ISSUER = requiredEnv('BOXOFFICE_OIDC_ISSUER');
  const REDIRECT = `${requiredEnv('BOXOFFICE_SOCIAL_APP')}/signed-in`;
  const state = Buffer.from(JSON.stringify({ client_id: CLIENT_ID, redirect: REDIRECT })).toString('base64');

  /** The viewer's browser: the address, the provider, the callback (with this browser's cookie), and where the
   * app is told the outcome, read from the fragment of its address. */
  async function signInThrough(url) {
    const begun = await fetch(url, { redirect: 'manual' });
    assert.equal(begun.status, 302);
    const cookie = begun.headers.get('set-cookie').split(';')[0];
    const atProvider = await fetch(begun.headers.get('location'), { redirect: 'manual' });
    assert.equal(atProvider.status, 302);
    const back = await fetch(atProvider.headers.get('location'), { redirect: 'manual', headers: { cookie } });
    assert.equal(back.status, 302);
    const location = back.headers.get('location');
    assert.ok(location.startsWith(`${REDIRECT}#`), location);
    return Object.fromEntries(new URLSearchParams(location.split('#')[1]));
  }

  async function nextAtProvider(claims) {
    const response = await fetch(`${OIDC_ISSUER}/_next`, { method: 'POST', body: JSON.stringify(claims) });
    assert.equal(response.status, 204);
  }

  test('getSocialLoginUrls lists the merchant\'s providers; one signs a new viewer up, then in again', async () => {
    const { status, data } = await Account.getSocialLoginUrls(state);
    assert.equal(status, 200);
    assert.equal(data.code, 200);
    const urls = Object.assign({}, ...data.social_urls);
    assert.deepEqual(Object.keys(urls), ['google']);

    const email = uniqueEmail('social');
    await nextAtProvider({ sub: `google-${email}`, email, email_verified: true, name: 'Sofia Social' });
    const first = await signInThrough(urls.google);
    assertNonEmptyString(first.access_token, 'access_token');
    assertFutureUnixSeconds(Number(first.expires));
    useToken({ token: first.access_token, refreshToken: first.refresh_token, expires: Number(first.expires) });
    const account = (await Account.getAccountInfo()).data;
    assertConsumerAccount(account, { email, fullName: 'Sofia Social' });
    assert.deepEqual(account.social_apps_metadata, [{ social_app: 'google', social_app_id: `google-${email}` }]);

    await nextAtProvider({ sub: `google-${email}`, email, email_verified: true });
    const again = await signInThrough(urls.google);
    useToken({ token: again.access_token, refreshToken: again.refresh_token, expires: Number(again.expires) });
    assert.equal((await Account.getAccountInfo()).data.id, account.id);
  });

  test('getSocialLoginUrls refuses a redirect off the merchant\'s allowed origins', async () => {
    const elsewhere = Buffer.from(JSON.stringify({ client_id: CLIENT_ID, redirect: 'https://evil.example.net/' }));
    await refused(Account.getSocialLoginUrls(elsewhere.toString('base64')), [422]);
  });

  test('reportSSOtoken keeps the viewer\'s token for the merchant\'s other sites, and forgets it', async () => {
    const email = uniqueEmail('sso');
    await Account.signUp(signUpData(email, 'sso pass 1234', { terms: 'true' }));
    const { token } = Account.getToken();
    const kept = await Account.reportSSOtoken(BASE_URL, token, false);
    assert.equal(kept.status, 200);
    const cookie = kept.headers['set-cookie'][0].split(';')[0];
    assert.ok(cookie.startsWith(`boxoffice_sso_${CLIENT_ID}=`), cookie);
    const given = await fetch(`${BASE_URL}/sso/cookie?client_id=${CLIENT_ID}`, { headers: { cookie } });
    assert.equal((await given.json()).token, token);
    const forgotten = await Account.reportSSOtoken(BASE_URL, token, true);
    assert.equal(forgotten.status, 200);
    assert.match(forgotten.headers['set-cookie'][0], new RegExp(`^boxoffice_sso_${CLIENT_ID}=""?;`));
    await refused(Account.reportSSOtoken(BASE_URL, 'not-a-token', false), AUTH_FAILURE);
  });
});
