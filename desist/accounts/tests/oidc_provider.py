"""A real OpenID provider for the tests: tests/oidc/provider.mjs (npm's certified
`oidc-provider`) run under Node on a free port, and a person signing in there."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "desist-test"
CLIENT_SECRET = "a-test-client-secret-of-decent-length"
ORG_CODE = "sso-force"
CALLBACK = f"http://testserver/accounts/sso/{ORG_CODE}/callback/"

# Account id at the provider -> its claims ("tamper" makes the provider spoil the ID token).
ACCOUNTS = {
    "alice": {
        "email": "alice@force.example",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Test",
    },
    "bad-signature": {"email": "bob@force.example", "tamper": "signature"},
    "wrong-audience": {"email": "bob@force.example", "tamper": "audience"},
    "expired": {"email": "bob@force.example", "tamper": "expired"},
    "leaver": {"email": "leaver@force.example", "email_verified": True},
    "newcomer": {"email": "newcomer@force.example", "roles": ["police_officer"]},
    "would-be-admin": {"email": "mallory@force.example", "roles": ["system_admin"]},
    # E-mail claims that must not open an existing account (review blocker 2):
    "bob-unsaid": {"email": "bob@force.example"},  # no email_verified claim, as Entra ID
    "bob-unverified": {"email": "bob@force.example", "email_verified": False},
    "root-claim": {"email": "root@force.example", "email_verified": True},
    "alice-again": {"email": "ALICE@force.example", "email_verified": True},
    # Just-in-time creation the organisation cannot take:
    "wrong-kind": {"email": "pat@force.example", "roles": ["practitioner"]},
    "taken-elsewhere": {"email": "carol@provider.example", "roles": ["police_officer"]},
}


@dataclass
class Provider:
    issuer: str

    def sign_in(self, authorize_url: str, account: str, amr: str = "pwd") -> str:
        """Do what the person does at the provider; return the path Desist is sent back to."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(10):
            if url.startswith("http://testserver"):
                parts = urlsplit(url)
                return f"{parts.path}?{parts.query}"
            if "/interaction/" in url:
                response = browser.post(
                    url, data={"login": account, "amr": amr}, allow_redirects=False, timeout=10
                )
            else:
                response = browser.get(url, allow_redirects=False, timeout=10)
            assert response.is_redirect, (response.status_code, response.text[:300])
            location = response.headers["Location"]
            url = location if "://" in location else self.issuer + location
        raise AssertionError("the provider never sent the browser back to Desist")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_provider() -> Iterator[Provider]:
    node = shutil.which("node")
    assert node, "Node is needed for the OpenID provider (CI installs it with `make assets`)"
    assert (ROOT / "node_modules" / "oidc-provider").is_dir(), "run `make assets` (npm ci)"
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENTS": json.dumps(
            [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]}]
        ),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the OpenID provider did not start"
            time.sleep(0.1)
        yield Provider(issuer=issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)
