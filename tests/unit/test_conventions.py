"""Conventions every role, module and playbook of the collection must keep.

These read the repository itself, so a role added without an argument spec, a default missing
from its spec, or a module left out of its action group fails here, not in a user's run.
"""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
MODULES = sorted(p for p in (ROOT / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")
LAYERS = ["proxmox", "gpu", "baseline", "storage", "cluster", "apps", "wiring", "verify"]


def _yaml(path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _role_id(role):
    return role.name


def test_there_are_roles():
    assert ROLES, "roles/ is empty"


@pytest.mark.parametrize("role", ROLES, ids=_role_id)
def test_role_defaults_match_argument_spec(role):
    spec_file = role / "meta" / "argument_specs.yml"
    assert spec_file.is_file(), "%s has no meta/argument_specs.yml" % role.name
    options = _yaml(spec_file)["argument_specs"]["main"].get("options", {})
    defaults_file = role / "defaults" / "main.yml"
    defaults = (_yaml(defaults_file) or {}) if defaults_file.is_file() else {}
    undocumented = sorted(set(defaults) - set(options))
    assert not undocumented, "%s: defaults not in argument_specs: %s" % (role.name, undocumented)
    for name, value in defaults.items():
        spec_default = options[name].get("default")
        if isinstance(value, str) and "{{" in value:
            continue  # templated defaults are documented in prose, not as a literal
        assert spec_default == value, "%s: %s defaults to %r but argument_specs says %r" % (
            role.name, name, value, spec_default)


@pytest.mark.parametrize("role", ROLES, ids=_role_id)
def test_role_variables_are_prefixed_with_role_name(role):
    options = _yaml(role / "meta" / "argument_specs.yml")["argument_specs"]["main"].get("options", {})
    stray = [name for name in options if not name.startswith(role.name + "_")]
    assert not stray, "%s: variables must start with %s_: %s" % (role.name, role.name, stray)


@pytest.mark.parametrize("role", ROLES, ids=_role_id)
def test_role_secrets_are_no_log(role):
    options = _yaml(role / "meta" / "argument_specs.yml")["argument_specs"]["main"].get("options", {})
    secret_words = ("password", "api_key", "apikey", "token", "secret")
    loud = [name for name, spec in options.items()
            if any(w in name for w in secret_words) and spec.get("type") == "str" and not spec.get("no_log")]
    assert not loud, "%s: secret options without no_log: %s" % (role.name, loud)


def test_every_module_is_in_an_action_group():
    groups = _yaml(ROOT / "meta" / "runtime.yml").get("action_groups") or {}
    grouped = {name.split(".")[-1] for members in groups.values() for name in members}
    ungrouped = sorted(m.stem for m in MODULES if m.stem not in grouped)
    assert not ungrouped, "modules missing from meta/runtime.yml action_groups: %s" % ungrouped


def test_site_imports_every_layer_with_its_tag():
    site = _yaml(ROOT / "playbooks" / "site.yml")
    imports = [(p["ansible.builtin.import_playbook"], p.get("tags", []))
               for p in site if "ansible.builtin.import_playbook" in p]
    assert [name for name, _tags in imports] == ["%s.yml" % layer for layer in LAYERS]
    for name, tags in imports:
        assert tags == [name[:-4]], "%s must carry the tag %s" % (name, name[:-4])
        assert (ROOT / "playbooks" / name).is_file()


def test_build_ignores_test_equipment():
    ignored = set(_yaml(ROOT / "galaxy.yml")["build_ignore"])
    for path in ("tests", "molecule", "scripts", "inventory/lab", ".lab", ".venv", ".build"):
        assert path in ignored, "galaxy.yml build_ignore must list %s" % path
