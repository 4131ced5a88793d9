from django.urls import path

from desist.transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("new/<int:subject_id>/", views.transfer_propose, name="propose"),
    path("<int:transfer_id>/", views.transfer_detail, name="detail"),
    path("<int:transfer_id>/accept/", views.transfer_accept, name="accept"),
    path("<int:transfer_id>/decline/", views.transfer_decline, name="decline"),
    path("<int:transfer_id>/withdraw/", views.transfer_withdraw, name="withdraw"),
]
