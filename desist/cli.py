"""The `desist` console command: every Django management command, plus demo/serve/seed."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path


def _serve_production(args: list[str]) -> None:
    """`desist serve` with DESIST_ENV=production: gunicorn with the repository's config file
    (config/gunicorn.conf.py, which runs `check --deploy` first). `--port N` sets PORT."""
    if args[:1] == ["--port"] and len(args) > 1:
        os.environ["PORT"] = args[1]
        args = args[2:]
    spec = importlib.util.find_spec("config")
    if spec is None or spec.origin is None:
        raise SystemExit("desist serve: the config package is not importable")
    config_dir = Path(spec.origin).parent
    os.execv(  # noqa: S606 (our own interpreter and fixed arguments, no shell)
        sys.executable,
        [sys.executable, "-m", "gunicorn", "-c", str(config_dir / "gunicorn.conf.py")]
        + ["--chdir", str(config_dir.parent), *args, "config.wsgi:application"],
    )


def _settings_problem() -> str | None:
    """Load the settings once, so a mistake in the environment is one plain sentence for the
    operator (and exit code 2), not a traceback from deep inside Django or gunicorn."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 (the first access loads config.settings)
    except ImproperlyConfigured as error:
        return str(error)
    return None


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "demo":
        os.environ.setdefault("DESIST_ENV", "demo")
    problem = _settings_problem()
    if problem:
        print(f"desist: the settings are not valid: {problem}", file=sys.stderr)
        return 2
    if args and args[0] == "serve" and os.environ.get("DESIST_ENV") == "production":
        _serve_production(args[1:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["desist", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
