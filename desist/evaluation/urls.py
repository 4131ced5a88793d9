from django.urls import path

from desist.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("subjects/<int:subject_id>/outcomes/", views.outcomes, name="outcomes"),
    path("subjects/<int:subject_id>/outcomes/add/", views.offence_add, name="offence_add"),
    path(
        "subjects/<int:subject_id>/outcomes/<int:offence_id>/",
        views.offence_edit,
        name="offence_edit",
    ),
    path("report/", views.report, name="report"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:run_id>/report.csv", views.run_csv, name="run_csv"),
    path("runs/<int:run_id>/report.pdf", views.run_pdf, name="run_pdf"),
    path("extract/", views.extract_page, name="extract"),
    path("extract/people.csv", views.extract_people, name="extract_people"),
    path("extract/aggregates.csv", views.extract_aggregates, name="extract_aggregates"),
    path("extract/dictionary.csv", views.extract_dictionary, name="extract_dictionary"),
    path("oversight/", views.oversight, name="oversight"),
    path("oversight/findings/add/", views.finding_add, name="finding_add"),
    path("oversight/findings/<int:finding_id>/", views.finding_edit, name="finding_edit"),
    path("programme/", views.programme_dashboard, name="programme_dashboard"),
]
