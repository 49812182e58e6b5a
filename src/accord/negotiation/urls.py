from django.urls import path

from accord.negotiation import views

app_name = "negotiation"

T = "p/<slug:slug>/negotiation/text/<int:doc_id>/"

urlpatterns = [
    path("p/<slug:slug>/negotiation/", views.workspace, name="workspace"),
    path("p/<slug:slug>/negotiation/issues/new", views.create_issue, name="create_issue"),
    path("p/<slug:slug>/negotiation/analysis/", views.analysis_list, name="analysis"),
    path(
        "p/<slug:slug>/negotiation/analysis/<int:run_id>/", views.analysis_run, name="analysis_run"
    ),
    path(T, views.text, name="text"),
    path(f"{T}compare/", views.compare, name="compare"),
    path(f"{T}amendments/", views.amendments, name="amendments"),
    path(f"{T}export/", views.export, name="export"),
    path(f"{T}sign/", views.sign, name="sign"),
    path(f"{T}reopen/", views.reopen, name="reopen"),
    path(f"{T}clauses/<int:clause_id>/stance/", views.stance, name="stance"),
    path(f"{T}clauses/<int:clause_id>/resolve/", views.resolve, name="resolve"),
    path(f"{T}clauses/<int:clause_id>/edit/", views.edit, name="edit"),
    path(f"{T}clauses/<int:clause_id>/issues/", views.link, name="link"),
]
