from django.urls import path

from accord.meetings import views

app_name = "meetings"

B = "p/<slug:slug>/meetings/"
M = B + "<int:meeting_id>/"

P = "p/<slug:slug>/"

urlpatterns = [
    path(f"{P}concerns/", views.concern_list, name="concerns"),
    path(f"{P}concerns/<int:concern_id>/", views.concern_page, name="concern"),
    path(f"{P}disputes/", views.dispute_list, name="disputes"),
    path(f"{P}disputes/<int:dispute_id>/", views.dispute_page, name="dispute"),
    path(f"{P}disputes/procedures/", views.procedures_page, name="procedures"),
    path(f"{P}engagement/", views.engagement_page, name="engagement"),
    path(B, views.meeting_list, name="list"),
    path(f"{B}new/", views.meeting_new, name="new"),
    path(f"{B}calendar/", views.calendar_feed, name="calendar"),
    path(f"{B}actions/", views.my_actions, name="my_actions"),
    path(M, views.meeting_detail, name="detail"),
    path(f"{M}edit/", views.meeting_edit, name="edit"),
    path(f"{M}agenda/", views.agenda, name="agenda"),
    path(f"{M}attendance/", views.attendance, name="attendance"),
    path(f"{M}actions/", views.actions, name="actions"),
    path(f"{M}decisions/", views.decision_new, name="decision_new"),
    path(f"{M}decisions/<int:decision_id>/", views.decision_page, name="decision"),
    # the decision record to print or download: one name, the format in the address
    path(
        f"{M}decisions/<int:decision_id>/export.html",
        views.decision_export,
        {"fmt": "html"},
        name="decision_export",
    ),
    path(
        f"{M}decisions/<int:decision_id>/export.pdf",
        views.decision_export,
        {"fmt": "pdf"},
        name="decision_export",
    ),
    path(f"{M}items/<int:agenda_item_id>/speakers/", views.speakers, name="speakers"),
    path(f"{M}minutes/", views.minutes_new, name="minutes_new"),
    path(f"{M}polls/", views.poll_list, name="polls"),
    path(f"{M}polls/<int:poll_id>/", views.poll_page, name="poll"),
    path(f"{M}minutes/<int:minutes_id>/", views.minutes_page, name="minutes"),
]
