"""What a notification is about. Other apps pass these to ``notification_send``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ANSWER_ON_MY_QUESTION = "answer_on_my_question", _("New answer to my question")
    MY_ANSWER_ACCEPTED = "my_answer_accepted", _("My answer was accepted")
    MY_ANSWER_UNACCEPTED = "my_answer_unaccepted", _("My answer is no longer accepted")
    MENTION = "mention", _("Someone mentioned me")
    WATCHED_THREAD_ANSWER = "watched_thread_answer", _("Activity in a question or category I watch")
    ROUTED_QUESTION = "routed_question", _("A question that fits my expertise")
    REWARD_UPDATE = "reward_update", _("Rewards")
    PAYOUT_UPDATE = "payout_update", _("Payouts")
    ESCALATION_UPDATE = "escalation_update", _("Staff help requests")
    ACCEPT_REMINDER = "accept_reminder", _("Reminder to accept an answer")


# One line per kind, shown in the list and used as the e-mail subject; ``%(title)s`` is the
# ``title`` given to notification_send (usually the thread title). Kept as lazy strings so
# each recipient gets their own language when rendered under translation.override().
KIND_MESSAGES: dict[str, str] = {
    Kind.ANSWER_ON_MY_QUESTION: _("New answer to your question “%(title)s”"),
    Kind.MY_ANSWER_ACCEPTED: _("Your answer to “%(title)s” was accepted"),
    Kind.MY_ANSWER_UNACCEPTED: _("Your answer to “%(title)s” is no longer accepted"),
    Kind.MENTION: _("You were mentioned in “%(title)s”"),
    Kind.WATCHED_THREAD_ANSWER: _("New activity in “%(title)s”"),
    Kind.ROUTED_QUESTION: _("A question you may be able to answer: “%(title)s”"),
    Kind.REWARD_UPDATE: _("Reward update: %(title)s"),
    Kind.PAYOUT_UPDATE: _("Payout update: %(title)s"),
    Kind.ESCALATION_UPDATE: _("Staff help update: %(title)s"),
    Kind.ACCEPT_REMINDER: _("Did an answer solve “%(title)s”? Please accept it"),
}

# Kinds whose e-mail carries a reply-by-mail address (an answer in the thread).
REPLYABLE_KINDS = frozenset(
    {Kind.ANSWER_ON_MY_QUESTION, Kind.MENTION, Kind.WATCHED_THREAD_ANSWER, Kind.ROUTED_QUESTION}
)


def kind_message(kind: str, title: str) -> str:
    """The one-line message for ``kind`` in the active language."""
    template = KIND_MESSAGES.get(kind)
    if template is None:
        return title
    return str(template) % {"title": title}
