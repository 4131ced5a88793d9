"""Production static files (issue 15): collectstatic passes with WhiteNoise's compressed manifest
storage (every url() in GOV.UK Frontend's and MoJ's CSS resolves to a hashed file), and a hashed
file is served with a far-future, immutable cache lifetime."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

# Compression is switched off here only for time (about 100 s on two cores); it cannot fail on
# a reference, the manifest's post-processing can, and that runs in full.
_ALL = ["css", "js", "mjs", "map", "svg", "png", "ico", "woff", "woff2", "json", "txt", "md"]


def test_collectstatic_with_manifest_storage_and_long_cache(tmp_path: Path) -> None:
    manifest_storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES=manifest_storage,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=_ALL,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
        css = paths["govuk/govuk-frontend.min.css"]
        assert css != "govuk/govuk-frontend.min.css"
        # The fonts the CSS names were rewritten to their hashed names.
        text = (tmp_path / css).read_text()
        font = next(k for k in paths if k.startswith("fonts/") and k.endswith(".woff2"))
        assert f"/assets/{paths[font]}" in text

        middleware = WhiteNoiseMiddleware(lambda request: None)
        response = middleware(RequestFactory().get(f"/assets/{css}"))
        assert response.status_code == 200
        assert response["Cache-Control"] == "max-age=315360000, public, immutable"
        plain = middleware(RequestFactory().get("/assets/govuk/govuk-frontend.min.css"))
        assert "immutable" not in plain["Cache-Control"]
