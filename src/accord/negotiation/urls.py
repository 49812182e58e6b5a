from django.urls import path

from accord.negotiation import views

app_name = "negotiation"

T = "p/<slug:slug>/negotiation/text/<int:doc_id>/"
ISSUE = "p/<slug:slug>/negotiation/issues/<int:issue_id>/"

urlpatterns = [
    path("p/<slug:slug>/negotiation/", views.workspace, name="workspace"),
    path("p/<slug:slug>/negotiation/issues/new", views.create_issue, name="create_issue"),
    path(f"{ISSUE}", views.issue, name="issue"),
    path(f"{ISSUE}row/", views.issue_row, name="issue_row"),
    path(f"{ISSUE}status/", views.issue_status, name="issue_status"),
    path(f"{ISSUE}position/", views.state_position, name="state_position"),
    path(f"{ISSUE}position/withdraw/", views.withdraw_position, name="withdraw_position"),
    path(f"{ISSUE}releases/", views.release_position, name="release_position"),
    path(f"{ISSUE}releases/withdraw/", views.withdraw_release, name="withdraw_release"),
    path("p/<slug:slug>/negotiation/text/new", views.create_document, name="create_document"),
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
    path(f"{T}clauses/<int:clause_id>/delete/", views.delete_clause, name="delete_clause"),
    path(f"{T}clauses/<int:clause_id>/amend/", views.amend, name="amend"),
    path(f"{T}clauses/<int:clause_id>/comment/", views.comment, name="comment"),
    path(f"{T}clauses/new", views.add_clause, name="add_clause"),
    path(f"{T}articles/new", views.add_article, name="add_article"),
]
