from django.urls import path

from desist.programme import views

app_name = "programme"

urlpatterns = [
    path("", views.referral_list, name="referrals"),
    path("workflow/", views.workflow_diagram, name="workflow"),
    path("engagement/", views.engagement, name="engagement"),
    path("waiting-list/", views.waiting_list, name="waiting_list"),
    path("my-work/", views.work, name="work"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/<int:user_id>/", views.supervision_log, name="supervision_log"),
    path("settings/", views.programme_list, name="settings"),
    path("settings/new/", views.programme_create, name="settings_new"),
    path("settings/<int:programme_id>/", views.programme_detail, name="settings_detail"),
    path("settings/<int:programme_id>/edit/", views.programme_edit, name="settings_edit"),
    path("settings/<int:programme_id>/plan/", views.programme_plan, name="settings_plan"),
    path("settings/<int:programme_id>/spending/", views.spending, name="spending"),
    path("settings/<int:programme_id>/spending/new/", views.spending_record, name="spending_new"),
    path(
        "spending/<int:expenditure_id>/withdraw/",
        views.spending_withdraw,
        name="spending_withdraw",
    ),
    path("put-forward/<int:subject_id>/", views.put_forward, name="put_forward"),
    path("<int:referral_id>/", views.referral_detail, name="referral"),
    path("<int:referral_id>/assess/", views.referral_assess, name="assess"),
    path("<int:referral_id>/change/<str:target>/", views.referral_change, name="change"),
    path("<int:referral_id>/sessions/new/", views.session_schedule, name="schedule"),
    path("<int:referral_id>/sessions/series/", views.session_series, name="series"),
    path("<int:referral_id>/measures/new/", views.measure_record, name="measure"),
    path("<int:referral_id>/end-report/", views.end_report, name="end_report"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path("sessions/<int:session_id>/attendance/", views.session_attendance, name="attendance"),
    path("sessions/<int:session_id>/delivery/", views.session_delivery, name="delivery"),
    path("sessions/<int:session_id>/notes/", views.session_notes, name="notes"),
    path("sessions/<int:session_id>/concern/", views.session_concern, name="concern"),
    path("sessions/<int:session_id>/reschedule/", views.session_reschedule, name="reschedule"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="cancel"),
    path("sessions/<int:session_id>/review/", views.session_review, name="review"),
    path("calendar/", views.calendar_week, name="calendar"),
    path("calendar/feed/", views.calendar_feed_settings, name="calendar_feed"),
    path("calendar/<str:token>.ics", views.calendar_ics, name="calendar_ics"),
]
