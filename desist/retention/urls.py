from django.urls import path

from desist.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("schedule/", views.schedule, name="schedule"),
    path("<int:review_id>/", views.review, name="review"),
    path("<int:review_id>/dispose/", views.dispose, name="dispose"),
    path("<int:review_id>/hold/", views.hold, name="hold"),
]
