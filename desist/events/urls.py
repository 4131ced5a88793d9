from django.urls import path

from desist.events import views

app_name = "events"

urlpatterns = [
    path("", views.subscription_list, name="subscriptions"),
    path("new/", views.subscription_new, name="subscription_new"),
    path("<int:subscription_id>/", views.subscription_detail, name="subscription"),
    path("<int:subscription_id>/secret/", views.subscription_secret, name="subscription_secret"),
    path("<int:subscription_id>/rotate/", views.subscription_rotate, name="subscription_rotate"),
    path("<int:subscription_id>/status/", views.subscription_status, name="subscription_status"),
    path(
        "<int:subscription_id>/events/<int:event_id>/send-again/",
        views.event_redeliver,
        name="event_redeliver",
    ),
]
