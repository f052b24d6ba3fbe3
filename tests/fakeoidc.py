"""A small OpenID Connect provider on 127.0.0.1 for the sign-in tests: discovery document,
an authorization page where the person types who they are (as a real provider's sign-in page),
the code grant with client authentication and PKCE (S256), RS256-signed ID tokens and their
JWKS. It records each token exchange so a test can check what the app sent. Like a lax real
provider it can issue e-mails it did not verify (``unverified``: ``email_verified`` false) and
the subject a test chooses (``subjects``), so a test can play someone who claims another
person's address."""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64int(n: int) -> str:
    return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


@dataclass
class Grant:
    """An authorization code waiting to be exchanged."""

    email: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    method: str | None


@dataclass
class Exchange:
    """One token request as the provider saw it."""

    client_ok: bool
    pkce_ok: bool
    email: str | None


@dataclass
class FakeOIDC:
    """``with FakeOIDC(client_id, client_secret, redirect_uri) as idp: idp.metadata_url``;
    ``groups`` maps an e-mail to the ``groups`` claim of its ID tokens; ``subjects`` maps the
    name typed on the sign-in page to the ``sub`` it gets (default: a hash of the name); names
    in ``unverified`` get ``email_verified: false``."""

    client_id: str
    client_secret: str
    redirect_uri: str
    groups: dict[str, list[str]] = field(default_factory=dict)  # e-mail -> "groups" claim
    subjects: dict[str, str] = field(default_factory=dict)  # typed name -> "sub" claim
    unverified: set[str] = field(default_factory=set)  # typed names whose e-mail is unverified
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.codes: dict[str, Grant] = {}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.metadata_url = f"{self.issuer}/.well-known/openid-configuration"

    def __enter__(self) -> FakeOIDC:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what the endpoints answer -----------------------------------------------------------

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict:
        pub = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _b64int(pub.n), "e": _b64int(pub.e)}]}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": grant.client_id, "iat": now, "exp": now + 600,
                  "sub": self.subject(grant.email), "email": self.email_of(grant.email),
                  "email_verified": grant.email not in self.unverified,
                  "name": grant.email.split("@")[0].title()}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        if grant.email in self.groups:
            claims["groups"] = self.groups[grant.email]
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = (_b64(json.dumps(header).encode()) + "."
                         + _b64(json.dumps(claims).encode()))
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64(sig)

    def subject(self, typed: str) -> str:
        """The ``sub`` claim of whoever typed ``typed`` on the sign-in page."""
        return self.subjects.get(typed) or "user-" + hashlib.sha256(typed.encode()).hexdigest()[
            :12]

    @staticmethod
    def email_of(typed: str) -> str:
        """The ``email`` claim: what was typed, up to a ``#`` (``alice@x#mallory`` is Mallory
        claiming Alice's address)."""
        return typed.split("#", 1)[0]

    def sign_in_page(self, query: dict[str, str]) -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" '
                         f'value="{html.escape(v)}">' for k, v in query.items())
        return ("<!doctype html><title>Sign in</title><form method=post action=/authorize>"
                f"{hidden}<label>Email <input name=email id=email></label>"
                "<button type=submit id=continue>Continue</button></form>")

    def authorize(self, form: dict[str, str]) -> str:
        """The redirect after the person confirmed who they are."""
        if form.get("client_id") != self.client_id or form.get("redirect_uri") != \
                self.redirect_uri:
            raise ValueError("unknown client or redirect URI")
        code = secrets.token_urlsafe(16)
        self.codes[code] = Grant(form["email"], form["client_id"], form["redirect_uri"],
                                 form.get("nonce"), form.get("code_challenge"),
                                 form.get("code_challenge_method"))
        query = {"code": code, "state": form.get("state", "")}
        return form["redirect_uri"] + "?" + urllib.parse.urlencode(query)

    def token(self, form: dict[str, str], auth_header: str | None) -> tuple[int, dict]:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if auth_header and auth_header.startswith("Basic "):
            raw = base64.b64decode(auth_header[6:]).decode()
            client_id, client_secret = (urllib.parse.unquote(p) for p in raw.split(":", 1))
        client_ok = client_id == self.client_id and client_secret == self.client_secret
        grant = self.codes.pop(form.get("code", ""), None)
        pkce_ok = False
        if grant is not None and grant.challenge and grant.method == "S256":
            verifier = form.get("code_verifier", "")
            pkce_ok = _b64(hashlib.sha256(verifier.encode()).digest()) == grant.challenge
        self.exchanges.append(Exchange(client_ok, pkce_ok, grant.email if grant else None))
        if not client_ok or grant is None or form.get("redirect_uri") != grant.redirect_uri \
                or (grant.challenge and not pkce_ok):
            return 400, {"error": "invalid_grant"}
        return 200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                     "expires_in": 600, "scope": "openid email profile",
                     "id_token": self.id_token(grant)}

    def _handler(self):
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: str, kind: str = "application/json",
                      location: str | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, str]:
                size = int(self.headers.get("Content-Length") or 0)
                return dict(urllib.parse.parse_qsl(self.rfile.read(size).decode()))

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._send(200, json.dumps(idp.metadata()))
                elif url.path == "/jwks":
                    self._send(200, json.dumps(idp.jwks()))
                elif url.path == "/authorize":
                    query = dict(urllib.parse.parse_qsl(url.query))
                    self._send(200, idp.sign_in_page(query), "text/html")
                else:
                    self._send(404, "{}")

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                form = self._form()
                if url.path == "/authorize":
                    try:
                        self._send(302, "", "text/plain", location=idp.authorize(form))
                    except (ValueError, KeyError) as exc:
                        self._send(400, str(exc), "text/plain")
                elif url.path == "/token":
                    status, body = idp.token(form, self.headers.get("Authorization"))
                    self._send(status, json.dumps(body))
                else:
                    self._send(404, "{}")

        return Handler
