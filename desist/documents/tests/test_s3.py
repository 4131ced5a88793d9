"""Documents in an S3-compatible bucket, against a real S3 server the suite starts: moto in
server mode on a free local port, spoken to over HTTP by boto3 exactly as production speaks to
its bucket (no in-process mock). Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from desist.documents import content, services, store
from desist.documents.tests.conftest import MARKER, World, pdf_bytes, upload

pytestmark = pytest.mark.django_db
CREDENTIALS = {"aws_access_key_id": "desist-test", "aws_secret_access_key": "desist-test-secret"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(settings: Any, s3_endpoint: str) -> Any:
    """A fresh bucket, and the documents storage pointed at it as production settings do."""
    name = f"desist-documents-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", **CREDENTIALS)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-2",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "location": "documents",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    client.desist_bucket = name
    return client


def test_round_trip_through_the_s3_server(client: Any, world: World, s3_bucket: Any) -> None:
    assert type(store.backend()).__name__ == "S3Storage"
    inspected, _ = content.inspect(upload("zone.pdf", pdf_bytes()))
    assert inspected is not None
    document = services.document_upload(
        actor=world.officer, record=world.order, kind="map", title="Zone", file=inspected
    )
    # The object is in the bucket, encrypted: the raw bytes hold nothing of the file.
    listed = s3_bucket.list_objects_v2(Bucket=s3_bucket.desist_bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"documents/{document.stored_name}"]
    raw = s3_bucket.get_object(
        Bucket=s3_bucket.desist_bucket, Key=f"documents/{document.stored_name}"
    )["Body"].read()
    assert MARKER not in raw and b"%PDF" not in raw
    # Downloaded through Desist, decrypted.
    client.force_login(world.officer)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert response.content == pdf_bytes()
