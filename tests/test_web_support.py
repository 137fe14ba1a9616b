"""What the web page tests share: the served city with its pages, and reading pages back."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from credence.identifiers import mask
from credence.service import create_app
from credence.web import mount_web
from tests.test_service_support import Clock, Served

_TAGS = re.compile(r"<[^>]+>")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([:;,.)])")


@contextmanager
def serve_web(root: Path, clock: Clock | None = None, **kwargs: Any) -> Iterator[Served]:
    """The app over ``root`` with the pages mounted (a no-op once create_app mounts them)."""
    day = clock or Clock()
    app = create_app(root, today=day, **kwargs)
    mount_web(app)
    # over https, as a deployment is: the sign-in cookies are Secure on any host but loopback
    with TestClient(app, base_url="https://testserver") as client:
        yield Served(root, client, day)


def text_of(page: str) -> str:
    """A page's visible text: tags dropped, entities decoded, spaces collapsed (and none left
    before punctuation that followed a tag)."""
    text = " ".join(html.unescape(_TAGS.sub(" ", page)).split())
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)


def people(served: Served) -> list[str]:
    rows = served.query("SELECT subject_code FROM subjects WHERE subject_kind = 'person'")
    return [str(code) for (code,) in rows]


def assert_no_person(page: str, codes: list[str]) -> None:
    """Neither a person's code nor its masked form appears on the page."""
    for code in codes:
        assert code not in page, code
        assert mask(code) not in page, mask(code)


_FORM_TOKEN = re.compile(r'name="token" value="([^"]+)"')
_LOGIN_TOKEN = re.compile(r'id="login-token" name="token" value="([^"]+)"')


def login_token(served: Served) -> str:
    """The CSRF token of a freshly fetched sign-in form (its cookie is kept by the client)."""
    found = _LOGIN_TOKEN.search(served.client.get("/login").text)
    assert found is not None, "the sign-in form carries a token"
    return found.group(1)


def page_token(served: Served, path: str = "/") -> str:
    """The form token a signed-in page carries (the sign-out form's)."""
    found = _FORM_TOKEN.search(served.client.get(path).text)
    assert found is not None, f"{path} carries a form token"
    return found.group(1)


def sign_in(served: Served, secret: str) -> None:
    """Sign the client in through the form; the session cookie is kept for the next requests."""
    data = {"key": secret, "token": login_token(served)}
    answer = served.client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def secret_of(served: Served, role: str, subject: str | None = None, **kwargs: Any) -> str:
    return served.key(role, subject, **kwargs)["X-API-Key"]
