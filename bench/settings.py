"""Benchmark-only settings: the project's, plus a URLconf with a minimal view (never in production).

Static files are collected into a temporary folder so DEBUG=False (manifest storage) works.
"""
import os

from oxygen.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "/tmp/oxygen-bench-static")
