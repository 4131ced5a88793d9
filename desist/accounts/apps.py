from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "desist.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from desist.accounts import checks, services

        # checks registers the deploy checks; services imports sso_models, which registers
        # the single sign-on models (kept in their own module, see sso_models).
        del checks

        post_migrate.connect(services.roles_sync_after_migrate, sender=self)
        services.connect_auth_audit()
