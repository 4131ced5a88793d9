"""The production path for real (issue 15, "Done when"): with DESIST_ENV=production and the
documented variables, `desist serve` runs gunicorn on a temporary SQLite database and answers
/healthz; without the keys, `desist check --deploy` and `desist serve` refuse, naming each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from desist.ops.tests.production_env import (
    DESIST,
    REQUIRED,
    ROOT,
    bare_env,
    free_port,
    production_env,
)

pytestmark = pytest.mark.timeout(180)


def _get(url: str, timeout: float = 2) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def _wait_for(url: str, server: subprocess.Popen[str], limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}")
        try:
            _get(url, timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing answered at {url}")


@pytest.fixture
def production_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    database = tmp_path / "desist.sqlite3"
    env = production_env(database, DESIST_WEB_WORKERS="2")
    migrate = subprocess.run(
        [DESIST, "migrate", "-v", "0"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    server = subprocess.Popen(
        [DESIST, "serve", "--port", str(port)],
        cwd=tmp_path,  # anywhere: `desist serve` finds the config itself
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_production_serves_through_gunicorn(
    production_server: tuple[str, subprocess.Popen[str]],
) -> None:
    base, server = production_server
    status, headers, body = _get(f"{base}/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert headers["Server"] == "gunicorn"
    request_id = headers["X-Request-ID"]
    # The scraper on this host reads the request metric, labelled by route name.
    status, _, metrics = _get(f"{base}/metrics")
    assert status == 200
    assert 'route="healthz"' in metrics.decode()
    server.send_signal(signal.SIGTERM)
    output, errors = server.communicate(timeout=30)
    assert not output.strip(), output
    # Every line is JSON: Desist's and gunicorn's own (start, workers, stop) alike.
    lines = [json.loads(line) for line in errors.splitlines()]
    events = {line["event"] for line in lines if line["logger"] == "gunicorn.error"}
    assert {"Using worker: sync", "Shutting down: Master"} <= events, events
    assert all({"timestamp", "level", "logger", "event"} <= set(line) for line in lines)
    # gunicorn's access log (client address, full URL) stays off.
    assert not [line for line in lines if line["logger"] == "gunicorn.access"]
    finished = [
        line
        for line in lines
        if line.get("event") == "request_finished" and line.get("request_id") == request_id
    ]
    assert finished, errors
    assert {"timestamp", "level", "request_id", "user_id", "route"} <= set(finished[0])
    assert finished[0]["route"] == "healthz" and finished[0]["code"] == 200


def test_a_worker_that_fails_to_boot_logs_its_traceback_as_json(tmp_path: Path) -> None:
    (tmp_path / "broken_app.py").write_text('raise RuntimeError("broken on purpose")\n')
    env = production_env(tmp_path / "desist.sqlite3", DESIST_WEB_WORKERS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    env["PORT"] = str(free_port())
    config = str(ROOT / "config" / "gunicorn.conf.py")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", config, "broken_app:application"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    failed = [line for line in lines if line["event"] == "Exception in worker process"]
    assert failed and failed[0]["level"] == "error" and failed[0]["logger"] == "gunicorn.error"
    assert "RuntimeError: broken on purpose" in failed[0]["exception"]


def test_check_deploy_is_clean_with_the_documented_variables(tmp_path: Path) -> None:
    result = subprocess.run(
        [DESIST, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path / "db.sqlite3"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_without_the_keys_names_each_missing_one(tmp_path: Path) -> None:
    result = subprocess.run(
        [DESIST, "check", "--deploy"],
        cwd=ROOT,
        env=bare_env(tmp_path / "db.sqlite3"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    for name in REQUIRED:
        assert f"{name} is not set" in result.stderr, name


def test_each_missing_key_alone_is_named(tmp_path: Path) -> None:
    for name in ("DESIST_SECRET_KEY", "DESIST_FIELD_KEYS", "DESIST_EMAIL_HOST"):
        env = production_env(tmp_path / "db.sqlite3")
        del env[name]
        result = subprocess.run(
            [DESIST, "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode != 0
        assert f"{name} is not set" in result.stderr
        others = set(REQUIRED) - {name}
        assert not [o for o in others if f"{o} is not set" in result.stderr]


def test_check_deploy_names_an_unset_database_url(tmp_path: Path) -> None:
    env = production_env(tmp_path / "db.sqlite3")
    del env["DATABASE_URL"]
    result = subprocess.run(
        [DESIST, "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr, result.stderr
    assert not [name for name in REQUIRED if f"{name} is not set" in result.stderr]


def test_serve_refuses_without_the_keys(tmp_path: Path) -> None:
    env = bare_env(tmp_path / "db.sqlite3", PORT=str(free_port()))
    result = subprocess.run(
        [DESIST, "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Desist will not serve" in result.stderr
    for name in REQUIRED:
        assert f"{name} is not set" in result.stderr, name


@pytest.mark.parametrize(
    "command", [["worker", "--queue-name", "alerts"], ["scheduler"]], ids=["worker", "scheduler"]
)
def test_workers_and_the_scheduler_refuse_without_the_keys(
    tmp_path: Path, command: list[str]
) -> None:
    # Tester finding: they ran in production with no field, audit or pseudonym key.
    result = subprocess.run(
        [DESIST, *command],
        cwd=tmp_path,
        env=bare_env(tmp_path / "db.sqlite3"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for name in REQUIRED:
        assert f"{name} is not set" in result.stderr, (name, result.stderr)


def test_the_scheduler_starts_with_the_keys_and_logs_its_start_and_each_enqueue(
    tmp_path: Path,
) -> None:
    # Tester finding: 18 minutes of the scheduler wrote 0 bytes to stderr.
    env = production_env(tmp_path / "db.sqlite3")
    migrate = subprocess.run(
        [DESIST, "migrate", "-v", "0"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    scheduler = subprocess.Popen(
        [DESIST, "scheduler"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    events: list[dict[str, str]] = []
    try:
        assert scheduler.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            e["event"].startswith("Enqueued jobs_prune") for e in events
        ):
            line = scheduler.stderr.readline()
            if not line:
                break
            events.append(json.loads(line))
    finally:
        scheduler.send_signal(signal.SIGINT)
        scheduler.wait(timeout=30)
    messages = [e["event"] for e in events]
    assert (
        messages[0] == "scheduler: check --deploy: System check identified no issues (0 silenced)."
    )
    assert messages[1].startswith("Scheduler ") and "alerts_escalate every" in messages[1]
    assert {e["level"] for e in events} == {"info"}, events
    assert any(m.startswith("Enqueued jobs_prune for the slot at ") for m in messages), messages


@pytest.mark.parametrize("doc", ["README.md", "docs/deployment.md"])
def test_every_required_variable_is_documented(doc: str) -> None:
    text = (ROOT / doc).read_text()
    missing = [name for name in REQUIRED if f"`{name}`" not in text]
    assert not missing, f"{doc} does not document {missing}"


def test_notify_replaces_smtp_when_its_key_is_set(tmp_path: Path) -> None:
    env = production_env(
        tmp_path / "db.sqlite3",
        DESIST_NOTIFY_API_KEY=f"desist-{'1' * 8}-1111-1111-1111-{'1' * 12}-{'2' * 36}",
        DESIST_NOTIFY_TEMPLATE_ID="4f1c7e8a-0000-4000-8000-000000000001",
    )
    del env["DESIST_EMAIL_HOST"], env["DESIST_EMAIL_FROM"]
    result = subprocess.run(
        [DESIST, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_base_url_is_a_trusted_csrf_origin(tmp_path: Path) -> None:
    # Behind a TLS proxy the browser's Origin is the public https origin; Django accepts it
    # from the list even if the scheme or port reaching gunicorn differ.
    env = production_env(
        tmp_path / "db.sqlite3", DESIST_BASE_URL="https://desist.example.org:8443/"
    )
    script = "from django.conf import settings; print(settings.CSRF_TRUSTED_ORIGINS)"
    result = subprocess.run(
        [DESIST, "shell", "-v", "0", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['https://desist.example.org:8443']"
