"""The label banner: every HTML page shows, top and bottom, the highest label on that page.

Badges rendered through `{% label_badge %}` register their label on the request; once the page
is rendered, the combined label (highest level, ∩ REL TO, ∪ caveats) replaces the placeholder.
Pages that show no labelled data get the process's lowest level.
"""

from __future__ import annotations

from django.utils.html import format_html

from accord.core.labels import DEFAULT_COLOURS, DEFAULT_LEVELS, LabelValue, combine

PLACEHOLDER = b"<!--accord-banner-->"


def note_label(request, label: LabelValue, process=None) -> None:
    labels = getattr(request, "_accord_labels", None)
    if labels is None:
        labels = request._accord_labels = []
    labels.append(label)
    if process is not None:
        request._accord_process = process


def page_label(request) -> LabelValue:
    return combine(getattr(request, "_accord_labels", []))


def banner_html(request) -> str:
    value = page_label(request)
    proc = getattr(request, "_accord_process", None)
    names = proc.level_names if proc else DEFAULT_LEVELS
    colours = proc.level_colours if proc else DEFAULT_COLOURS
    colour = colours[min(value.level, len(colours) - 1)]
    # data-rel-to ("*" = all parties) and data-caveats let a live page ask the server for the
    # combined banner when stricter data arrives (comms channel page), without label logic in JS
    return format_html(
        '<div class="banner" role="note" aria-label="classification of this page" '
        'style="--label-colour:{}" data-level="{}" data-rel-to="{}" data-caveats="{}">{}</div>',
        colour,
        value.level,
        "*" if value.rel_to is None else " ".join(sorted(value.rel_to)),
        " ".join(sorted(value.caveats)),
        value.display(names),
    )


class LabelBannerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "streaming", False)
            and PLACEHOLDER in response.content
        ):
            response.content = response.content.replace(PLACEHOLDER, banner_html(request).encode())
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
