from django.urls import include, path

from desist.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/", include("desist.accounts.urls")),
    path("audit/", include("desist.audit.urls")),
    path("subjects/", include("desist.people.urls")),
    path("cases/", include("desist.cases.urls")),
    path("orders/", include("desist.orders.urls")),
    path("risk/", include("desist.risk.urls")),
    path("programme/", include("desist.programme.urls")),
    path("safeguarding/", include("desist.safeguarding.urls")),
    path("sharing/", include("desist.sharing.urls")),
    path("evaluation/", include("desist.evaluation.urls")),
    path("", include("desist.home.urls")),
]

handler403 = "desist.core.views.error_403"
handler404 = "desist.core.views.error_404"
handler500 = "desist.core.views.error_500"
