from desist.people.tests.factories import case, officer, outsider, subject  # noqa: F401
