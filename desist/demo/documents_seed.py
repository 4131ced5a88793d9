"""Demo documents (issue 18): a map for every order whose term mentions "the attached map".

Each map is drawn here (streets, a park, a river and the zone's boundary), so nothing is
copied and no real place is shown. It is attached through the same command as a user's upload
(checked by content, encrypted before it is stored, audited) and stays police-only: the
provider's wording of the term says the boundaries are held by police.
"""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from desist.accounts.models import User
from desist.core.models import Organisation
from desist.documents import content
from desist.documents.models import Document, DocumentKind
from desist.documents.services import document_upload
from desist.orders.models import Order

MAP_WORDS = "attached map"
MAP_TITLE = "Map of the exclusion zone (synthetic, drawn for the demo)"


def draw_map(seed: int) -> bytes:
    """A small PNG street plan with one exclusion zone outlined in red; no text, no metadata."""
    rng = random.Random(seed)
    width, height = 480, 360
    image = Image.new("RGB", (width, height), (242, 239, 233))
    draw = ImageDraw.Draw(image)
    park = (rng.randint(20, 200), rng.randint(20, 150))
    draw.rectangle((*park, park[0] + 110, park[1] + 80), fill=(200, 226, 190))
    river = [(0, rng.randint(250, 330))]
    for x in range(60, width + 60, 60):
        river.append((x, river[-1][1] + rng.randint(-18, 18)))
    draw.line(river, fill=(160, 196, 228), width=14)
    for x in sorted(rng.sample(range(30, width - 30), 6)):
        draw.line((x, 0, x + rng.randint(-30, 30), height), fill=(255, 255, 255), width=7)
    for y in sorted(rng.sample(range(30, height - 30), 5)):
        draw.line((0, y, width, y + rng.randint(-20, 20)), fill=(255, 255, 255), width=7)
    cx, cy = rng.randint(160, 320), rng.randint(110, 230)
    zone = [(cx - 90, cy - 60), (cx + 70, cy - 80), (cx + 100, cy + 40), (cx - 40, cy + 80)]
    draw.polygon(zone, outline=(212, 53, 28), width=5)
    draw.rectangle((8, height - 28, 30, height - 10), outline=(212, 53, 28), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def seed_order_maps(*, force: Organisation, actor: User) -> int:
    """Attach a drawn map to each of `force`'s orders with a term that refers to one.
    Orders that already carry a map are left alone. Returns maps attached."""
    orders = (
        Order.objects.filter(force=force, terms__wording__contains=MAP_WORDS)
        .exclude(pk__in=Document.objects.filter(kind=DocumentKind.MAP).values("order_id"))
        .distinct()
        .order_by("pk")
    )
    attached = 0
    for order in orders:
        data = draw_map(order.pk)
        inspected, message = content.inspect(SimpleUploadedFile("map.png", data))
        if inspected is None:
            raise RuntimeError(message)
        document_upload(
            actor=actor, record=order, kind=DocumentKind.MAP, title=MAP_TITLE, file=inspected
        )
        attached += 1
    return attached
