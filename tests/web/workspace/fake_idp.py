"""A fake OpenID Connect provider on this machine, for the single sign-on tests (no internet).

A small threaded HTTP server with a discovery document, an authorization endpoint (which signs
in whoever :attr:`FakeIdP.person` says, at once, and sends the browser back with a code), a token
endpoint (checks the client's secret, the redirect URI and the PKCE verifier; answers an id_token
signed RS256 with a key made here, or HS256 with the client secret), a userinfo endpoint and the
JWKS. Tests change :attr:`FakeIdP.person` and the ``tamper`` fields to play a provider that lies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID, CLIENT_SECRET = "collabstate-test", "a-client-secret-of-the-test-provider-0123456789"
KID = "test-key"


class FakeIdP:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.algorithm = "RS256"
        self.person: dict = {"sub": "u-1", "email": "ada@example.org", "email_verified": True}
        self.tamper: dict = {}  # claims put into the id_token over the right ones (nonce, aud, iss …)
        self.deny = ""  # an error the authorization endpoint answers with instead of a code
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.seen: list[str] = []  # paths asked for, in order
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeIdP:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize", "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo", "jwks_uri": f"{self.url}/jwks"}  # fmt: skip

    def authorize(self, query: dict[str, str]) -> str:
        """Where the authorization endpoint sends the browser back to (the callback, with a code or an error)."""
        if self.deny:
            return (
                query["redirect_uri"]
                + "?"
                + urlencode({"error": self.deny, "error_description": "The user said no", "state": query["state"]})
            )
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**query, "person": dict(self.person)}
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def token(self, form: dict[str, str]) -> tuple[int, dict]:
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("client_secret") != CLIENT_SECRET or form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != asked["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
        if challenge != asked.get("code_challenge"):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier wrong"}
        person, now = asked["person"], int(time.time())
        claims = {"iss": self.url, "sub": person["sub"], "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": asked.get("nonce"),
                  **self.tamper}  # fmt: skip
        if self.algorithm == "HS256":
            id_token = jwt.encode(claims, CLIENT_SECRET, algorithm="HS256")
        else:
            id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})
        access = secrets.token_urlsafe(16)
        self.tokens[access] = person
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def answer(self, status: int, body: dict | None = None, location: str = "") -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                idp.seen.append(parts.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self.answer(200, idp.discovery())
                elif parts.path == "/authorize":
                    self.answer(302, location=idp.authorize(query))
                elif parts.path == "/jwks":
                    self.answer(200, idp.jwks())
                elif parts.path == "/userinfo":
                    person = idp.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
                    self.answer(200, person) if person else self.answer(401, {"error": "invalid_token"})
                else:
                    self.answer(404, {"error": "not found"})

            def do_POST(self) -> None:
                idp.seen.append(self.path)
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                self.answer(*idp.token(form)) if self.path == "/token" else self.answer(404, {"error": "not found"})

        return Handler


def configure(settings, idp: FakeIdP, *, explicit: bool = False, name: str = "Example ID") -> None:
    """The site's settings for single sign-on through ``idp``: by its issuer (discovery), or ``explicit`` endpoints."""
    from collabstate.web.workspace.single_sign_on import BACKEND

    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET, settings.OIDC_NAME = CLIENT_ID, CLIENT_SECRET, name
    settings.OIDC_RP_SIGN_ALGO = idp.algorithm
    settings.OIDC_ISSUER = "" if explicit else idp.url
    found = idp.discovery() if explicit else {}
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found.get("authorization_endpoint", "")
    settings.OIDC_OP_TOKEN_ENDPOINT = found.get("token_endpoint", "")
    settings.OIDC_OP_USER_ENDPOINT = found.get("userinfo_endpoint", "")
    settings.OIDC_OP_JWKS_ENDPOINT = found.get("jwks_uri", "")
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
