// Stripe's card element on a checkout or card form, where the merchant's gateway is Stripe: Stripe.js (loaded from
// Stripe, with the merchant's publishable key) takes the card in its own frame and makes a PaymentMethod; only its
// id goes to Boxoffice, in the form's `payment_method_token`. Not run in Boxoffice's tests: nothing here reaches
// Stripe. The server's side of it (a collected card's token) is tested against a local Stripe.
(function () {
  'use strict';
  var mount = document.getElementById('card-element');
  if (!mount || typeof window.Stripe !== 'function') { return; }
  var stripe = window.Stripe(mount.getAttribute('data-stripe-key'));
  var card = stripe.elements().create('card');
  card.mount(mount);
  var form = mount.closest('form');
  var token = form.querySelector('input[name="payment_method_token"]');
  var shown = document.getElementById('card-element-error');
  form.addEventListener('submit', function (event) {
    if (token.value) { return; }
    event.preventDefault();
    var holder = form.querySelector('input[name="card_name"]');
    stripe.createPaymentMethod({ type: 'card', card: card, billing_details: { name: holder ? holder.value : '' } })
      .then(function (made) {
        if (made.error) { shown.textContent = made.error.message; return; }
        token.value = made.paymentMethod.id;
        form.submit();
      });
  });
}());
