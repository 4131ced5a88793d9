from django.urls import path

from desist.cases import views
from desist.safeguarding import views as victim_views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/<int:subject_id>/", views.case_create, name="create"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/edit/", views.case_edit, name="edit"),
    path("<int:case_id>/close/", views.case_close, name="close"),
    path("<int:case_id>/reopen/", views.case_reopen, name="reopen"),
    path("<int:case_id>/incidents/new/", views.incident_add, name="incident_add"),
    path("<int:case_id>/victims/new/", victim_views.victim_add, name="victim_add"),
    path("<int:case_id>/victims/link/", victim_views.victim_link, name="victim_link"),
]
