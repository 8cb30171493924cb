"""Pure rules of moderation: how much a flag weighs, and what a new account may post.

Flag weighting (Beta prior)
---------------------------
Each flagger's past flags that moderators resolved are evidence of how reliable they are:
``upheld`` flags were right, ``dismissed`` ones were not. Their reliability is the mean of
a Beta(a + upheld, b + dismissed) posterior:

    weight = (upheld + a) / (upheld + dismissed + a + b)

With the prior a = b = 2 a newcomer weighs 0.5; ten upheld flags and none dismissed weigh
0.86; ten dismissed and none upheld weigh 0.14. The prior keeps a few lucky (or unlucky)
flags from swinging the weight to 0 or 1, and it costs nothing to compute. A piece of
content is hidden automatically when the open flags on it weigh at least
``MODERATION_AUTOHIDE_THRESHOLD`` (default 1.5): three newcomers, two people with a good
record, or a single moderator (whose flag counts as the whole threshold).
"""

from __future__ import annotations

import re

from django.conf import settings

PRIOR_UPHELD = 2.0
PRIOR_DISMISSED = 2.0


def flagger_weight(*, upheld: int, dismissed: int) -> float:
    return (upheld + PRIOR_UPHELD) / (upheld + dismissed + PRIOR_UPHELD + PRIOR_DISMISSED)


def autohide_threshold() -> float:
    return float(getattr(settings, "MODERATION_AUTOHIDE_THRESHOLD", 1.5))


_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def link_count(text: str) -> int:
    return len(_LINK.findall(text or ""))
