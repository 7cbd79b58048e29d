"""The ground every context stands on: database, clock, money, errors, jobs, settings and the like.

Nothing here imports a context."""
