from django.urls import path

from accord.verification import views

app_name = "verification"

V = "p/<slug:slug>/verification/"

urlpatterns = [
    path(f"{V}claims/", views.claim_list, name="claims"),
    path(f"{V}claims/new/", views.claim_new, name="claim_new"),
    path(f"{V}claims/<int:claim_id>/", views.claim_detail, name="claim"),
    path(f"{V}claims/<int:claim_id>/assess/", views.claim_assess, name="claim_assess"),
    path(f"{V}claims/<int:claim_id>/sources/", views.claim_add_source, name="claim_add_source"),
    path(
        f"{V}claims/<int:claim_id>/evidence/", views.claim_add_evidence, name="claim_evidence_add"
    ),
    path(
        f"{V}claims/<int:claim_id>/evidence/<int:evidence_id>/",
        views.claim_evidence,
        name="claim_evidence",
    ),
    path(f"{V}claims/<int:claim_id>/concerns/", views.claim_link, name="claim_link"),
    path(
        f"{V}claims/<int:claim_id>/report.html",
        views.claim_report,
        {"fmt": "html"},
        name="claim_report",
    ),
    path(
        f"{V}claims/<int:claim_id>/report.pdf",
        views.claim_report,
        {"fmt": "pdf"},
        name="claim_report_pdf",
    ),
    path(f"{V}sources/", views.source_list, name="sources"),
    path(f"{V}sources/<int:source_id>/", views.source_detail, name="source"),
    path(f"{V}sources/<int:source_id>/rate/", views.source_rate, name="source_rate"),
    path(f"{V}techniques/", views.techniques, name="techniques"),
    path(f"{V}lines/", views.line_list, name="lines"),
    path(f"{V}lines/<int:publicline_id>/", views.line_detail, name="line"),
    path(f"{V}lines/<int:publicline_id>/respond/", views.line_respond, name="line_respond"),
    path(f"{V}lines/<int:publicline_id>/publish/", views.line_publish, name="line_publish"),
    path(f"{V}lines/<int:publicline_id>/revise/", views.line_revise, name="line_revise"),
    path(f"{V}public/", views.public_page, name="public"),
    path(f"{V}tracker/", views.tracker, name="tracker"),
]
