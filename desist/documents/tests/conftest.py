"""A police force, its provider and advocacy service in one partnership; a subject with a case,
a victim, an order and a referral; and small real files of each allowed type."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import applied, make_case, make_subject, make_victim
from desist.programme import actions as programme_actions
from desist.safeguarding.models import AdvocacyCase

R = RoleCode

# A phrase only the file holds: found in the raw stored bytes, the encryption failed.
MARKER = b"SYNTHETIC-EXCLUSION-ZONE-MAP-7f3a"


def pdf_bytes(text: bytes = MARKER) -> bytes:
    """A small valid PDF (a Helvetica page with a cross-reference table) whose content stream
    carries `text` in clear."""
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


def png_bytes(text: str = "") -> bytes:
    """A small PNG; `text` goes in a tEXt chunk, the kind of text Desist can read."""
    image = Image.new("RGB", (40, 30), (40, 120, 60))
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Description", text)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@dataclass
class World:
    officer: Any
    supervisor: Any
    outsider: Any
    practitioner: Any
    clinical_supervisor: Any
    advocate: Any
    other_provider: Any
    subject: Any
    case: Any
    victim: Any
    order: Any
    referral: Any
    advocacy_case: Any


@pytest.fixture(name="world")
def world_fixture(
    users: dict[RoleCode, Any], orgs: dict[str, Any], make_user: Any, make_org: Any
) -> World:
    partnership = Partnership.objects.create(code="pilot", name="Pilot")
    partnership.organisations.add(
        orgs["police_force"], orgs["provider"], orgs["commissioner"], orgs["advocacy"]
    )
    programme = programme_actions.programme_save(
        actor=users[R.PROGRAMME_MANAGER],
        name="Pilot programme",
        provider=orgs["provider"],
        forces=[orgs["police_force"]],
        capacity=30,
        funding=Decimal("98000"),
        sessions=12,
    )
    officer = users[R.POLICE_OFFICER]
    subject = make_subject(orgs["police_force"])
    case = make_case(subject)
    victim = make_victim(case)
    order = applied(officer, subject)
    referral = programme_actions.referral_put_forward(
        actor=officer, subject=subject, programme=programme
    )
    advocacy_case = AdvocacyCase.objects.create(
        victim=victim, service=orgs["advocacy"], origin="police"
    )
    return World(
        officer=officer,
        supervisor=users[R.POLICE_SUPERVISOR],
        outsider=make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"]),
        practitioner=users[R.PRACTITIONER],
        clinical_supervisor=users[R.CLINICAL_SUPERVISOR],
        advocate=users[R.VICTIM_ADVOCATE],
        other_provider=make_user(R.PRACTITIONER, organisation=make_org("provider")),
        subject=subject,
        case=case,
        victim=victim,
        order=order,
        referral=referral,
        advocacy_case=advocacy_case,
    )
