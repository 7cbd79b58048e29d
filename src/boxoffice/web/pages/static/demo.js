// The demo publisher's page (/demo/publisher): what a publisher writes around paywall.js.
(function () {
  'use strict';
  var script = document.currentScript;
  var items = script.getAttribute('data-items').split(',').map(function (id) { return { id: Number(id) }; });
  var paywall = new InplayerPaywall(script.getAttribute('data-merchant'), items, { language: 'en' });
  document.getElementById('account').addEventListener('click', function () { paywall.openAccount(); });
}());
