from django.urls import path

from accord.consult import views

app_name = "consult"

C = "p/<slug:slug>/consultations/<int:consultation_id>/"

urlpatterns = [
    path("p/<slug:slug>/consultations/", views.consultation_list, name="list"),
    path(C, views.consultation_detail, name="detail"),
    path(f"{C}statements/", views.add_statement, name="add_statement"),
    path(f"{C}statements/<int:statement_id>/vote/", views.vote, name="vote"),
    path(f"{C}close/", views.close, name="close"),
    path(f"{C}import/", views.import_votes, name="import"),
]
