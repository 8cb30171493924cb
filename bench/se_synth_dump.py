"""Write a synthetic Stack Exchange dump of any size, for import and search benchmarks.

    .venv/bin/python bench/se_synth_dump.py OUTDIR [--posts 1000000] [--seed 1]

OUTDIR gets Users.xml, Posts.xml, Tags.xml, Votes.xml, PostLinks.xml, Comments.xml and
PostHistory.xml with the attributes and formats of a real dump (the beer.stackexchange.com
one in ``/work/shared/data/stackexchange``). The text is made from that dump's real
vocabulary, so full-text search behaves as on a real community: titles come from an
order-2 Markov chain over the beer titles (backing off to order 1 now and then, so they
vary), bodies are the beer posts' real sentences recombined into SE-like HTML
(``<p>``, ``<code>``, ``<a>``, ``<blockquote>``, lists).

Shapes: ~30% questions / 70% answers; Zipf-like user activity; 1-5 tags per question from
a few hundred tags with a long tail; an accepted answer on ~55% of answered questions with
the accept vote dated after the answer; up and down votes; duplicate PostLinks (whose
titles are reworded copies of the original's, as real duplicates are) and related links;
comments on ~30% of posts; PostHistory with the initial title/body/tags of every post and
body edits for ~15% of posts. A few percent of posts belong to deleted accounts
(``OwnerDisplayName`` only), as in real dumps. Every row is valid: an import of this dump
should skip nothing.

Deterministic for a given ``--seed`` and corpus. Two passes: the thread structure (parent
of each post, answer counts, the accepted answer) is planned first in compact integer
arrays, then every file is streamed out in id order; no file is ever held in memory.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
import uuid
from array import array
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import TextIO
from xml.etree.ElementTree import iterparse

CORPUS = Path("/work/shared/data/stackexchange/beer.stackexchange.com")
SITE_START = datetime(2014, 1, 21, 20, 0, tzinfo=UTC)
SITE_SPAN = timedelta(days=365 * 10)
QUESTION_SHARE = 0.30
ACCEPT_SHARE = 0.55
COMMENT_SHARE = 0.30
EDIT_SHARE = 0.15
DUPLICATE_SHARE = 0.025
RELATED_SHARE = 0.05
DELETED_OWNER_SHARE = 0.02
WINDOW = 400  # questions still receiving answers
LICENCES = ("CC BY-SA 3.0", "CC BY-SA 4.0")
EDIT_COMMENTS = (
    "added 42 characters in body",
    "Spelling and grammar",
    "edited body",
    "Improved formatting",
    "added link",
    "clarified the question",
)

_TAG_RE = re.compile(r"<[^>]+>")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def esc(text: str) -> str:
    """An XML attribute value as SE writes it (newlines as &#xA;)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#xD;")
        .replace("\n", "&#xA;")
    )


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}"


def day_stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT00:00:00.000")


# --- the corpus -----------------------------------------------------------------------------


# The files written while posts are generated (file name, XML root element).
POST_FILES = (
    ("Posts", "posts"),
    ("Votes", "votes"),
    ("Comments", "comments"),
    ("PostHistory", "posthistory"),
    ("PostLinks", "postlinks"),
)


class Corpus:
    """Real sentences, titles and tags of a dump, and a title Markov chain over them."""

    def __init__(self, directory: Path) -> None:
        titles: list[str] = []
        sentences: set[str] = set()
        code_words: set[str] = set()
        links: set[str] = set()
        for _event, elem in iterparse(directory / "Posts.xml"):
            if elem.tag != "row":
                continue
            attrs = elem.attrib
            if attrs.get("PostTypeId") in ("1", "2"):
                if attrs.get("Title"):
                    titles.append(" ".join(attrs["Title"].split()))
                body = attrs.get("Body", "")
                links.update(re.findall(r'href="(https?://[^"]{5,120})"', body))
                code_words.update(w for w in re.findall(r"<code>([^<]{2,40})</code>", body))
                text = " ".join(html.unescape(_TAG_RE.sub(" ", body)).split())
                for sentence in _SENTENCE_SPLIT.split(text):
                    if 25 <= len(sentence) <= 300 and sentence[-1] in ".!?":
                        sentences.add(sentence)
            elem.clear()
        self.titles = sorted(set(titles))
        self.sentences = sorted(sentences)
        self.questions = [s for s in self.sentences if s.endswith("?")]
        self.code = sorted(code_words) or ["OG 1.050", "FG 1.010"]
        self.links = sorted(links) or ["https://en.wikipedia.org/wiki/Beer"]
        self.words = sorted({w.lower() for t in self.titles for w in _WORD_RE.findall(t)})
        self.tags: list[str] = []
        for _event, elem in iterparse(directory / "Tags.xml"):
            if elem.tag == "row" and elem.attrib.get("TagName"):
                self.tags.append(elem.attrib["TagName"])
            elem.clear()
        self._chain2: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._chain1: dict[str, list[str]] = defaultdict(list)
        for title in self.titles:
            words = ["", "", *title.split(), "\0"]
            for a, b, c in zip(words, words[1:], words[2:], strict=False):
                self._chain2[(a, b)].append(c)
                self._chain1[b].append(c)
        if not self.titles or not self.sentences:
            sys.exit(f"{directory}: no usable posts to learn text from")

    def title(self, rnd: Random) -> str:
        for _attempt in range(5):
            a, b = "", ""
            out: list[str] = []
            while len(out) < 20:
                # Back off to order 1 a fifth of the time: new combinations, still fluent.
                nexts = self._chain1[b] if out and rnd.random() < 0.2 else self._chain2[(a, b)]
                c = rnd.choice(nexts) if nexts else "\0"
                if c == "\0":
                    break
                out.append(c)
                a, b = b, c
            if 3 <= len(out) <= 20:
                return " ".join(out)
        return rnd.choice(self.titles)


# --- the plan -------------------------------------------------------------------------------


class Plan:
    """Structure of the dump in integer arrays indexed by post id (1-based)."""

    def __init__(self, posts: int, rnd: Random) -> None:
        self.posts = posts
        self.parent = array("i", bytes(4 * (posts + 1)))  # 0 = question
        self.answers = array("i", bytes(4 * (posts + 1)))  # per question
        self.pick = array("i", bytes(4 * (posts + 1)))  # reservoir-sampled answer
        window: list[int] = []  # open questions
        budget: dict[int, int] = {}
        for post_id in range(1, posts + 1):
            if not window or rnd.random() < QUESTION_SHARE:
                # 0 answers for some, a long tail for a few; unused budget just lapses.
                budget[post_id] = (
                    0 if rnd.random() < 0.1 else min(1 + int(rnd.expovariate(0.4)), 40)
                )
                if budget[post_id]:
                    window.append(post_id)
                    if len(window) > WINDOW:
                        budget.pop(window.pop(0), None)
                continue
            # Recent questions get answers more often than old ones.
            index = len(window) - 1 - min(int(rnd.expovariate(0.02)), len(window) - 1)
            question = window[index]
            self.parent[post_id] = question
            n = self.answers[question] + 1
            self.answers[question] = n
            if rnd.random() * n < 1:
                self.pick[question] = post_id
            budget[question] -= 1
            if budget[question] <= 0:
                window.pop(index)
                del budget[question]
        self.accepted = array("i", bytes(4 * (posts + 1)))
        for post_id in range(1, posts + 1):
            answered = self.parent[post_id] == 0 and self.answers[post_id]
            if answered and rnd.random() < ACCEPT_SHARE:
                self.accepted[post_id] = self.pick[post_id]
        del self.pick


# --- writing --------------------------------------------------------------------------------


class Writer:
    def __init__(self, outdir: Path, posts: int, seed: int, corpus: Corpus) -> None:
        self.outdir = outdir
        self.n = posts
        self.rnd = Random(seed)
        self.corpus = corpus
        self.users = max(50, posts // 5)
        self.step = SITE_SPAN / posts
        self.files: dict[str, TextIO] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.next_id: dict[str, int] = defaultdict(lambda: 1)
        self.tag_names = self._tag_names()
        self.tag_counts = [0] * len(self.tag_names)
        self.recent_titles: list[tuple[int, str]] = []

    def _tag_names(self) -> list[str]:
        # The real tags first (most popular), then made-up ones from title words: ~400.
        names = list(dict.fromkeys(t.lower() for t in self.corpus.tags))
        words = [w for w in self.corpus.words if len(w) > 3 and "'" not in w]
        rnd = Random(7)
        while len(names) < 400 and words:
            a, b = rnd.choice(words), rnd.choice(words)
            name = a if rnd.random() < 0.5 else f"{a}-{b}"
            if name not in names:
                names.append(name[:35])
        return names

    # -- helpers --

    def open(self, name: str, root: str) -> TextIO:
        handle = (self.outdir / f"{name}.xml").open("w", encoding="utf-8", buffering=1 << 20)
        handle.write(f'\ufeff<?xml version="1.0" encoding="utf-8"?>\n<{root}>\n')
        self.files[name] = handle
        return handle

    def close(self, name: str, root: str) -> None:
        self.files[name].write(f"</{root}>\n")
        self.files.pop(name).close()

    def row(self, name: str, attrs: str) -> None:
        row_id = self.next_id[name]
        self.next_id[name] = row_id + 1
        self.counts[name] += 1
        self.files[name].write(f'  <row Id="{row_id}" {attrs} />\n')

    def when(self, post_id: int) -> datetime:
        # Monotonic in the id, with jitter inside the post's own time slot.
        return SITE_START + self.step * (post_id - 1 + self.rnd.random() * 0.99)

    def user(self) -> int:
        # Zipf-like: a few users write most posts. r**3 piles mass on low ids.
        return 1 + int(self.users * self.rnd.random() ** 3)

    def owner_attrs(self) -> str:
        if self.rnd.random() < DELETED_OWNER_SHARE:
            return f'OwnerDisplayName="user{self.rnd.randrange(10_000, 999_999)}"'
        return f'OwnerUserId="{self.user()}"'

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))

    def paragraphs(self, sentences: int) -> list[str]:
        rnd, c = self.rnd, self.corpus
        out: list[str] = []
        left = sentences
        while left > 0:
            k = min(left, rnd.randint(1, 4))
            left -= k
            out.append(" ".join(rnd.choice(c.sentences) for _ in range(k)))
        return out

    def body(self, paragraphs: list[str]) -> tuple[str, str]:
        """(HTML body as SE stores it, Markdown source as PostHistory keeps it)."""
        rnd, c = self.rnd, self.corpus
        html_parts: list[str] = []
        md_parts: list[str] = []
        for text in paragraphs:
            safe = html.escape(text, quote=False)
            roll = rnd.random()
            if roll < 0.08:
                html_parts.append(f"<blockquote>\n  <p>{safe}</p>\n</blockquote>")
                md_parts.append(f"> {text}")
            elif roll < 0.16:
                code = html.escape(rnd.choice(c.code), quote=False)
                html_parts.append(f"<p>{safe} <code>{code}</code></p>")
                md_parts.append(f"{text} `{rnd.choice(c.code)}`")
            elif roll < 0.24:
                link = rnd.choice(c.links)
                words = text.split()
                anchor = " ".join(words[:3]) if len(words) > 3 else "this"
                rest = html.escape(" ".join(words[3:]), quote=False)
                html_parts.append(
                    f'<p><a href="{html.escape(link)}" rel="nofollow noreferrer">'
                    f"{html.escape(anchor, quote=False)}</a> {rest}</p>"
                )
                md_parts.append(f"[{anchor}]({link}) {' '.join(words[3:])}")
            elif roll < 0.28:
                items = [rnd.choice(c.sentences) for _ in range(rnd.randint(2, 4))]
                html_parts.append(
                    "<ul>\n"
                    + "".join(f"<li>{html.escape(i, quote=False)}</li>\n" for i in items)
                    + "</ul>"
                )
                md_parts.append("\n".join(f" - {i}" for i in items))
            else:
                html_parts.append(f"<p>{safe}</p>")
                md_parts.append(text)
        return "\n\n".join(html_parts) + "\n", "\r\n\r\n".join(md_parts)

    def reword(self, title: str) -> str:
        """A duplicate's title: the original's words, a few dropped, changed or moved."""
        rnd = self.rnd
        words = title.rstrip("?").split()
        if len(words) > 4 and rnd.random() < 0.5:
            words.pop(rnd.randrange(len(words)))
        if rnd.random() < 0.6:
            words[rnd.randrange(len(words))] = rnd.choice(self.corpus.words)
        if rnd.random() < 0.3:
            words = [*rnd.choice(("How", "Why", "Is it", "What")).split(), *words]
        return " ".join(words) + ("?" if rnd.random() < 0.7 else "")

    # -- files --

    def write_users(self) -> None:
        rnd = self.rnd
        handle = self.open("Users", "users")
        handle.write(
            '  <row Id="-1" Reputation="1" CreationDate="2014-01-21T17:45:53.587" '
            'DisplayName="Community" LastAccessDate="2014-01-21T17:45:53.587" Views="0" '
            'UpVotes="0" DownVotes="0" AccountId="-1" />\n'
        )
        first = list(dict.fromkeys(w.title() for w in self.corpus.words if len(w) > 3))[:400]
        for user_id in range(1, self.users + 1):
            joined = SITE_START + SITE_SPAN * (0.9 * (user_id / self.users) ** 2)
            name = f"{rnd.choice(first)} {rnd.choice(first)}"[:40]
            about = (
                f' AboutMe="{esc("<p>" + html.escape(rnd.choice(self.corpus.sentences)) + "</p>")}"'
                if rnd.random() < 0.3
                else ""
            )
            handle.write(
                f'  <row Id="{user_id}" Reputation="{1 + int(1000 * rnd.random() ** 6)}" '
                f'CreationDate="{stamp(joined)}" DisplayName="{esc(name)}" '
                f'LastAccessDate="{stamp(joined + timedelta(days=rnd.randrange(1, 900)))}"'
                f'{about} Views="{rnd.randrange(0, 50)}" UpVotes="{rnd.randrange(0, 30)}" '
                f'DownVotes="0" AccountId="{user_id + 1000}" />\n'
            )
        self.counts["Users"] = self.users + 1
        self.close("Users", "users")

    def write_posts(self, plan: Plan) -> None:
        rnd, c = self.rnd, self.corpus
        for name, root in POST_FILES:
            self.open(name, root)
        posts = self.files["Posts"]
        started = time.monotonic()
        report_every = max(1, self.n // 20)
        created_at: dict[int, datetime] = {}  # questions still receiving answers
        for post_id in range(1, self.n + 1):
            created = self.when(post_id)
            parent = plan.parent[post_id]
            is_question = parent == 0
            owner = self.owner_attrs()
            licence = LICENCES[created.year >= 2018]
            ups = int(rnd.paretovariate(1.6)) - 1
            ups = min(ups, 300)
            downs = int(rnd.expovariate(2.5)) if rnd.random() < 0.15 else 0
            edited = rnd.random() < EDIT_SHARE
            last_edit = (
                created + timedelta(minutes=rnd.randrange(5, 60 * 24 * 30)) if edited else None
            )
            if is_question:
                created_at[post_id] = created
                if len(created_at) > 4 * WINDOW:
                    created_at.pop(next(iter(created_at)))
                title = ""
                if self.recent_titles and rnd.random() < DUPLICATE_SHARE:
                    original, original_title = rnd.choice(self.recent_titles)
                    title = self.reword(original_title)
                    self.row(
                        "PostLinks",
                        f'CreationDate="{stamp(created + timedelta(hours=rnd.randrange(1, 200)))}" '
                        f'PostId="{post_id}" RelatedPostId="{original}" LinkTypeId="3"',
                    )
                elif self.recent_titles and rnd.random() < RELATED_SHARE:
                    original, _ = rnd.choice(self.recent_titles)
                    self.row(
                        "PostLinks",
                        f'CreationDate="{stamp(created)}" PostId="{post_id}" '
                        f'RelatedPostId="{original}" LinkTypeId="1"',
                    )
                title = title or c.title(rnd)
                self.recent_titles.append((post_id, title))
                if len(self.recent_titles) > 2000:
                    self.recent_titles = self.recent_titles[-1000:]
                paragraphs = self.paragraphs(rnd.randint(1, 5))
                if rnd.random() < 0.6:
                    paragraphs[-1] += " " + rnd.choice(c.questions)
                body_html, body_md = self.body(paragraphs)
                n_tags = min(5, 1 + int(rnd.expovariate(0.9)))
                tag_ids = {
                    min(int(len(self.tag_names) * rnd.random() ** 2.5), len(self.tag_names) - 1)
                    for _ in range(n_tags)
                }
                for t in tag_ids:
                    self.tag_counts[t] += 1
                tags = "".join(f"<{self.tag_names[t]}>" for t in sorted(tag_ids))
                answers = plan.answers[post_id]
                accepted = plan.accepted[post_id]
                last_activity = (last_edit or created) + timedelta(days=answers * rnd.random() * 30)
                attrs = (
                    'PostTypeId="1" '
                    + (f'AcceptedAnswerId="{accepted}" ' if accepted else "")
                    + f'CreationDate="{stamp(created)}" Score="{ups - downs}" '
                    f'ViewCount="{int(20 + 3000 * rnd.random() ** 4)}" Body="{esc(body_html)}" '
                    f"{owner} "
                    + (
                        f'LastEditorUserId="{self.user()}" LastEditDate="{stamp(last_edit)}" '
                        if last_edit
                        else ""
                    )
                    + f'LastActivityDate="{stamp(last_activity)}" Title="{esc(title)}" '
                    f'Tags="{esc(tags)}" AnswerCount="{answers}" CommentCount="0" '
                    f'ContentLicense="{licence}"'
                )
            else:
                paragraphs = self.paragraphs(rnd.randint(2, 9))
                body_html, body_md = self.body(paragraphs)
                attrs = (
                    f'PostTypeId="2" ParentId="{parent}" CreationDate="{stamp(created)}" '
                    f'Score="{ups - downs}" Body="{esc(body_html)}" {owner} '
                    + (
                        f'LastEditorUserId="{self.user()}" LastEditDate="{stamp(last_edit)}" '
                        if last_edit
                        else ""
                    )
                    + f'LastActivityDate="{stamp(last_edit or created)}" CommentCount="0" '
                    f'ContentLicense="{licence}"'
                )
                if plan.accepted[parent] == post_id:
                    accept_day = created + timedelta(days=1 + int(rnd.expovariate(0.2)))
                    self.row(
                        "Votes",
                        f'PostId="{post_id}" VoteTypeId="1" CreationDate="{day_stamp(accept_day)}"',
                    )
            posts.write(f'  <row Id="{post_id}" {attrs} />\n')
            self.counts["Posts"] += 1
            # Votes on this post, dated on or after it.
            for kind, n in (("2", ups), ("3", downs)):
                for _ in range(n):
                    day = created + timedelta(days=int(rnd.expovariate(0.05)))
                    self.row(
                        "Votes",
                        f'PostId="{post_id}" VoteTypeId="{kind}" CreationDate="{day_stamp(day)}"',
                    )
            # History: the initial revision, then an edit for some.
            # An edited post's first revision lacks its last paragraph (the edit added it).
            first_md = self.body(paragraphs[:-1] or paragraphs)[1] if last_edit else body_md
            guid = self.guid()
            user_attr = owner.replace("OwnerUserId", "UserId").replace(
                "OwnerDisplayName", "UserDisplayName"
            )
            common = (
                f'PostId="{post_id}" RevisionGUID="{guid}" '
                f'CreationDate="{stamp(created)}" {user_attr}'
            )
            tail = f'ContentLicense="{licence}"'
            self.row(
                "PostHistory",
                f'PostHistoryTypeId="2" {common} Text="{esc(first_md)}" ContentLicense="{licence}"',
            )
            if is_question:
                self.row(
                    "PostHistory",
                    f'PostHistoryTypeId="1" {common} Text="{esc(title)}" {tail}',
                )
                self.row(
                    "PostHistory",
                    f'PostHistoryTypeId="3" {common} Text="{esc(tags)}" {tail}',
                )
            if last_edit:
                self.row(
                    "PostHistory",
                    f'PostHistoryTypeId="5" PostId="{post_id}" RevisionGUID="{self.guid()}" '
                    f'CreationDate="{stamp(last_edit)}" UserId="{self.user()}" '
                    f'Comment="{esc(rnd.choice(EDIT_COMMENTS))}" Text="{esc(body_md)}" '
                    f'ContentLicense="{licence}"',
                )
            # Comments.
            if rnd.random() < COMMENT_SHARE:
                for k in range(1 + int(rnd.expovariate(1.2))):
                    text = rnd.choice(c.sentences)
                    said = created + timedelta(hours=1 + k + rnd.randrange(0, 72))
                    self.row(
                        "Comments",
                        f'PostId="{post_id}" Score="{int(rnd.expovariate(0.8))}" '
                        f'Text="{esc(text)}" '
                        f'CreationDate="{stamp(said)}" '
                        f'UserId="{self.user()}" ContentLicense="{licence}"',
                    )
            if post_id % report_every == 0:
                elapsed = time.monotonic() - started
                print(
                    f"  posts {post_id:>10,} / {self.n:,}  {post_id / elapsed:,.0f} posts/s",
                    file=sys.stderr,
                    flush=True,
                )
        for name, root in POST_FILES:
            self.close(name, root)

    def write_tags(self) -> None:
        handle = self.open("Tags", "tags")
        for i, name in enumerate(self.tag_names, start=1):
            handle.write(
                f'  <row Id="{i}" TagName="{esc(name)}" Count="{self.tag_counts[i - 1]}" />\n'
            )
        self.counts["Tags"] = len(self.tag_names)
        self.close("Tags", "tags")


def generate(outdir: Path, *, posts: int, seed: int, corpus_dir: Path = CORPUS) -> dict[str, int]:
    """Write the dump; returns row counts per file (plus plan figures)."""
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "COMPLETE").unlink(missing_ok=True)
    started = time.monotonic()
    corpus = Corpus(corpus_dir)
    rnd = Random(seed)
    plan = Plan(posts, rnd)
    questions = sum(1 for i in range(1, posts + 1) if plan.parent[i] == 0)
    answered = sum(1 for i in range(1, posts + 1) if plan.parent[i] == 0 and plan.answers[i])
    accepted = sum(1 for i in range(1, posts + 1) if plan.accepted[i])
    print(
        f"plan: {questions:,} questions, {posts - questions:,} answers, {answered:,} answered, "
        f"{accepted:,} accepted ({time.monotonic() - started:.1f}s)",
        file=sys.stderr,
    )
    writer = Writer(outdir, posts, seed, corpus)
    writer.write_users()
    writer.write_posts(plan)
    writer.write_tags()
    counts = dict(writer.counts)
    counts.update(questions=questions, answers=posts - questions, answered=answered)
    counts["accepted"] = accepted
    counts["seconds"] = round(time.monotonic() - started, 1)
    # Written last: a dump without it was interrupted (bench/import_synth.sh regenerates it).
    (outdir / "COMPLETE").write_text(f"posts={posts} seed={seed}\n", encoding="utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="real dump to learn text from")
    args = parser.parse_args()
    counts = generate(args.outdir, posts=args.posts, seed=args.seed, corpus_dir=args.corpus)
    sizes = {p.name: p.stat().st_size for p in sorted(args.outdir.glob("*.xml"))}
    print(f"wrote {args.outdir} in {counts['seconds']}s")
    for name in ("Users", "Posts", "Tags", "Votes", "PostLinks", "Comments", "PostHistory"):
        size = sizes.get(f"{name}.xml", 0) / 1e6
        print(f"  {name + '.xml':<16} {counts.get(name, 0):>10,} rows {size:>9,.1f} MB")
    print(
        f"  {counts['questions']:,} questions ({counts['answered']:,} answered, "
        f"{counts['accepted']:,} accepted), {counts['answers']:,} answers"
    )


if __name__ == "__main__":
    main()
