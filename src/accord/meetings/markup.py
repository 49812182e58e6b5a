"""Safe Markdown for minutes, configured like comms' message bodies: no raw HTML ever, no
remote images (they would tell a server who read the minutes, and when), links marked external."""

from __future__ import annotations

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["image"])


def _link_open(self, tokens, idx, options, env):
    tok = tokens[idx]
    tok.attrSet("rel", "noopener noreferrer nofollow")
    tok.attrSet("class", "external usa-link")
    return self.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)


def render(body: str) -> str:
    """Markdown → HTML; HTML in the input is escaped, `javascript:` links are refused."""
    return _md.render(body or "")
