"""Benchmarks run by ``make bench``: each prints its figures and the ratio to a baseline."""
