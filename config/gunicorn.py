"""gunicorn's settings, for production, `make run` and the load benchmark alike.

Sync workers, 2 x cores + 1. A request here is Python work between short PostgreSQL round
trips, with nothing long-lived (no websockets, no long polling), so one process per request in
flight is the simple, robust choice: while one worker waits on the database another uses the
core, and the extra one covers those waits. Threads (gthread) would share one GIL per process
and async workers gain nothing for blocking ORM calls. On the 2-core bench machine: 5 workers.
"""

import multiprocessing

from gunicorn.glogging import Logger

from config import env
from core.redaction import redact

bind = env.get("BIND", "127.0.0.1:8000")  # from the environment or .env
# RELOAD=1 (`make run`): restart workers when the code changes. A setting of its own, so that
# GUNICORN_CMD_ARGS given for something else never drops it.
reload = env.get_bool("RELOAD", default=False)
workers = env.get_int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1, minimum=1)
worker_class = "sync"
timeout = 30
# Recycle workers now and then, so a slow leak in any library never builds up.
max_requests = 20000
max_requests_jitter = 2000
# One line per request on stdout (paths carry ids, never names); ACCESS_LOG=off turns it off.
accesslog = "-" if env.get_bool("ACCESS_LOG", default=True) else None


class AccessLogger(Logger):
    """gunicorn's logger, with calendar, check-in and invitation tokens redacted from every URL
    it writes (core/redaction.py)."""

    URL_ATOMS = ("r", "U", "q", "f")  # request line, path, query string, referrer

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in self.URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms


logger_class = AccessLogger
