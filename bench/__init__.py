"""``make bench``: tricloud's performance numbers, measured side by side on this machine.

``python -m bench`` runs every measurement (one module each), prints one table and writes
``bench/results/latest.json``. Timings are medians of several runs, each shown as a ratio
against a baseline measured in the same run, because a shared 2-core machine is noisy.
"""
