from django.urls import path

from desist.home import views

app_name = "core"

urlpatterns = [path("", views.home, name="home")]
