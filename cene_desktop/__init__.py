"""Cene: a desktop photo organiser that sorts photos into scene albums."""

__version__ = "0.1.0"
