"""Function-local imports of desist.* need an allow-list entry with a reason, and the list
keeps no entry for an import that has gone (docs/architecture.md, "Floors")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.local_imports import function_local_imports
from tests.architecture.local_imports_allowlist import ALLOWED


def test_every_function_local_import_is_allowed_with_a_reason() -> None:
    new = sorted(function_local_imports() - set(ALLOWED))
    assert not new, (
        "Function-local imports of desist.* dodge the floors rule. Import at the top of the "
        "module, register with the lower floor in AppConfig.ready(), or (debt) add the entry "
        "with its reason to tests/architecture/local_imports_allowlist.py:\n" + "\n".join(new)
    )


def test_the_allow_list_has_no_stale_entries() -> None:
    stale = sorted(set(ALLOWED) - function_local_imports())
    assert not stale, "Remove these entries: the imports have gone:\n" + "\n".join(stale)


def test_every_entry_gives_a_reason() -> None:
    assert all(len(reason.split()) >= 5 for reason in ALLOWED.values())


def test_the_finder_sees_imports_inside_functions_and_methods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The finder must not miss the forms it is meant to catch (nor count top-level imports).
    from tests.architecture import local_imports

    pkg = tmp_path / "desist" / "app"
    pkg.mkdir(parents=True)
    (tmp_path / "desist" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "other.py").write_text("")
    (pkg / "mod.py").write_text(
        "from desist.app import other\n"
        "def f():\n"
        "    from desist.app import other\n"
        "class C:\n"
        "    def m(self):\n"
        "        import desist.app.other\n"
        "        async def inner():\n"
        "            from .other import x\n"
    )
    monkeypatch.setattr(local_imports, "ROOT", tmp_path)
    monkeypatch.setattr(local_imports, "PACKAGE", tmp_path / "desist")
    assert local_imports.function_local_imports() == {
        "desist.app.mod:f -> desist.app.other",
        "desist.app.mod:C.m -> desist.app.other",
        "desist.app.mod:C.m.inner -> desist.app.other",
    }
