"""Transactional e-mail: rendered from templates (a merchant's own versions where it has them) when the change
happens, delivered later by the worker."""
