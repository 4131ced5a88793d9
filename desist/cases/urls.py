from django.urls import path

from desist.cases import views

app_name = "cases"

# Adding a victim to a case is safeguarding's page: its routes (cases:victim_add,
# cases:victim_link) are safeguarding.urls.case_urlpatterns, joined to these in config/urls.py
# so cases imports nothing of safeguarding (ADR 0018).

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/<int:subject_id>/", views.case_create, name="create"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/edit/", views.case_edit, name="edit"),
    path("<int:case_id>/assign/", views.case_assign, name="assign"),
    path("<int:case_id>/close/", views.case_close, name="close"),
    path("<int:case_id>/reopen/", views.case_reopen, name="reopen"),
    path("<int:case_id>/incidents/new/", views.incident_add, name="incident_add"),
]
