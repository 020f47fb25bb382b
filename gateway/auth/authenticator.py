"""Credentials → caller, with short in-memory caches so the hot path rarely touches the DB.

Revocation: revoking a key, suspending or deleting a client through this replica's admin
API drops the cached entries at once; other replicas stop honouring it within
`key_cache_ttl_seconds` (default 5 s), the life of a cache entry. Unknown keys are cached
for at most one second.
"""

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

import anyio.to_thread

from gateway.auth.apikeys import hash_api_key
from gateway.auth.caller import Caller
from gateway.auth.scopes import DEFAULT_SCOPES
from gateway.auth.signing import KeyRing
from gateway.clients import service
from gateway.settings import GatewaySettings
from services.common.clock import utcnow
from services.common.db import Database
from services.common.identity import ClientKind
from services.common.tokens import InvalidToken, JwtVerifier, TokenExpired

T = TypeVar("T")
BOOTSTRAP_CLIENT_ID = "cli_bootstrap_admin"
ACCESS_TOKEN_TYPE = "at+jwt"
_MAX_ENTRIES = 50_000
_MAX_UNKNOWN = 10_000
_NEGATIVE_TTL = 1.0


class AuthError(Exception):
    """A credential that does not authenticate anyone (401)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class Authenticator:
    """Checks API keys and OAuth access tokens; caches the answers briefly."""

    def __init__(self, *, settings: GatewaySettings, database: Database, keyring: KeyRing) -> None:
        self.settings = settings
        self.database = database
        self.ttl = settings.key_cache_ttl_seconds
        self.key_prefix = settings.api_key_prefix + "_"
        self._keys: dict[str, tuple[float, Caller | None]] = {}
        # Unknown keys live apart, so a flood of junk keys cannot evict the valid ones.
        self._unknown: dict[str, float] = {}
        self._generation = 0  # bumped by invalidate(): a lookup begun before it is not cached
        self._clients: dict[str, tuple[float, Caller | None]] = {}
        self._tokens: dict[str, tuple[float, str, frozenset[str]]] = {}
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._used: dict[str, datetime] = {}
        self._verifier = JwtVerifier(
            keyring.jwks(),
            issuer=settings.issuer,
            audience=settings.access_token_audience,
            leeway=0,
        )
        bootstrap = settings.bootstrap_admin_key
        self._bootstrap_hash = (
            hashlib.sha256(bootstrap.get_secret_value().encode()).digest() if bootstrap else None
        )
        self.bootstrap_caller = Caller(
            client_id=BOOTSTRAP_CLIENT_ID,
            kind=ClientKind.ADMIN,
            name="bootstrap admin",
            org=None,
            scopes=frozenset(DEFAULT_SCOPES[ClientKind.ADMIN]),
        )

    async def authenticate(self, credential: str) -> Caller:
        """The caller behind an API key or access token, or `AuthError`."""
        if credential.startswith(self.key_prefix):
            return await self._by_key(credential)
        if credential.count(".") == 2:
            return await self._by_token(credential)
        if self._bootstrap_hash is not None and hmac.compare_digest(
            hashlib.sha256(credential.encode()).digest(), self._bootstrap_hash
        ):
            return self.bootstrap_caller
        raise AuthError("invalid_credentials", "The API key or token is not valid.")

    async def _by_key(self, key: str) -> Caller:
        key_hash = hash_api_key(key)
        now = time.monotonic()
        entry = self._keys.get(key_hash)
        unknown_until = self._unknown.get(key_hash)
        if entry is not None and entry[0] > now:
            caller = entry[1]
        elif unknown_until is not None and unknown_until > now:
            caller = None
        else:
            generation = self._generation
            caller = await self._single_flight(
                f"k{generation}:{key_hash}",
                lambda: self._db(service.find_caller_by_key, key_hash=key_hash),
            )
            if generation == self._generation:
                if caller is None:
                    expiry = time.monotonic() + min(self.ttl, _NEGATIVE_TTL)
                    self._remember(self._unknown, key_hash, expiry, limit=_MAX_UNKNOWN)
                else:
                    self._remember(self._keys, key_hash, (time.monotonic() + self.ttl, caller))
        if caller is None or _lapsed(caller):  # a cached key may lapse before its entry does
            raise AuthError("invalid_api_key", "The API key is unknown, revoked or expired.")
        if caller.key_id is not None:
            self._used[caller.key_id] = utcnow()
        return caller

    async def _by_token(self, token: str) -> Caller:
        now = time.time()
        entry = self._tokens.get(token)
        if entry is None:
            claims = self._verify_access_token(token)
            scope = claims.get("scope")
            entry = (
                float(claims["exp"]),
                str(claims["sub"]),
                frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            )
            self._remember(self._tokens, token, entry)
        expires, client_id, scopes = entry
        if expires <= now:
            self._tokens.pop(token, None)
            raise AuthError("token_expired", "The access token has expired.")
        caller = await self.client(client_id)
        if caller is None:
            raise AuthError("client_inactive", "The token's client is suspended or deleted.")
        return caller.with_scopes(caller.scopes & scopes)

    def _verify_access_token(self, token: str) -> dict[str, Any]:
        try:
            return self._verifier.decode(token, typ=ACCESS_TOKEN_TYPE)
        except TokenExpired as exc:
            raise AuthError("token_expired", "The access token has expired.") from exc
        except InvalidToken as exc:
            raise AuthError("invalid_token", "The access token is not valid.") from exc

    async def client(self, client_id: str) -> Caller | None:
        """An active client by id (cached like keys)."""
        now = time.monotonic()
        entry = self._clients.get(client_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self._generation
        caller = await self._single_flight(
            f"c{generation}:{client_id}",
            lambda: self._db(service.find_active_caller, client_id=client_id),
        )
        if generation == self._generation:
            self._remember(self._clients, client_id, (time.monotonic() + self.ttl, caller))
        return caller

    async def _db(self, function: Callable[..., T], **kwargs: Any) -> T:
        def run() -> T:
            with self.database.session(write=False) as session:
                return function(session, **kwargs)

        return await anyio.to_thread.run_sync(run)

    async def _single_flight(self, key: str, load: Callable[[], Any]) -> Any:
        """One load per key at a time; callers of the same key wait for it. Keys name the cache
        generation: a caller that began after a revocation never joins a read from before it."""
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await load()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._inflight[key]

    @staticmethod
    def _remember(
        cache: dict[str, Any], key: str, value: Any, *, limit: int = _MAX_ENTRIES
    ) -> None:
        if key not in cache and len(cache) >= limit:
            # Evict the oldest tenth (dicts keep insertion order), never the whole cache.
            for old in list(islice(cache, max(1, limit // 10))):
                cache.pop(old, None)
        cache[key] = value

    def invalidate(self, client_id: str | None = None) -> None:
        """Forget cached answers (for one client, or all) after a change on this replica.

        Refusals are dropped whole: a refused key's client is not known (its key may be one
        of a client just reactivated)."""
        self._generation += 1
        self._unknown.clear()
        if client_id is None:
            self._keys.clear()
            self._clients.clear()
            return
        for key_hash, (_, caller) in list(self._keys.items()):
            if caller is None or caller.client_id == client_id:
                self._keys.pop(key_hash, None)
        self._clients.pop(client_id, None)

    def forget_unknown(self) -> None:
        """Drop negative entries (a key was just created on this replica)."""
        self._unknown.clear()

    async def flush_last_used(self) -> int:
        """Write the keys' last-used times gathered since the previous flush."""
        if not self._used:
            return 0
        used, self._used = self._used, {}

        def run() -> None:
            with self.database.transaction() as session:
                service.touch_keys(session, used=used)

        await anyio.to_thread.run_sync(run)
        return len(used)


def _lapsed(caller: Caller | None) -> bool:
    """Whether the API key behind a (cached) caller has expired since it was looked up."""
    expires_at = caller.key_expires_at if caller is not None else None
    return expires_at is not None and expires_at <= utcnow()
