"""Production settings plus the floor view, for bench/load.py only."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
