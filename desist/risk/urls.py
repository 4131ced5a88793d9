from django.urls import path

from desist.risk import views

app_name = "risk"

urlpatterns = [
    path("instruments/", views.instrument_list, name="instruments"),
    path("instruments/load/", views.instrument_load, name="instrument_load"),
    path("instruments/<int:instrument_id>/", views.instrument_detail, name="instrument"),
    path("reviews/", views.reviews, name="reviews"),
    path("subjects/<int:subject_id>/", views.subject_history, name="subject"),
    path("subjects/<int:subject_id>/assess/", views.assess_choose, name="assess"),
    path(
        "subjects/<int:subject_id>/assess/<int:instrument_id>/",
        views.assess_form,
        name="assess_form",
    ),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment"),
]
