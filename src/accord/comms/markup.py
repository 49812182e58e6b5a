"""Safe Markdown for message bodies: no raw HTML ever, external links marked and isolated."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["image"])  # no remote images: they would leak who read what, and when


def _link_open(self, tokens, idx, options, env):
    tok = tokens[idx]
    tok.attrSet("rel", "noopener noreferrer nofollow")
    tok.attrSet("class", "external")
    return self.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]+[A-Za-z0-9_])")


def render(body: str) -> str:
    """Markdown → HTML; HTML in the input is escaped, `javascript:` links are refused."""
    return _md.render(body)


def mentioned_usernames(body: str) -> set[str]:
    """Usernames written as @name in a body."""
    return {m.group(1).lower() for m in MENTION_RE.finditer(body)}


def word_count(body: str) -> int:
    return len(body.split())
