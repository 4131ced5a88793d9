from django.urls import include, path

from desist.cases import urls as case_urls
from desist.core import views as core_views
from desist.ops import metrics as ops_metrics
from desist.safeguarding import urls as safeguarding_urls

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", ops_metrics.metrics, name="metrics"),
    path("api/v1/", include("desist.api.urls")),
    path("privacy/", core_views.privacy_notice, name="privacy"),
    path("accessibility/", core_views.accessibility_statement, name="accessibility"),
    path("accounts/", include("desist.accounts.urls")),
    path("audit/", include("desist.audit.urls")),
    path("subjects/", include("desist.people.urls")),
    # Safeguarding's victim pages on a case live in the cases namespace (ADR 0018).
    path(
        "cases/",
        include((case_urls.urlpatterns + safeguarding_urls.case_urlpatterns, "cases")),
    ),
    path("orders/", include("desist.orders.urls")),
    path("risk/", include("desist.risk.urls")),
    path("programme/", include("desist.programme.urls")),
    path("safeguarding/", include("desist.safeguarding.urls")),
    path("sharing/", include("desist.sharing.urls")),
    path("evaluation/", include("desist.evaluation.urls")),
    path("retention/", include("desist.retention.urls")),
    path("subject-access/", include("desist.sar.urls")),
    path("documents/", include("desist.documents.urls")),
    path("tasks/", include("desist.tasks.urls")),
    path("reviews/", include("desist.reviews.urls")),
    path("transfers/", include("desist.transfers.urls")),
    path("webhooks/", include("desist.events.urls")),
    path("", include("desist.home.urls")),
]

handler403 = "desist.core.views.error_403"
handler404 = "desist.core.views.error_404"
handler500 = "desist.core.views.error_500"
