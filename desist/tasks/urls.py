from django.urls import path

from desist.tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("new/", views.task_new, name="new"),
    path("new/<str:kind>/<int:record_id>/", views.task_new, name="new_on"),
    path("workload/", views.workload, name="workload"),
    path("<int:task_id>/", views.task_detail, name="detail"),
    path("<int:task_id>/complete/", views.task_complete, name="complete"),
    path("<int:task_id>/cancel/", views.task_cancel, name="cancel"),
]
