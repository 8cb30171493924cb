"""bench/se_synth_dump.py's dumps import cleanly, idempotently and resumably.

The generator is what the 1M-post benchmark imports; these tests run it at 1,200 posts
(enough for the sanitizing process pool, which starts at 1,000 posts, to be used).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.db.models import Count, Q, Sum

from forum.importers.stackexchange import stackexchange_import
from forum.models import Post, PostComment, Revision, Thread, ThreadStatus
from tests.importers.conftest import BEER_DUMP

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not BEER_DUMP.is_dir(), reason="the generator learns from the beer dump"),
]

POSTS = 1_200


def _generator():
    path = Path(__file__).resolve().parents[2] / "bench" / "se_synth_dump.py"
    spec = importlib.util.spec_from_file_location("se_synth_dump", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("se_synth_dump", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    directory = tmp_path_factory.mktemp("synth") / "synth.stackexchange.com"
    counts = _generator().generate(directory, posts=POSTS, seed=3)
    return directory, counts


def site_summary(site: str) -> dict[str, object]:
    threads = Thread.objects.filter(external_ref__startswith=f"se:{site}:")
    agg = threads.aggregate(
        n=Count("id"),
        solved=Count("id", filter=Q(status=ThreadStatus.SOLVED)),
        answered=Count("id", filter=Q(status=ThreadStatus.ANSWERED)),
        duplicates=Count("id", filter=Q(duplicate_of__isnull=False)),
        answers=Sum("answer_count"),
        score=Sum("score"),
    )
    posts = Post.objects.filter(thread__in=threads)
    agg["posts"] = posts.count()
    agg["accepted"] = posts.filter(is_accepted=True).count()
    agg["bodies"] = sorted(posts.values_list("body_html", flat=True))[:50]
    agg["revisions"] = Revision.objects.filter(thread__in=threads).count()
    agg["comments"] = PostComment.objects.filter(thread__in=threads).count()
    return agg


def test_a_generated_dump_has_the_shapes_asked_for(synth):
    directory, counts = synth

    assert counts["Posts"] == POSTS
    assert 0.25 < counts["questions"] / POSTS < 0.35
    assert 0.45 < counts["accepted"] / counts["answered"] < 0.65
    assert counts["PostLinks"] > 0 and counts["Comments"] > 0
    assert counts["PostHistory"] >= POSTS + 2 * counts["questions"]
    assert (directory / "COMPLETE").read_text() == f"posts={POSTS} seed=3\n"


def test_the_generator_is_deterministic_for_a_seed(synth, tmp_path):
    directory, _ = synth
    again = tmp_path / "synth.stackexchange.com"
    _generator().generate(again, posts=POSTS, seed=3)

    for name in ("Posts.xml", "Votes.xml", "PostHistory.xml", "Users.xml"):
        assert (again / name).read_bytes() == (directory / name).read_bytes()


def test_a_generated_dump_imports_without_skipping_anything_and_twice_changes_nothing(synth):
    directory, counts = synth
    report = stackexchange_import(directory=directory)

    assert dict(report.skipped) == {}
    assert report.imported["questions"] == counts["questions"]
    assert report.imported["answers"] == counts["answers"]
    assert report.imported["acceptances"] == counts["accepted"]
    summary = site_summary("synth.stackexchange.com")
    assert summary["solved"] == counts["accepted"]
    assert summary["answers"] == counts["answers"]
    assert summary["comments"] == counts["Comments"]
    assert summary["duplicates"] > 0
    threads = list(Thread.objects.order_by("id").values())

    again = stackexchange_import(directory=directory)

    assert sum(again.imported.values()) == 0
    assert site_summary("synth.stackexchange.com") == summary
    assert list(Thread.objects.order_by("id").values()) == threads


def test_an_interrupted_import_resumes_to_what_an_uninterrupted_one_gives(synth, tmp_path):
    directory, _ = synth
    # The same dump under two site names: one imported in one go and sanitized in this
    # process, the other through the process pool, stopped mid-posts and run again.
    whole = tmp_path / "whole.stackexchange.com"
    halves = tmp_path / "halves.stackexchange.com"
    for target in (whole, halves):
        target.mkdir()
        for source in directory.glob("*.xml"):
            (target / source.name).symlink_to(source)
    stackexchange_import(directory=whole, workers=0)

    def interrupt_midway(rows, desc, total):
        for n, row in enumerate(rows):
            if desc == "Posts.xml" and n == POSTS // 2:
                raise KeyboardInterrupt
            yield row

    with pytest.raises(KeyboardInterrupt):
        stackexchange_import(directory=halves, progress=interrupt_midway, workers=2)
    assert Post.objects.filter(external_ref__startswith="se:halves.").count() > 0
    stackexchange_import(directory=halves, workers=2)

    assert site_summary("halves.stackexchange.com") == site_summary("whole.stackexchange.com")
