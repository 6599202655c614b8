"""A real OpenID Connect provider on loopback for Sieve's single sign-on tests.

It is PyPI's `oidc-provider-mock` (built on authlib) run as a server, with two things its defaults leave out and a
production provider has: clients must register (POST /oauth2/clients) and PKCE is enforced (authlib's
CodeChallenge extension, required: an authorization code is only redeemed with the verifier whose S256 challenge
the authorization request carried). Nonces are required.

    python provider.py --port 9400 [--host 127.0.0.1] [--token-max-age 3600]

For the refusal tests it also plays a man in the middle on request: after POST /test/tamper with a mode as the
body, the next token response's ID token is altered on its way out — "payload" (the claims rewritten to ask for
admin, the provider's signature kept), "signature" (one byte of the signature changed) or "alg-none" (an unsigned
token), or "replay" (the ID token issued for the previous sign-in, validly signed, in place of this one's). The
token itself always comes from the provider.

Prints "READY <port>" on stdout once it accepts connections.
"""

import argparse
import base64
import json
import os
import signal
import sys
from datetime import timedelta

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback

import authlib.integrations.flask_oauth2 as flask_oauth2
import werkzeug.serving
from authlib.oauth2.rfc7636 import CodeChallenge

import oidc_provider_mock
from oidc_provider_mock import _app as mock

# The mock's authorization codes do not keep the PKCE challenge: keep it beside them.
_challenges: dict[str, tuple[str | None, str | None]] = {}
_save = mock.AuthorizationCodeGrant.save_authorization_code


def _save_with_challenge(self, code, request):
    _save(self, code, request)
    data = request.payload.data
    _challenges[code] = (data.get("code_challenge"), data.get("code_challenge_method"))


mock.AuthorizationCodeGrant.save_authorization_code = _save_with_challenge


class _PKCE(CodeChallenge):
    def get_authorization_code_challenge(self, authorization_code):
        return _challenges.get(authorization_code.code, (None, None))[0]

    def get_authorization_code_challenge_method(self, authorization_code):
        return _challenges.get(authorization_code.code, (None, None))[1]


_register = flask_oauth2.AuthorizationServer.register_grant


def _register_with_pkce(self, grant_cls, extensions=None):
    if grant_cls is mock.AuthorizationCodeGrant:
        extensions = list(extensions or []) + [_PKCE(required=True)]
    return _register(self, grant_cls, extensions)


flask_oauth2.AuthorizationServer.register_grant = _register_with_pkce


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tamper(token: str, mode: str) -> str:
    header, payload, signature = token.split(".")
    if mode == "payload":
        claims = json.loads(_unb64(payload))
        claims["groups"] = ["sieve-admins"]
        return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    if mode == "signature":
        raw = bytearray(_unb64(signature))
        raw[len(raw) // 2] ^= 0x01
        return f"{header}.{payload}.{_b64(bytes(raw))}"
    if mode == "alg-none":
        return f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."
    raise ValueError(mode)


class _ManInTheMiddle:
    def __init__(self, app):
        self.app = app
        self.mode = None
        self.previous = None

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/test/tamper" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            self.mode = environ["wsgi.input"].read(length).decode().strip() or None
            start_response("204 No Content", [])
            return [b""]
        if path == "/oauth2/token":
            mode, self.mode = self.mode, None
            seen = {}

            def capture(status, headers, exc_info=None):
                seen["status"], seen["headers"] = status, headers
                return lambda _: None

            body = b"".join(self.app(environ, capture))
            if seen["status"].startswith("200"):
                data = json.loads(body)
                issued = data["id_token"]
                if mode == "replay" and self.previous:
                    data["id_token"] = self.previous
                elif mode:
                    data["id_token"] = _tamper(issued, mode)
                self.previous = issued
                body = json.dumps(data).encode()
            headers = [(k, v) for k, v in seen["headers"] if k.lower() != "content-length"]
            start_response(seen["status"], headers + [("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


def main() -> None:
    # Started from the Swift test runner, this process inherits a signal mask that blocks nearly everything (its
    # threads block signals), so the test's SIGTERM would never arrive and the server would outlive the test run.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.Signals))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token-max-age", type=int, default=3600)
    args = parser.parse_args()
    app = oidc_provider_mock.app(
        require_client_registration=True,
        require_nonce=True,
        access_token_max_age=timedelta(seconds=args.token_max_age),
    )
    server = werkzeug.serving.make_server(args.host, args.port, _ManInTheMiddle(app), threaded=True)
    print(f"READY {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
