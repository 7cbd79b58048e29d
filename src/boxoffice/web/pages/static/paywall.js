// Boxoffice's paywall: what a publisher pastes into a page to sell what it shows, as with InPlayer's Paywall.
//
//   <div id="inplayer-42"></div>
//   <script src="https://boxoffice.example.com/pages/static/paywall.js"></script>
//   <script>
//     var paywall = new InplayerPaywall('<merchant uuid>', [{ id: 42 }], { language: 'fr', brandingId: 7 });
//     paywall.on('access', function (event) { console.log('unlocked', event.item_id); });
//   </script>
//
// Each asset's element shows its title and a button; the button opens Boxoffice's hosted pages in an overlay
// (sign in or up, the offers, checkout, My Account). Once the viewer may watch, the asset's content is rendered in
// place. The page's own origin must be one of the merchant's allowed origins (PUT /v2/allowed-origins): the hosted
// pages may only be framed by those, and tell only those what happened.
//
// Events: 'authenticated' {token}, 'payment' {status, item_id, price_id}, 'access' {item_id, item}, 'logout'.
(function () {
  'use strict';

  var script = document.currentScript;
  var BASE = new URL(script.src).origin;
  var LABELS = {
    en: { watch: 'Watch', close: 'Close', account: 'My account', loading: 'Loading…', dialog: 'Buy access' },
    fr: { watch: 'Regarder', close: 'Fermer', account: 'Mon compte', loading: 'Chargement…', dialog: "Acheter l'accès" }
  };

  function InplayerPaywall(merchantUuid, assets, options) {
    if (!(this instanceof InplayerPaywall)) { return new InplayerPaywall(merchantUuid, assets, options); }
    this.merchant = merchantUuid;
    this.assets = assets || [];
    this.options = options || {};
    this.language = this.options.language || (navigator.language || 'en').slice(0, 2);
    this.labels = LABELS[this.language] || LABELS.en;
    this.handlers = {};
    this.tokenKey = 'boxoffice_token_' + merchantUuid;
    this.overlay = null;
    window.addEventListener('message', this.heard.bind(this));
    var self = this;
    this.assets.forEach(function (asset) { self.show(asset.id); });
  }

  InplayerPaywall.prototype.on = function (name, handler) {
    (this.handlers[name] = this.handlers[name] || []).push(handler);
    return this;
  };

  InplayerPaywall.prototype.emit = function (name, detail) {
    (this.handlers[name] || []).forEach(function (handler) { handler(detail); });
  };

  InplayerPaywall.prototype.token = function () {
    try { return window.localStorage.getItem(this.tokenKey); } catch (error) { return null; }
  };

  InplayerPaywall.prototype.keep = function (token) {
    try {
      if (token) { window.localStorage.setItem(this.tokenKey, token); } else { window.localStorage.removeItem(this.tokenKey); }
    } catch (error) { /* storage refused: the viewer signs in again next time */ }
  };

  InplayerPaywall.prototype.element = function (assetId) {
    return document.getElementById('inplayer-' + assetId);
  };

  // The asset's content if the viewer may watch it, else its title and the button that opens the overlay.
  InplayerPaywall.prototype.show = function (assetId) {
    var self = this;
    var token = this.token();
    if (!token) { return this.preview(assetId); }
    return fetch(BASE + '/items/' + assetId + '/access', { headers: { Authorization: 'Bearer ' + token } })
      .then(function (response) {
        if (response.status === 401) { self.keep(null); }
        return response.ok ? response.json() : null;
      })
      .then(function (access) {
        if (!access) { return self.preview(assetId); }
        self.unlock(assetId, access.item);
        self.emit('access', { item_id: assetId, item: access.item });
      })
      .catch(function () { return self.preview(assetId); });
  };

  InplayerPaywall.prototype.unlock = function (assetId, item) {
    var element = this.element(assetId);
    if (!element) { return; }
    element.innerHTML = item.content;  // the merchant's own content, on the merchant's own page
    element.setAttribute('data-access', 'granted');
  };

  InplayerPaywall.prototype.preview = function (assetId) {
    var self = this;
    var element = this.element(assetId);
    if (!element) { return Promise.resolve(); }
    return fetch(BASE + '/items/' + this.merchant + '/' + assetId)
      .then(function (response) { return response.ok ? response.json() : { title: '' }; })
      .then(function (item) {
        element.textContent = '';
        var title = document.createElement('p');
        title.textContent = item.title || '';
        var button = document.createElement('button');
        button.type = 'button';
        button.textContent = self.labels.watch;
        button.addEventListener('click', function () { self.open('offers/' + assetId); });
        element.appendChild(title);
        element.appendChild(button);
        element.setAttribute('data-access', 'none');
      });
  };

  InplayerPaywall.prototype.address = function (page) {
    var query = new URLSearchParams({ embed: '1', origin: window.location.origin, lang: this.language });
    if (this.options.brandingId) { query.set('branding_id', String(this.options.brandingId)); }
    return BASE + '/pages/' + encodeURIComponent(this.merchant) + '/' + page + '?' + query.toString();
  };

  // The hosted pages in a modal dialog over the publisher's page; the focus goes in, and back when it closes.
  InplayerPaywall.prototype.open = function (page) {
    this.close();
    var self = this;
    this.returnFocus = document.activeElement;
    var overlay = document.createElement('div');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-label', this.labels.dialog);
    overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.6);'
      + 'display:flex;align-items:center;justify-content:center';
    var frame = document.createElement('iframe');
    frame.src = this.address(page);
    frame.title = this.labels.dialog;
    frame.style.cssText = 'width:min(40rem,96vw);height:min(46rem,92vh);border:0;border-radius:.5rem;background:#fff';
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = this.labels.close;
    close.style.cssText = 'position:absolute;top:1rem;right:1rem;font:inherit;padding:.4rem .8rem';
    close.addEventListener('click', function () { self.close(); });
    overlay.addEventListener('keydown', function (event) { if (event.key === 'Escape') { self.close(); } });
    overlay.appendChild(frame);
    overlay.appendChild(close);
    document.body.appendChild(overlay);
    this.overlay = overlay;
    this.frame = frame;
    frame.focus();
  };

  InplayerPaywall.prototype.close = function () {
    if (!this.overlay) { return; }
    this.overlay.remove();
    this.overlay = null;
    this.frame = null;
    if (this.returnFocus && this.returnFocus.focus) { this.returnFocus.focus(); }
  };

  InplayerPaywall.prototype.openAccount = function () { this.open('account'); };

  InplayerPaywall.prototype.logout = function () {
    var token = this.token();
    this.keep(null);
    if (token) {
      fetch(BASE + '/accounts/logout', { headers: { Authorization: 'Bearer ' + token } }).catch(function () {});
    }
    this.emit('logout', {});
    var self = this;
    this.assets.forEach(function (asset) { self.show(asset.id); });
  };

  // Only the hosted pages this overlay shows are listened to: the message must come from Boxoffice's origin and
  // from the overlay's own frame.
  InplayerPaywall.prototype.heard = function (event) {
    if (event.origin !== BASE || !this.frame || event.source !== this.frame.contentWindow) { return; }
    var message = event.data || {};
    if (message.source !== 'boxoffice') { return; }
    var self = this;
    if (message.type === 'authenticated' && message.token && message.token !== this.token()) {
      this.keep(message.token);
      this.emit('authenticated', { token: message.token });
    } else if (message.type === 'payment') {
      this.emit('payment', message);
    } else if (message.type === 'access') {
      this.close();
      this.show(message.item_id);
    } else if (message.type === 'logout' && this.token()) {
      this.keep(null);
      this.emit('logout', {});
      this.assets.forEach(function (asset) { self.show(asset.id); });
    }
  };

  window.InplayerPaywall = InplayerPaywall;
}());
