"""Minutes in safe Markdown: the one renderer (ui.markup), links styled as USWDS links."""

from __future__ import annotations

from accord.ui.markup import renderer

render = renderer("external usa-link")
