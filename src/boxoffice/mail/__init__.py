"""Transactional e-mail: rendered from templates when the change happens, delivered later by the worker."""
