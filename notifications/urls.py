from django.urls import path

from notifications import views

urlpatterns = [
    path("messages/", views.notification_list, name="notifications"),
    path("messages/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("messages/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
