"""Payment gateways behind one protocol: the built-in sandbox, and Stripe."""
