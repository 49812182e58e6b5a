"""HTML pages of this app."""

from django.http import Http404


def channels(request, slug):
    raise Http404("not built yet")
