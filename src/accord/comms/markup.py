"""Message bodies: safe Markdown (ui.markup) and the @mentions written in them."""

from __future__ import annotations

import re

from accord.ui.markup import renderer

# Markdown → HTML; HTML in the input is escaped, `javascript:` links are refused
render = renderer("external")

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]+[A-Za-z0-9_])")


def mentioned_usernames(body: str) -> set[str]:
    """Usernames written as @name in a body."""
    return {m.group(1).lower() for m in MENTION_RE.finditer(body)}


def word_count(body: str) -> int:
    return len(body.split())
