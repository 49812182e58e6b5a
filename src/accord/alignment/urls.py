from django.urls import path

from accord.alignment import views

app_name = "alignment"

P = "p/<slug:slug>/alignment/"

urlpatterns = [
    path(f"{P}actions/", views.actions, name="actions"),
    path(f"{P}actions/<int:action_id>/", views.action, name="action"),
    path(f"{P}actions/<int:action_id>/state/", views.action_state, name="action_state"),
    path(f"{P}constraints/", views.constraints, name="constraints"),
    path(f"{P}constraints/<int:constraint_id>/", views.constraint, name="constraint"),
    path(
        f"{P}constraints/<int:constraint_id>/acknowledge/", views.acknowledge, name="constraint_ack"
    ),
    path(
        f"{P}constraints/<int:constraint_id>/version/", views.new_version, name="constraint_version"
    ),
    path(
        f"{P}constraints/<int:constraint_id>/source-reviewed/",
        views.source_reviewed,
        name="constraint_source_reviewed",
    ),
    path(f"{P}map/", views.map_page, name="map"),
    path(f"{P}map/data.json", views.map_data, name="map_data"),
    path(f"{P}matrix/", views.matrix, name="matrix"),
    path(f"{P}notifications/", views.notifications, name="notifications"),
    path(
        f"{P}notifications/<int:notification_id>/acknowledge/",
        views.notification_ack,
        name="notification_ack",
    ),
]
