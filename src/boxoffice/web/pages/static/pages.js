// Boxoffice's hosted pages: what a page does beyond HTML. Kept small, and needed by nothing essential: every form
// works without it.
(function () {
  'use strict';
  // A form sent back with problems: move the focus to their summary, so a screen reader announces it.
  var problems = document.getElementById('problems');
  if (problems) { problems.focus(); }
  // Opened by the merchant's own site, in a frame or a popup (paywall.js, Cleeng's api.js): tell it who signed in
  // and what was bought, in messages addressed to exactly that site's origin, which the server checked the merchant
  // lists.
  var opener = document.body.getAttribute('data-opener');
  var site = window.parent !== window ? window.parent : window.opener;
  if (opener && site) {
    JSON.parse(document.body.getAttribute('data-told') || '[]').forEach(function (message) {
      message.source = 'boxoffice';
      site.postMessage(message, opener);
    });
  }
}());
