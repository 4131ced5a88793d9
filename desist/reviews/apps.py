from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "desist.reviews"
    label = "reviews"
    verbose_name = "Multi-agency case reviews"
    default_auto_field = "django.db.models.BigAutoField"
