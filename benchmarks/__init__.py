"""Benchmarks (not tests): `python -m benchmarks.apps` from the repository root."""
