"""Domain events and the outbox they are written to, in the transaction of the change they tell of."""
