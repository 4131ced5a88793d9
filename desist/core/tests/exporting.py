"""Test helpers: downloading an export as a user does, by answering its purpose question first
(core.export_purpose)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from desist.core import safecsv
from desist.core.export_purpose import FORM_MARKER

_OPTION = re.compile(r'name="export_purpose" type="radio" value="([^"]+)"')


def asks_purpose(response: Any) -> bool:
    """Whether the answer is the purpose question (a whole page holding its form)."""
    if "html" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
        return False
    return FORM_MARKER in response.content.decode(errors="replace")


def offered_purposes(response: Any) -> list[str]:
    return _OPTION.findall(response.content.decode())


def answer(client: Any, path: str, question: Any, purpose: str = "", reason: str = "") -> Any:
    """Post the answer to the question `path` showed: the first purpose offered unless named."""
    chosen = purpose or offered_purposes(question)[0]
    return client.post(path, {"export_purpose": chosen, "export_reason": reason})


def download(
    client: Any,
    url: str,
    data: dict[str, Any] | None = None,
    *,
    purpose: str = "",
    reason: str = "",
) -> Any:
    """The export at url (with data as its query string): the question, then the file. A user
    who may not export gets the refusal the question would have shown (403 or 404)."""
    path = url + (f"?{urlencode(data)}" if data else "")
    question = client.get(path)
    if question.status_code != 200:
        return question
    assert asks_purpose(question), f"{path} did not ask the purpose"
    return answer(client, path, question, purpose, reason)


def get_answering(client: Any, path: str) -> tuple[Any, Any]:
    """GET path as a crawl does; if it is a purpose question, answer it as the user would.
    Returns (the page, the download or None)."""
    page = client.get(path)
    if page.status_code == 200 and asks_purpose(page):
        return page, answer(client, path, page)
    return page, None


def body_text(response: Any) -> str:
    """The downloaded file's text, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return bytes(response.content).decode()


def csv_rows(response_or_text: Any) -> list[list[str]]:
    """The rows of an exported CSV after its marking line, which must be there (ADR 0030):
    every test reads exports through here rather than skipping the line its own way."""
    text = response_or_text if isinstance(response_or_text, str) else body_text(response_or_text)
    return safecsv.marked_rows(text)


def csv_dicts(response_or_text: Any) -> list[dict[str, str]]:
    """csv_rows keyed by the headings, as csv.DictReader would give them."""
    text = response_or_text if isinstance(response_or_text, str) else body_text(response_or_text)
    return safecsv.marked_dicts(text)
