# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos machine config filters. Documentation is in the YAML file of the same name beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import json

from ansible.errors import AnsibleFilterError

try:
    import jsonschema
    HAS_JSONSCHEMA = True
except ImportError:
    HAS_JSONSCHEMA = False


def _definition(schema, document):
    """The $defs entry that describes this document (v1alpha1.Config or the one whose kind matches)."""
    if document.get("version") == "v1alpha1" and "kind" not in document:
        return "v1alpha1.Config"
    kind = document.get("kind")
    for name, definition in schema.get("$defs", {}).items():
        enum = definition.get("properties", {}).get("kind", {}).get("enum")
        if enum == [kind] and definition.get("properties", {}).get("apiVersion", {}).get("enum") == [document.get("apiVersion")]:
            return name
    return None


_SCHEMAS = {}


def _load_schema(path):
    """Talos's schema from a .json or .json.gz file on the controller (read once per path)."""
    if path not in _SCHEMAS:
        try:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as handle:
                _SCHEMAS[path] = json.load(handle)
        except (OSError, ValueError) as err:
            raise AnsibleFilterError("talos_config_errors: cannot read the schema %s: %s" % (path, err))
    return _SCHEMAS[path]


def talos_config_errors(documents, schema):
    """Every schema error of the Talos machine config documents, as readable strings ([] when valid)."""
    if isinstance(schema, str) and (schema.endswith(".json") or schema.endswith(".json.gz")):
        schema = _load_schema(schema)
    if not HAS_JSONSCHEMA:
        raise AnsibleFilterError("talos_config_errors needs the Python library jsonschema (4.x) on the controller: "
                                 "pip install jsonschema")
    if isinstance(documents, dict):
        documents = [documents]
    if not isinstance(schema, dict) or "$defs" not in schema:
        raise AnsibleFilterError("talos_config_errors: the schema must be Talos's config.schema.json, loaded (from_json) or its path")
    errors = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            errors.append("document %d: not a mapping" % index)
            continue
        name = _definition(schema, document)
        label = "document %d (%s)" % (index, document.get("kind", "v1alpha1"))
        if name is None:
            errors.append("%s: no schema for apiVersion %r kind %r" % (label, document.get("apiVersion"), document.get("kind")))
            continue
        if name == "v1alpha1.Config" and "persist" in document and "persist" not in schema["$defs"][name].get("properties", {}):
            # Every talosctl gen config writes the hidden, deprecated `persist: true` (golden output of
            # v1.11-v1.13), which the published schema does not list; Talos itself accepts it.
            document = dict((k, v) for k, v in document.items() if k != "persist")
        root = dict((k, v) for k, v in schema.items() if k not in ("oneOf", "anyOf"))
        root["$ref"] = "#/$defs/" + name
        validator = jsonschema.validators.validator_for(schema)(root)
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in error.absolute_path) or "(top)"
            errors.append("%s: %s: %s" % (label, path, error.message))
    return errors


class FilterModule(object):
    """Talos filters."""

    def filters(self):
        return {"talos_config_errors": talos_config_errors}
