// Cleeng's JS API (api.js, version 3.0) on Boxoffice: what a publisher's page written for Cleeng calls, served at
// Cleeng's own path, so that such a page changes only the script's host.
//
//   <script src="https://boxoffice.example.com/js-api/3.0/api.js"></script>
//   CleengApi.setAuthOption('publisherId', '100000042');
//   CleengApi.checkout({ displayType: 'overlay', offerId: 'S000000042_EU', completed: function (result) {} });
//   <a data-cleeng-trigger data-action="my-account" data-display-type="popup" data-publisher-id="100000042"
//      data-completed-callback="accountClosed">My account</a>
//
// The flows are Boxoffice's hosted pages, opened as a popup, inline in an element, or in an overlay. They tell
// this script what happened in messages addressed to this page's origin (one the merchant lists in
// PUT /v2/allowed-origins), and this script checks each message's origin and window. The customer token is kept
// in the CleengClientAccessToken cookie of this page's site, for two weeks, as Cleeng keeps it.
(function () {
  'use strict';

  var BASE = new URL(document.currentScript.src).origin;
  var COOKIE = 'CleengClientAccessToken';
  var TWO_WEEKS = 14 * 24 * 3600;
  var OFFER = /^[SPERA]([0-9]{1,18})(?:_[A-Z]{2})?$/;
  var settings = {};
  var open = null;  // the flow being shown: {kind, window, element, frame, done, result, offers}

  function getToken() {
    var found = document.cookie.split('; ').filter(function (part) { return part.indexOf(COOKIE + '=') === 0; })[0];
    return found ? decodeURIComponent(found.slice(COOKIE.length + 1)) : null;
  }

  function keepToken(token) {
    var secure = window.location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = COOKIE + '=' + (token ? encodeURIComponent(token) : '') + '; path=/; SameSite=Lax'
      + '; max-age=' + (token ? TWO_WEEKS : 0) + secure;
  }

  function priceOf(offerId) {
    var found = OFFER.exec(String(offerId || '').trim());
    return found ? Number(found[1]) : null;
  }

  function publisherOf(options) {
    var id = options.publisherId || settings.publisherId;
    if (!id) { throw new Error('CleengApi: publisherId is required (options.publisherId or setAuthOption)'); }
    return encodeURIComponent(String(id));
  }

  // A hosted page, by its path and query ('offers?prices=1,2'), opened by this page's site.
  function address(options, page) {
    var url = new URL(BASE + '/pages/publisher/' + publisherOf(options) + '/' + page);
    url.searchParams.set('embed', '1');
    url.searchParams.set('origin', window.location.origin);
    var locale = options.locale || settings.locale;
    if (locale) { url.searchParams.set('lang', String(locale).slice(0, 2)); }
    return url.toString();
  }

  function checkoutPage(offerIds) {
    var prices = offerIds.map(priceOf).filter(function (price) { return price !== null; });
    if (prices.length === 0) { throw new Error('CleengApi: offerId names no offer'); }
    return prices.length === 1 ? 'checkout/' + prices[0] : 'offers?prices=' + prices.join(',');
  }

  function close() {
    if (!open) { return; }
    var shown = open;
    open = null;
    if (shown.window && !shown.window.closed) { shown.window.close(); }
    if (shown.element && shown.element.parentNode) { shown.element.parentNode.removeChild(shown.element); }
    if (shown.done) { shown.done(shown.result); }
  }

  function show(options, url, kind, result) {
    close();
    var displayType = options.displayType || 'popup';
    var flow = { kind: kind, done: options.completed, result: result, offers: options.offers || [] };
    if (displayType === 'popup') {
      flow.window = window.open(url, 'cleeng', 'width=600,height=760');
      var watch = window.setInterval(function () {
        if (!flow.window || flow.window.closed) { window.clearInterval(watch); if (open === flow) { close(); } }
      }, 300);
    } else {
      var frame = document.createElement('iframe');
      frame.src = url;
      frame.title = 'Cleeng';
      frame.style.cssText = 'width:100%;min-height:40rem;border:0;background:#fff';
      if (displayType === 'inline') {
        var container = document.getElementById(options.containerId);
        if (!container) { throw new Error('CleengApi: no element with id ' + options.containerId); }
        container.textContent = '';
        flow.element = frame;
        container.appendChild(frame);
      } else {
        var overlay = document.createElement('div');
        overlay.setAttribute('role', 'dialog');
        overlay.setAttribute('aria-modal', 'true');
        overlay.setAttribute('aria-label', 'Cleeng');
        overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.6);'
          + 'display:flex;align-items:center;justify-content:center';
        frame.style.cssText = 'width:min(40rem,96vw);height:min(46rem,92vh);border:0;background:#fff';
        var button = document.createElement('button');
        button.type = 'button';
        button.textContent = '×';
        button.setAttribute('aria-label', 'Close');
        button.style.cssText = 'position:absolute;top:1rem;right:1rem;font-size:1.5rem';
        button.addEventListener('click', close);
        overlay.appendChild(frame);
        overlay.appendChild(button);
        document.body.appendChild(overlay);
        flow.element = overlay;
      }
      flow.frame = frame;
    }
    open = flow;
  }

  function offerIdOf(priceId) {
    var ids = open ? open.offers : [];
    return ids.filter(function (offerId) { return priceOf(offerId) === priceId; })[0] || null;
  }

  // What the hosted pages tell: only from Boxoffice's origin, and only from the window this script opened.
  window.addEventListener('message', function (event) {
    if (!open || event.origin !== BASE) { return; }
    var from = open.window || (open.frame && open.frame.contentWindow);
    if (event.source !== from) { return; }
    var message = event.data || {};
    if (message.source !== 'boxoffice') { return; }
    if (message.type === 'authenticated' && message.token) {
      keepToken(message.token);
      open.result.authorizationSuccessful = true;
      open.result.customerToken = message.token;
      if (open.kind === 'authentication') { close(); }
    } else if (message.type === 'payment') {
      open.result.offerId = offerIdOf(message.price_id);
    } else if (message.type === 'access') {
      open.result.accessGranted = true;
      close();
    } else if (message.type === 'logout') {
      keepToken(null);
      open.result.authorizationSuccessful = false;
      delete open.result.customerToken;
    }
  });

  // A flow opened while signed in reports the kept token from the start, so its result does not depend on
  // whether the page's own 'authenticated' message arrives before the viewer closes it.
  function signedIn(result) {
    var token = getToken();
    result.authorizationSuccessful = Boolean(token);
    if (token) { result.customerToken = token; }
    return result;
  }

  function offersOf(options) {
    return String(options.offerId || '').split(',').map(function (id) { return id.trim(); }).filter(Boolean);
  }

  var CleengApi = {
    setAuthOption: function (name, value) { settings[name] = value; },

    checkout: function (options) {
      var offers = offersOf(options);
      var opened = Object.assign({}, options, { offers: offers });
      show(opened, address(opened, checkoutPage(offers)), 'checkout', signedIn({
        accessGranted: false, offerId: offers[0] || null
      }));
    },

    authentication: function (options) {
      show(options, address(options, 'sign-in'), 'authentication', { authorizationSuccessful: false });
    },

    loginOnly: function (options) { CleengApi.authentication(options); },

    myAccount: function (options) {
      show(options, address(options, 'account'), 'account', signedIn({}));
    },

    // The address a back end got from prepareRemoteAuth: a page of this server's, shown like the others.
    customCheckout: function (options) {
      var url = new URL(options.customUrl, BASE);
      if (url.origin !== BASE) { throw new Error('CleengApi: customUrl must be an address of ' + BASE); }
      url.searchParams.set('embed', '1');
      url.searchParams.set('origin', window.location.origin);
      show(options, url.toString(), 'checkout', signedIn({ accessGranted: false }));
    },

    purchase: function (offerId, callback) {
      CleengApi.checkout({
        displayType: 'popup',
        offerId: offerId,
        completed: function (result) { if (callback) { callback({ accessGranted: Boolean(result.accessGranted) }); } }
      });
    },

    getCustomer: function (callback) {
      var token = getToken();
      if (!token) { callback(null); return; }
      fetch(BASE + '/accounts', { headers: { Authorization: 'Bearer ' + token } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (account) {
          if (!account) { callback(null); return; }
          var names = String(account.full_name || '').split(' ');
          callback({
            country: (account.metadata && account.metadata.country) || null,
            currency: null,
            displayName: account.full_name || String(account.email).split('@')[0],
            firstName: names[0] || '',
            id: String(account.id),
            lastName: names.slice(1).join(' '),
            locale: (account.metadata && account.metadata.locale) || null
          });
        })
        .catch(function () { callback(null); });
    },

    getToken: getToken,

    autologin: function (callback) {
      var token = getToken();
      if (!token) { callback({ success: false }); return; }
      fetch(BASE + '/accounts', { headers: { Authorization: 'Bearer ' + token } })
        .then(function (response) { callback({ success: response.ok }); })
        .catch(function () { callback({ success: false }); });
    },

    logout: function (callback) {
      var token = getToken();
      keepToken(null);
      var done = function () { if (callback) { callback([{ success: true }]); } };
      if (!token) { done(); return; }
      fetch(BASE + '/accounts/logout', { headers: { Authorization: 'Bearer ' + token } }).then(done, done);
    },

    // Cleeng counted offer impressions for its own statistics; Boxoffice keeps none, and says so.
    trackOfferImpression: function () { return false; }
  };

  // HTML triggers: <a data-cleeng-trigger data-action="checkout|my-account|authentication|login"
  //   data-offer-id data-display-type data-container-id data-publisher-id data-locale data-completed-callback>
  function trigger(element) {
    var data = element.dataset;
    var callback = data.completedCallback && window[data.completedCallback];
    var options = {
      displayType: data.displayType || 'popup',
      containerId: data.containerId,
      offerId: data.offerId,
      publisherId: data.publisherId,
      locale: data.locale,
      completed: typeof callback === 'function' ? callback : undefined
    };
    var action = data.action || 'checkout';
    if (action === 'my-account') { CleengApi.myAccount(options); }
    else if (action === 'authentication' || action === 'login') { CleengApi.authentication(options); }
    else { CleengApi.checkout(options); }
  }

  document.addEventListener('click', function (event) {
    var element = event.target.closest && event.target.closest('[data-cleeng-trigger]');
    if (element) { event.preventDefault(); trigger(element); }
  });

  window.CleengApi = CleengApi;
}());
