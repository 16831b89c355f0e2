"""Offline training of Cene's scene model: convert, cache features, train, evaluate, export."""
