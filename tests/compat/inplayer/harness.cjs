'use strict';
// Shared by every *.test.cjs here: loads the official InPlayer JS SDK (@inplayer-org/inplayer.js 3.13.33) the way
// spec §2 describes, points it at the Boxoffice server test_sdk.py started, and provides the assertion helpers.
//
// Environment (set by test_sdk.py):
//   BOXOFFICE_BASE_URL      the server, e.g. http://127.0.0.1:8123
//   BOXOFFICE_CLIENT_ID     the merchant uuid the SDK sends as client_id

global.window = globalThis; // the SDK's UMD wrapper reads `window` at require time

const assert = require('node:assert/strict');
const InPlayer = require('@inplayer-org/inplayer.js');

// The SDK bundles axios with only the browser (XHR) adapter; use the Node adapter of the SDK's own axios dependency.
const httpAdapter = require(require.resolve('axios/lib/adapters/http', {
  paths: [require.resolve('@inplayer-org/inplayer.js')],
}));

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (test_sdk.py sets it)`);
  return value.replace(/\/+$/, '');
}

const BASE_URL = requiredEnv('BOXOFFICE_BASE_URL');
const CLIENT_ID = requiredEnv('BOXOFFICE_CLIENT_ID');
const REFERRER = 'https://watch.example.com/';

// ---------------------------------------------------------------------------------------------------------------
// Harness (spec §2): synchronous in-memory token storage, Node HTTP adapter that also encodes FormData bodies.

const storage = new Map();
InPlayer.tokenStorage.overrides = {
  setItem: (key, value) => { storage.set(key, value); },
  getItem: (key) => (storage.has(key) ? storage.get(key) : null),
  removeItem: (key) => { storage.delete(key); },
};

/** What the last multipart request carried, decoded, so a test can see what the SDK sent (e.g. the fingerprint). */
const lastMultipart = { url: null, fields: null };

async function adapter(config) {
  if (config.data instanceof FormData) {
    lastMultipart.url = config.url;
    lastMultipart.fields = Object.fromEntries(config.data.entries());
    const encoded = new Response(config.data);
    config.data = Buffer.from(await encoded.arrayBuffer());
    config.headers = { ...config.headers, 'Content-Type': encoded.headers.get('content-type') };
  }
  try {
    return await httpAdapter(config);
  } catch (error) {
    // axios only says "Request failed with status code 401"; name the request and the answer for failing tests.
    if (error.response) {
      const { status, data } = error.response;
      error.message += ` (${config.method.toUpperCase()} ${config.url}${config.data ? ` body ${config.data}` : ''}`
        + ` -> ${status} ${typeof data === 'string' ? data : JSON.stringify(data)})`;
    }
    throw error;
  }
}

InPlayer.setConfig('production', { baseURL: BASE_URL, adapter });
const { Account } = InPlayer;

// ---------------------------------------------------------------------------------------------------------------
// Assertion helpers

const AUTH_FAILURE = [401, 403];
const BAD_INPUT = [400, 422];

const nowSeconds = () => Math.floor(Date.now() / 1000);
const show = (value) => JSON.stringify(value);
const pick = (object, keys) => Object.fromEntries(keys.map((key) => [key, object[key]]));

/** Awaits a call that must be refused by the server; checks the status and InPlayer's {code, message} envelope. */
async function refused(call, statuses) {
  const outcome = await call.then((response) => ({ response }), (error) => ({ error }));
  if (outcome.response) {
    assert.fail(`expected HTTP ${statuses.join('/')}, got ${outcome.response.status} ${show(outcome.response.data)}`);
  }
  const { error } = outcome;
  assert.ok(error.response, `expected an HTTP refusal, got ${error.stack || show(error)}`);
  const { status, data } = error.response;
  assert.ok(statuses.includes(status), `expected HTTP ${statuses.join('/')}, got ${status} ${show(data)}`);
  assertErrorEnvelope(error.response);
  return error.response;
}

function assertErrorEnvelope({ status, data }) {
  assert.equal(typeof data, 'object', `error body is not JSON: ${show(data)}`);
  assert.equal(data.code, status, `error body code should repeat the status: ${show(data)}`);
  assert.ok(typeof data.message === 'string' && data.message, `error body has no message: ${show(data)}`);
}

function assertMessage(response) {
  assert.equal(response.status, 200);
  assert.equal(typeof response.data.code, 'number', `expected {code, message}, got ${show(response.data)}`);
  assert.ok(typeof response.data.message === 'string' && response.data.message, show(response.data));
}

/** `expires` must be absolute Unix seconds in the future: the SDK compares it with floor(Date.now()/1000). */
function assertFutureUnixSeconds(expires, what = 'expires') {
  assert.ok(Number.isInteger(expires), `${what} should be an integer, got ${show(expires)}`);
  assert.ok(expires > nowSeconds(), `${what} ${expires} is not in the future (a duration instead of a timestamp?)`);
  assert.ok(expires < nowSeconds() + 400 * 24 * 3600, `${what} ${expires} is too far ahead (milliseconds?)`);
}

function assertTimestamp(value, what) {
  assert.ok(Number.isInteger(value), `${what} should be Unix seconds, got ${show(value)}`);
  assert.ok(Math.abs(value - nowSeconds()) < 24 * 3600, `${what} ${value} is not a recent Unix time in seconds`);
}

function assertNonEmptyString(value, what) {
  assert.ok(typeof value === 'string' && value.length > 0, `${what} should be a non-empty string, got ${show(value)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Viewer accounts

let sequence = 0;
const uniqueEmail = (tag) => `${tag}.${process.pid}.${Date.now()}.${++sequence}@example.com`;

function signUpData(email, password, metadata) {
  return {
    fullName: 'Vera Viewer', email, password, passwordConfirmation: password,
    type: 'consumer', clientId: CLIENT_ID, referrer: REFERRER, metadata,
  };
}

const signIn = (email, password) => Account.signIn({ email, password, clientId: CLIENT_ID, referrer: REFERRER });

/** Puts an earlier token back into storage, as an app holding a stale copy would. */
function useToken({ token, refreshToken, expires }) {
  Account.setToken(token, refreshToken, expires);
}

module.exports = {
  InPlayer, BASE_URL, CLIENT_ID, REFERRER, storage, lastMultipart, requiredEnv,
  AUTH_FAILURE, BAD_INPUT, nowSeconds, show, pick, refused, assertErrorEnvelope, assertMessage,
  assertFutureUnixSeconds, assertTimestamp, assertNonEmptyString,
  uniqueEmail, signUpData, signIn, useToken,
};
