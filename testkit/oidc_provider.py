"""A small OpenID Connect provider on 127.0.0.1 for single sign-on tests.

Discovery, JWKS, an authorize endpoint that signs the person in without a form (it redirects
back with a code at once) and a token endpoint that checks the client, the code, the redirect
URI and PKCE (S256) before it answers an ID token signed RS256 with a key made at start.
`claims` (for everyone) and `tamper` (the next ID token only) change what the ID token says, so
tests can send an unverified email, another nonce or audience, an expired token, or a token
signed with a key the JWKS does not hold.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "flowline-test"
CLIENT_SECRET = "flowline-test-secret"


@dataclass
class TokenRequest:
    form: dict[str, str]
    authorization: str | None


@dataclass
class _Grant:
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    method: str | None


@dataclass
class OidcProvider:
    """`with OidcProvider() as provider:`; `provider.issuer` is its URL."""

    email: str = "ann@example.com"
    name: str = "Ann Example"
    claims: dict[str, Any] = field(default_factory=dict)
    tamper: dict[str, Any] = field(default_factory=dict)
    sign_with_other_key: bool = False
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[TokenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self._other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "OidcProvider":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.authorize_requests.append(query)
            code = secrets.token_urlsafe(16)
            self._grants[code] = _Grant(
                redirect_uri=query.get("redirect_uri", ""),
                nonce=query.get("nonce"),
                code_challenge=query.get("code_challenge"),
                method=query.get("code_challenge_method"),
            )
        back = urlencode({"code": code, "state": query.get("state", "")})
        return 302, {"Location": f"{query.get('redirect_uri', '')}?{back}"}, b""

    def _client_ok(self, authorization: str | None) -> bool:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return authorization == f"Basic {expected}"

    def _token(self, form: dict[str, str], authorization: str | None) -> tuple[int, bytes]:
        with self._lock:
            self.token_requests.append(TokenRequest(form, authorization))
            grant = self._grants.pop(form.get("code", ""), None)
            tamper, self.tamper = self.tamper, {}
        if not self._client_ok(authorization):
            return 401, json.dumps({"error": "invalid_client"}).encode()
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return 400, json.dumps({"error": "invalid_grant"}).encode()
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if grant.method != "S256" or challenge.rstrip(b"=").decode() != grant.code_challenge:
            return 400, json.dumps({"error": "invalid_grant", "error_description": "PKCE"}).encode()
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "user-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "email": self.email,
            "email_verified": True,
            "name": self.name,
            **self.claims,
            **tamper,
        }
        key = self._other_key if self.sign_with_other_key else self._key
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)
        answer = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer"}
        return 200, json.dumps({**answer, "expires_in": 300, "id_token": id_token}).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                json_type = {"Content-Type": "application/json"}
                if url.path == "/.well-known/openid-configuration":
                    self._answer(200, json.dumps(provider.metadata()).encode(), json_type)
                elif url.path == "/jwks":
                    keys = KeySet([provider._key]).as_dict(private=False)
                    self._answer(200, json.dumps(keys).encode(), json_type)
                elif url.path == "/authorize":
                    status, headers, body = provider._authorize(query)
                    self._answer(status, body, headers)
                else:
                    self._answer(404, b"", {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    self._answer(404, b"", {})
                    return
                status, body = provider._token(form, self.headers.get("Authorization"))
                self._answer(status, body, {"Content-Type": "application/json"})

        return Handler
