from django.urls import path

from accord.library import cases, views

app_name = "library"

L = "p/<slug:slug>/library/"

urlpatterns = [
    path(f"{L}agreements/", views.agreements, name="agreements"),
    path(f"{L}agreements/view/", views.agreement, name="agreement"),
    path(f"{L}compare/", views.compare, name="compare"),
    path(f"{L}cases/", views.case_list, name="cases"),
    # one route per built-in case study: no path parameter to teach the crawl and leak suite
    *[
        path(f"{L}cases/{c.key}/", views.case_detail, {"key": c.key}, name=f"case_{c.key}")
        for c in cases.CASES
    ],
]

X = f"{L}lessons/<int:lesson_id>/"
urlpatterns += [
    path(f"{L}lessons/", views.lessons, name="lessons"),
    path(X, views.lesson, name="lesson"),
    path(f"{X}identify/", views.lesson_identify, name="lesson_identify"),
    path(f"{X}action/", views.lesson_action, name="lesson_action"),
    path(f"{X}validate/", views.lesson_validate, name="lesson_validate"),
    path(f"{X}link/", views.lesson_link, name="lesson_link"),
]
