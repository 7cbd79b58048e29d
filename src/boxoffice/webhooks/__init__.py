"""Delivering committed events: posted to merchants' webhook endpoints, streamed to viewers' apps, and mailed to
customers."""
