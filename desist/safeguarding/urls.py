from django.urls import path

from desist.safeguarding import views

app_name = "safeguarding"

urlpatterns = [
    # Public, no login: a victim refers themselves (see docs/adr/0007).
    path("refer/", views.self_refer, name="self_refer"),
    path("victims/<int:victim_id>/", views.victim_detail, name="victim"),
    path("victims/<int:victim_id>/edit/", views.victim_edit, name="victim_edit"),
    path(
        "victims/<int:victim_id>/preferences/", views.victim_preferences, name="victim_preferences"
    ),
    path("victims/<int:victim_id>/refer/", views.victim_refer, name="victim_refer"),
    path("advocacy/", views.caseload, name="caseload"),
    path("advocacy/team/", views.team, name="team"),
    path("advocacy/new/", views.case_open, name="case_open"),
    path("advocacy/<int:case_id>/", views.case_detail, name="case"),
    path(
        "advocacy/for-subject/<int:subject_id>/",
        views.case_for_subject,
        name="case_for_subject",
    ),
    path("advocacy/<int:case_id>/allocate/", views.case_allocate, name="case_allocate"),
    path("advocacy/<int:case_id>/contacts/new/", views.contact_add, name="contact_add"),
    path("advocacy/<int:case_id>/safety-plan/", views.safety_plan, name="safety_plan"),
    path(
        "advocacy/<int:case_id>/safety-plan/history/",
        views.safety_plan_history,
        name="safety_plan_history",
    ),
    path("advocacy/<int:case_id>/ratings/new/", views.rating_add, name="rating_add"),
    path("advocacy/<int:case_id>/close/", views.case_close, name="case_close"),
    path("advocacy/<int:case_id>/reopen/", views.case_reopen, name="case_reopen"),
    path("advocacy/<int:case_id>/check/", views.case_check, name="case_check"),
]

# Under /cases/ in the "cases" namespace (config/urls.py joins them to cases.urls), so the
# paths and names stay /cases/<id>/victims/new/ and cases:victim_add while cases imports
# nothing of safeguarding (ADR 0018).
case_urlpatterns = [
    path("<int:case_id>/victims/new/", views.victim_add, name="victim_add"),
    path("<int:case_id>/victims/link/", views.victim_link, name="victim_link"),
]
