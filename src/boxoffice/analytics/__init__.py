"""The figures a merchant reads about its audience, payments and subscriptions, computed from the records the
other contexts write (login and registration records, content requests, payments, refunds, subscriptions)."""
