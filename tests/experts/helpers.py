from __future__ import annotations

from forum import services as forum


def solved_question(*, asker, answerer, category, title="Printer blinks orange again", tags=None):
    thread = forum.thread_create(
        author=asker,
        category=category,
        title=title,
        body="It blinks orange and will not print anything at all.",
        tags=tags or [],
    )
    post = forum.answer_create(thread=thread, author=answerer, body="Replace the ink cartridge.")
    forum.answer_accept(thread=thread, post=post, actor=asker)
    return thread, post
