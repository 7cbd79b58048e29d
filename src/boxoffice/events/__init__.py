"""Domain events and the outbox they are written to, in the transaction of the change they tell of: every context
writes here, and what delivers events (webhooks, notifications, e-mails) reads here, from above."""
