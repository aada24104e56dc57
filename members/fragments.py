"""Rendered page fragments, cached per viewer for the current minute and dropped on any write
to what they show.

A page's main content is rendered once and reused while nothing it shows has changed. Each
fragment is cached under a key made of:
- the viewer (fragments are never shared between people, so nothing can leak across roles),
- the path and query string, the viewer's time zone and the current minute (pages say "today"
  and list what is upcoming, so nothing cached outlives its minute, and a missed invalidation
  costs at most that),
- a token per scope the page shows: its groups, its people, the organisation. Any write to a
  group's records or a person's own records replaces the scope's token (`changed`), so the
  next view renders afresh: you always see what you just saved.

Tokens are replaced as the write happens and again after its transaction commits, so a view
that read the old rows while the write was in flight cannot leave them behind under the new
token. Access checks and read audit events stay in the views and run on every request; only
rendering is skipped. The cache holds Fernet ciphertext (the field encryption keys), because
pages show note and goal text that is encrypted at rest in the database too. If the cache
(Redis) is down, pages render uncached and writes go on.
"""

import copy
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.core.cache import caches
from django.core.cache.backends import redis as redis_backend
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from members.encryption import fernet

log = logging.getLogger(__name__)

ORGANISATION = "organisation"  # admin pages: replaced by every write anywhere
EVERY_PAGE = "site"  # in every key: organisation settings, demo data
FRAGMENT_SECONDS = 120  # longer than a minute, so the minute in the key is what expires them
CSRF_PLACEHOLDER = "__together_csrf_token__"
_site_wide: dict[str, object] = {}


class RedisCache(redis_backend.RedisCache):
    """Django's Redis cache, keeping one client per connection pool. Django makes a client for
    every call, and redis-py builds some 170 reply callbacks for each: a third of a cached
    page's time in the cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient


class _ReusedClient(redis_backend.RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if id(pool) not in clients:
            clients[id(pool)] = self._client(connection_pool=pool)
        return clients[id(pool)]


def group(pk: int | None) -> str | None:
    return f"group:{pk}" if pk else None


def person(pk: int | None) -> str | None:
    return f"person:{pk}" if pk else None


def _cache():
    return caches["fragments"]


def _replace_tokens(scopes: set[str]) -> None:
    try:
        _cache().set_many({scope: secrets.token_hex(8) for scope in scopes}, timeout=None)
    except Exception:  # a cache outage must not fail the write; keys still expire each minute
        log.warning("Could not drop cached fragments for %s", sorted(scopes), exc_info=True)


def changed(*scopes: str | None) -> None:
    """What these scopes show has changed: drop their fragments now and after the commit."""
    chosen = {scope for scope in scopes if scope} | {ORGANISATION}
    _replace_tokens(chosen)
    transaction.on_commit(lambda: _replace_tokens(chosen))


def _tokens(scopes: list[str], found: dict) -> tuple[str, ...]:
    missing = {scope: secrets.token_hex(8) for scope in scopes if scope not in found}
    if missing:  # first use, or evicted: start afresh rather than reuse anything older
        _cache().set_many(missing, timeout=None)
        found = found | missing
    return tuple(found[scope] for scope in scopes)


@dataclass
class Fragment:
    """One page's cached fragment; `build` gives the template context it needs when rendered.
    It is stored with the scope tokens it was rendered under, and `cached` is what the lookup
    found when those are still the current ones."""

    key: str | None
    build: Callable[[], dict]
    tokens: tuple[str, ...] = ()
    cached: bytes | None = None

    def render(self, render: Callable[[dict], str], csrf_token: str) -> SafeString:
        html = self._load()
        if html is None:
            html = render({**self.build(), "csrf_token": CSRF_PLACEHOLDER})
            self._store(html)
        if CSRF_PLACEHOLDER in html:  # the form token is this request's, never the cached one
            html = html.replace(CSRF_PLACEHOLDER, str(csrf_token))
        return mark_safe(html)  # noqa: S308 (rendered, so escaped, by the template engine)

    def text(self, build_text: Callable[[], str]) -> str:
        """The same, for a whole body that is not a template (a calendar feed)."""
        text = self._load()
        if text is None:
            text = build_text()
            self._store(text)
        return text

    def _load(self) -> str | None:
        if self.cached is None:
            return None
        try:
            return fernet().decrypt(self.cached).decode()
        except InvalidToken:  # written under a key since retired
            return None

    def _store(self, text: str) -> None:
        if self.key is None:
            return
        try:
            stored = (self.tokens, fernet().encrypt(text.encode()))
            _cache().set(self.key, stored, timeout=FRAGMENT_SECONDS)
        except Exception:
            log.warning("Could not cache a fragment", exc_info=True)


def for_request(
    request, scopes: Iterable[str | None], build: Callable[[], dict] = dict
) -> Fragment:
    """The fragment of this page for this viewer, showing `scopes`; `build` gives the context
    for a template fragment (a `text` body needs none). Only plain GETs are cached: a form
    shown again with its errors is always rendered. One round trip to Redis reads the fragment
    and the current tokens of its scopes together."""
    if request.method != "GET":
        return Fragment(None, build)
    chosen = sorted({scope for scope in scopes if scope} | {EVERY_PAGE})
    viewer = getattr(request.user, "pk", None)
    minute = timezone.now().strftime("%Y%m%d%H%M")
    parts = [str(viewer), request.get_full_path(), timezone.get_current_timezone_name(), minute]
    key = "fragment:" + hashlib.sha256("\n".join([*parts, *chosen]).encode()).hexdigest()
    try:
        found = _cache().get_many([key, *chosen])
        tokens = _tokens(chosen, found)
    except Exception:
        log.warning("Fragment cache unavailable; rendering uncached", exc_info=True)
        return Fragment(None, build)
    request._together_site_token = tokens[chosen.index(EVERY_PAGE)]
    rendered_under, cached = found.get(key, ((), None))
    return Fragment(key, build, tokens, cached if rendered_under == tokens else None)


def site_wide[T](request, load: Callable[[], T]) -> T:
    """What `load()` gives, shared by this process's requests while the site-wide token
    (EVERY_PAGE) stays the same: for organisation settings, which every page shows. The token
    is known once the request has looked up its fragment; until then `load()` runs each time.
    Callers get a copy, so nothing one request changes can show in another."""
    token = getattr(request, "_together_site_token", None)
    if token is None:
        return load()
    shared = _site_wide.get(token)
    if shared is None:
        shared = load()
        _site_wide.clear()  # an older token is never current again
        _site_wide[token] = shared
    return copy.deepcopy(shared)


# Which writes change which scopes -------------------------------------------------------


def follow(model: type[models.Model], scopes: Callable[[models.Model], Iterable[str | None]]):
    """Drop the fragments showing an instance of `model` whenever one is saved or deleted.
    (Writes the audit trail records drop their group's and person's fragments already.)"""

    def written(sender, instance, raw=False, **kwargs):
        if not raw:
            changed(*scopes(instance))

    uid = f"fragments-{model._meta.label_lower}"
    post_save.connect(written, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(written, sender=model, weak=False, dispatch_uid=uid)


def follow_membership(through: type[models.Model]) -> None:
    """A group's facilitators changed (from either side of the many-to-many)."""

    def membership(sender, instance, action, reverse, pk_set, **kwargs):
        if not reverse:
            if action.startswith("post_"):
                changed(group(instance.pk))
        elif action == "pre_clear":  # a person's groups are known only before they go
            changed(
                *map(
                    group,
                    sender.objects.filter(user=instance).values_list("therapygroup_id", flat=True),
                )
            )
        elif action.startswith("post_"):
            changed(*map(group, pk_set or []))

    m2m_changed.connect(membership, sender=through, weak=False, dispatch_uid=f"fragments-{through}")
