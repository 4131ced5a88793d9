from django.urls import path

from desist.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("<int:meeting_id>/signals/", views.signal_add, name="signal_add"),
    path("<int:meeting_id>/items/new/", views.item_new, name="item_new"),
    path("<int:meeting_id>/items/<int:item_id>/", views.item_detail, name="item"),
    path("<int:meeting_id>/minutes/<str:visibility>/", views.minutes_edit, name="minutes"),
    path("<int:meeting_id>/sign/", views.meeting_sign, name="sign"),
]
