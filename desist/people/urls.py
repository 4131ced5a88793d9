from django.urls import path

from desist.people import views

app_name = "people"

urlpatterns = [
    path("", views.subject_list, name="list"),
    path("new/", views.subject_create, name="create"),
    path("search/", views.subject_search, name="search"),
    path("<int:subject_id>/", views.subject_detail, name="detail"),
    path("<int:subject_id>/edit/", views.subject_edit, name="edit"),
    path("<int:subject_id>/aliases/new/", views.alias_add, name="alias_add"),
    path("<int:subject_id>/addresses/new/", views.address_add, name="address_add"),
    path("<int:subject_id>/intervention/", views.intervention_decision, name="intervention"),
]
