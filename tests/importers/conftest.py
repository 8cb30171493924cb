from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

BEER_DUMP = Path("/work/shared/data/stackexchange/beer.stackexchange.com")


def rows_xml(root: str, rows: Iterable[dict[str, str]]) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<{root}>"]
    for row in rows:
        attrs = " ".join(f"{k}={quoteattr(str(v))}" for k, v in row.items())
        lines.append(f"  <row {attrs} />")
    lines.append(f"</{root}>")
    return "\n".join(lines) + "\n"


def write_dump(
    directory: Path,
    *,
    users: Iterable[dict] = (),
    posts: Iterable[dict] = (),
    tags: Iterable[dict] = (),
    votes: Iterable[dict] = (),
    links: Iterable[dict] | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Users.xml").write_text(rows_xml("users", users), encoding="utf-8")
    (directory / "Posts.xml").write_text(rows_xml("posts", posts), encoding="utf-8")
    (directory / "Tags.xml").write_text(rows_xml("tags", tags), encoding="utf-8")
    (directory / "Votes.xml").write_text(rows_xml("votes", votes), encoding="utf-8")
    if links is not None:
        (directory / "PostLinks.xml").write_text(rows_xml("postlinks", links), encoding="utf-8")
    return directory


def question(pk: int, **extra: object) -> dict:
    row = {
        "Id": pk,
        "PostTypeId": 1,
        "CreationDate": "2015-03-01T10:00:00.000",
        "LastActivityDate": "2015-03-02T10:00:00.000",
        "Title": f"How do I pour beer number {pk} properly?",
        "Body": "<p>I always get <b>too much</b> foam.</p><script>alert(1)</script>",
        "OwnerUserId": 10,
        "Tags": "<pouring><foam>",
        "ContentLicense": "CC BY-SA 4.0",
    }
    row.update(extra)
    return row


def answer(pk: int, parent: int, **extra: object) -> dict:
    row = {
        "Id": pk,
        "PostTypeId": 2,
        "ParentId": parent,
        "CreationDate": "2015-03-01T12:00:00.000",
        "Body": "<p>Tilt the glass.</p>",
        "OwnerUserId": 11,
        "ContentLicense": "CC BY-SA 4.0",
    }
    row.update(extra)
    return row


SMALL_USERS = [
    {"Id": 10, "DisplayName": "Asker Anna", "CreationDate": "2014-01-01T00:00:00.000"},
    {"Id": 11, "DisplayName": "Helper Hans", "CreationDate": "2014-01-02T00:00:00.000"},
    {"Id": 12, "DisplayName": "Lurker", "CreationDate": "2014-01-03T00:00:00.000"},
]
SMALL_TAGS = [{"Id": 1, "TagName": "pouring"}, {"Id": 2, "TagName": "foam"}]


@pytest.fixture
def small_dump(tmp_path: Path) -> Path:
    """Two questions (one with an accepted answer), three answers, votes, a duplicate."""
    return write_dump(
        tmp_path / "pour.stackexchange.com",
        users=SMALL_USERS,
        posts=[
            question(1, AcceptedAnswerId=3, Score=2),
            question(2, Title="Why does my beer foam so much?"),
            answer(3, 1),
            answer(4, 1, OwnerUserId="", OwnerDisplayName="Gone Gustav"),
            answer(5, 2),
        ],
        tags=SMALL_TAGS,
        votes=[
            {"Id": 1, "PostId": 3, "VoteTypeId": 2, "CreationDate": "2015-03-03T00:00:00.000"},
            {"Id": 2, "PostId": 3, "VoteTypeId": 2, "CreationDate": "2015-03-03T00:00:00.000"},
            {"Id": 3, "PostId": 3, "VoteTypeId": 3, "CreationDate": "2015-03-03T00:00:00.000"},
            {"Id": 4, "PostId": 3, "VoteTypeId": 1, "CreationDate": "2015-03-04T00:00:00.000"},
            {"Id": 5, "PostId": 1, "VoteTypeId": 2, "CreationDate": "2015-03-03T00:00:00.000"},
        ],
        links=[
            {"Id": 1, "PostId": 2, "RelatedPostId": 1, "LinkTypeId": 3},
            {"Id": 2, "PostId": 2, "RelatedPostId": 1, "LinkTypeId": 1},
        ],
    )
