"""HTML pages of this app."""

from django.http import Http404


def workspace(request, slug):
    raise Http404("not built yet")
