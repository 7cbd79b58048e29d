// Boxoffice's hosted pages: what a page does beyond HTML. Kept small, and needed by nothing essential: every form
// works without it.
(function () {
  'use strict';
  // A form sent back with problems: move the focus to their summary, so a screen reader announces it.
  var problems = document.getElementById('problems');
  if (problems) { problems.focus(); }
}());
