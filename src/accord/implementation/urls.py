from django.urls import path

from accord.implementation import views

app_name = "implementation"

P = "p/<slug:slug>/implementation/"
A = P + "agreements/<int:agreement_id>/"
C = P + "commitments/<int:commitment_id>/"

urlpatterns = [
    path(P, views.agreement_list, name="agreements"),
    path(A, views.agreement_detail, name="agreement"),
    path(f"{A}anchors/", views.add_anchor, name="agreement_add_anchor"),
    path(f"{A}anchors/date/", views.set_anchor, name="agreement_set_anchor"),
    path(f"{A}provisions/", views.add_provision, name="agreement_add_provision"),
    path(f"{A}commitments/", views.add_commitment, name="agreement_add_commitment"),
    path(
        f"{A}proposals/<int:deadline_proposal_id>/",
        views.confirm_proposal,
        name="agreement_proposal",
    ),
    path(f"{A}scores/", views.agreement_scores, name="agreement_scores"),
    path(f"{P}commitments/", views.commitment_list, name="commitments"),
    path(C, views.commitment_detail, name="commitment"),
    path(f"{C}reports/", views.commitment_report, name="commitment_report"),
    path(f"{C}attachments/", views.commitment_attach, name="commitment_attach"),
    path(
        f"{C}reports/<int:report_id>/attachments/<int:report_attachment_id>/",
        views.report_attachment,
        name="report_attachment",
    ),
    path(f"{P}violations/", views.violation_list, name="violations"),
    path(f"{P}violations/<int:violation_id>/", views.violation_detail, name="violation"),
    path(
        f"{P}violations/<int:violation_id>/attachments/",
        views.violation_attach,
        name="violation_attach",
    ),
    path(
        f"{P}violations/<int:violation_id>/attachments/<int:step_attachment_id>/",
        views.step_attachment,
        name="step_attachment",
    ),
    path(f"{A}report.html", views.agreement_report, {"fmt": "html"}, name="agreement_report"),
    path(f"{A}report.pdf", views.agreement_report, {"fmt": "pdf"}, name="agreement_report_pdf"),
    path(f"{C}responsible/", views.commitment_assign, name="commitment_assign"),
    path(f"{C}recurrence/", views.commitment_recurrence, name="commitment_recurrence"),
]
