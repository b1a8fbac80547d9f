"""Deterministic demo submissions that reproduce the published figures."""
