"""Benchmarks: ``make bench`` runs every ``bench/bench_*.py`` module's ``main()``.

Benchmarks print measurements; they never fail a build. Compare figures taken
side by side in one run: this machine is shared and noisy.
"""
