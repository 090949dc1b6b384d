"""Madrasa: an open-source national education platform."""

__version__ = "0.1.0"
