"""The stand-ins under tests/standins/ share nothing with the code they test.

A stand-in written from the same understanding as a module agrees with the module where the
module is wrong. So no file under tests/standins/ may import from plugins/ or roles/ (or read
their files), and no stand-in may hold a rule table that plugins/ or roles/ also hold: a literal
list, tuple, set or dict-key set of three or more constants with the same members, or the same
regular expression (a dict counts when it is a lookup table, every value a literal; in YAML only
lists of scalars count, mapping keys being task structure). Upstream facts that both sides need
are written down in each in its own form (for example a stand-in keeps an upstream enum as
(name, number) pairs).
"""

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

# Names both sides must spell as upstream does, which are identities, not rules: who the apps
# are, how PVE spells a boolean, the API's own route and key names. Each entry says where upstream
# defines it. A rule (what is allowed, what changes what) never belongs here.
VOCABULARY = {
    frozenset(["sonarr", "radarr", "lidarr"]): "the apps' names (their repositories)",
    frozenset(["sonarr", "radarr", "lidarr", "prowlarr"]): "the apps' names (their repositories)",
    frozenset(["downloadclient", "host", "indexer", "mediamanagement", "naming", "ui"]):
        "Sonarr's /api/v3/config/<name> routes (src/Sonarr.Api.V3/Config/*ConfigController.cs)",
    frozenset(["1", "on", "true", "yes"]): "pve-common JSONSchema.pm parse_boolean: ^(1|on|yes|true)$",
    frozenset(["0", "false", "no", "off"]): "pve-common JSONSchema.pm parse_boolean: ^(0|off|no|false)$",
    frozenset(["artist", "movie", "photo", "show"]): "Plex library section types (PMS API /library/sections type)",
}
VOCABULARY_REGEXES = {
    r"^[a-z0-9-]+$": "Radarr/Prowlarr tag label rule, upstream's own pattern (TagController validators)",
    r"^hostpci\d+$": "qemu-server key names hostpci[n]",
    r"^dev\d+$": "pve-container key names dev[n]",
    r"^net\d+$": "qemu-server/pve-container key names net[n]",
    r"^usb\d+$": "qemu-server key names usb[n]",
    r"^(mp\d+|rootfs)$": "pve-container volume keys mp[n] and rootfs",
    r"^(scsi|virtio|sata|ide)\d+$": "qemu-server drive keys",
}
STANDINS = ROOT / "tests" / "standins"
CODE = [ROOT / "plugins", ROOT / "roles"]
MIN_MEMBERS = 3


def _constant_members(node):
    """The members of a literal collection of constants, or None."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        elts = node.elts
    elif isinstance(node, ast.Dict):
        # a lookup table (every value a literal), not a request or answer built from variables
        if not all(isinstance(v, (ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set)) for v in node.values):
            return None
        elts = [k for k in node.keys if k is not None]
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set", "tuple", "list")
          and len(node.args) == 1):
        return _constant_members(node.args[0])
    else:
        return None
    if len(elts) < MIN_MEMBERS or not all(isinstance(e, ast.Constant) and isinstance(e.value, (str, int, float)) for e in elts):
        return None
    return frozenset(e.value for e in elts)


def _regexes(tree):
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("compile", "match", "fullmatch", "search")
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def python_tables(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    tables = set()
    for node in ast.walk(tree):
        members = _constant_members(node)
        if members is not None:
            tables.add(members)
    return tables, _regexes(tree)


def yaml_tables(path):
    tables = set()

    def walk(value):
        if isinstance(value, list):
            if len(value) >= MIN_MEMBERS and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
                tables.add(frozenset(value))
            for item in value:
                walk(item)
        elif isinstance(value, dict):  # keys of YAML mappings are task and play structure, not tables
            for item in value.values():
                walk(item)
    try:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            walk(document)
    except yaml.YAMLError:
        pass  # Jinja templates and other non-YAML
    return tables


def code_tables():
    tables, regexes = {}, {}
    for top in CODE:
        for path in sorted(top.rglob("*")):
            if path.suffix == ".py":
                found, res = python_tables(path)
            elif path.suffix in (".yml", ".yaml"):
                found, res = yaml_tables(path), set()
            else:
                continue
            for table in found:
                tables.setdefault(table, path.relative_to(ROOT))
            for regex in res:
                regexes.setdefault(regex, path.relative_to(ROOT))
    return tables, regexes


def standin_files():
    return sorted(p for p in STANDINS.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def shared_with_code(path, tables, regexes):
    """Rule tables and regular expressions of one stand-in file that plugins/ or roles/ also hold."""
    if path.suffix == ".py":
        found, res = python_tables(path)
    elif path.suffix in (".yml", ".yaml"):
        found, res = yaml_tables(path), set()
    else:
        return []
    shared = ["%s (also in %s)" % (sorted(t), tables[t]) for t in found if t in tables and t not in VOCABULARY]
    shared += ["regex %r (also in %s)" % (r, regexes[r]) for r in res if r in regexes and r not in VOCABULARY_REGEXES]
    return shared


def imports_code(path):
    """Imports of the collection's code, or paths into plugins/ or roles/."""
    text = path.read_text(encoding="utf-8", errors="replace")
    problems = []
    if path.suffix == ".py":
        for node in ast.walk(ast.parse(text, filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            problems += ["import %s" % n for n in names
                         if n.startswith(("ansible_collections", "plugins", "roles", "module_utils"))]
    for marker in ("plugins/", "roles/", "ansible_collections.homelab", "homelab.mediastack."):
        if marker in text:
            problems.append("mentions %s" % marker)
    return problems


TABLES, REGEXES = code_tables()


@pytest.mark.parametrize("path", standin_files(), ids=lambda p: str(p.relative_to(STANDINS)))
def test_standin_does_not_import_the_code_under_test(path):
    assert imports_code(path) == [], "%s reaches into the code it stands in for" % path.relative_to(ROOT)


@pytest.mark.parametrize("path", standin_files(), ids=lambda p: str(p.relative_to(STANDINS)))
def test_standin_shares_no_rule_table(path):
    shared = shared_with_code(path, TABLES, REGEXES)
    assert shared == [], "%s holds rule tables of the code under test: %s" % (path.relative_to(ROOT), "; ".join(shared))


def test_the_checks_find_a_copy(tmp_path):
    """The detector itself: a copied table, a copied regex and an import are all found."""
    table = next(iter(sorted((t for t in TABLES if t not in VOCABULARY), key=lambda t: sorted(map(str, t)))))
    regex = next(iter(sorted(r for r in REGEXES if r not in VOCABULARY_REGEXES)), None)
    copy = tmp_path / "copy.py"
    members = ", ".join(repr(m) for m in sorted(table, key=str))
    lines = ["import re", "from ansible_collections.homelab.mediastack.plugins.module_utils import _http",
             "TABLE = {%s}" % members]
    if regex is not None:
        lines.append("PATTERN = re.compile(%r)" % regex)
    copy.write_text("\n".join(lines) + "\n")
    shared = shared_with_code(copy, TABLES, REGEXES)
    assert any("also in" in s and not s.startswith("regex") for s in shared)
    assert regex is None or any(s.startswith("regex") for s in shared)
    assert imports_code(copy)
    # and a stand-in's own form of an upstream enum is not a copy
    pairs = tmp_path / "pairs.py"
    pairs.write_text("ENUM = [(%s)]\n" % "), (".join("%r, %d" % (m, i) for i, m in enumerate(sorted(table, key=str))))
    assert shared_with_code(pairs, TABLES, REGEXES) == []
