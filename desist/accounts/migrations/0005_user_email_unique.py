# One e-mail address (in any case), one account: password reset and single sign-on find a
# person by address. A database that already holds two accounts with one address stops here
# with a readable message (fix them with the account pages, then migrate again).

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Lower


def refuse_duplicates(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    shared = (
        User.objects.exclude(email="")
        .values(low=Lower("email"))
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    if shared:
        raise RuntimeError(
            f"{shared} e-mail address(es) are used by more than one account. Give each account "
            "its own address (or none), then run the migration again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_single_sign_on"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0004_organisation_retirement"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email", ""), _negated=True),
                name="accounts_user_email_ci_unique",
            ),
        ),
    ]
