"""Safe Markdown, the one renderer for text people write (message bodies, minutes): no raw HTML
ever (escaped), no remote images (they would tell a server who read what, and when), links marked
external and isolated (`rel="noopener noreferrer nofollow"`), `javascript:` links refused."""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt


def renderer(link_class: str = "external") -> Callable[[str], str]:
    """A Markdown → HTML function whose links carry `link_class`."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image"])

    def link_open(self, tokens, idx, options, env):
        tok = tokens[idx]
        tok.attrSet("rel", "noopener noreferrer nofollow")
        tok.attrSet("class", link_class)
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return lambda body: md.render(body or "")
