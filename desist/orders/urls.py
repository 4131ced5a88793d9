from django.urls import path

from desist.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("workflow/", views.workflow_diagram, name="workflow"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("new/<int:subject_id>/", views.order_apply, name="apply"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("<int:order_id>/edit/", views.order_edit, name="edit"),
    path("<int:order_id>/hearings/new/", views.hearing_add, name="hearing_add"),
    path("<int:order_id>/interim/", views.make_interim, name="make_interim"),
    path("<int:order_id>/full/", views.make_full, name="make_full"),
    path("<int:order_id>/refuse/", views.refuse, name="refuse"),
    path("<int:order_id>/assign/", views.assign, name="assign"),
    path("<int:order_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:order_id>/serve/", views.serve, name="serve"),
    path("<int:order_id>/expire/", views.expire, name="expire"),
    path("<int:order_id>/circulate/", views.circulate, name="circulate"),
    path("<int:order_id>/terms/new/", views.term_add, name="term_add"),
    path("<int:order_id>/terms/<int:term_id>/vary/", views.term_vary, name="term_vary"),
    path("<int:order_id>/terms/<int:term_id>/end/", views.term_end, name="term_end"),
    path("<int:order_id>/terms/<int:term_id>/correct/", views.term_correct, name="term_correct"),
    path("<int:order_id>/dates/correct/", views.dates_correct, name="dates_correct"),
    path("<int:order_id>/events/<str:kind>/new/", views.event_add, name="event_add"),
    path(
        "<int:order_id>/notifications/change/",
        views.notification_change,
        name="notification_change",
    ),
    path(
        "<int:order_id>/notifications/<int:notification_id>/received/",
        views.notification_received,
        name="notification_received",
    ),
    path(
        "<int:order_id>/notifications/<int:notification_id>/acknowledged/",
        views.notification_acknowledged,
        name="notification_acknowledged",
    ),
    path("<int:order_id>/breaches/new/", views.breach_add, name="breach_add"),
    path("<int:order_id>/victim-updates/new/", views.victim_update_add, name="victim_update_add"),
    path(
        "<int:order_id>/breaches/<int:breach_id>/outcome/",
        views.breach_outcome,
        name="breach_outcome",
    ),
]
