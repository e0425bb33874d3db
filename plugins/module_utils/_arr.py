# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Entry points of the *arr modules (Sonarr, Radarr, Lidarr, Prowlarr). Private to the collection.

Every ``arr_*`` and ``prowlarr_*`` module (and the controller-side action plugins of the same
names) is an argument spec plus a call into :func:`execute`. The work is split by responsibility:

* ``_arr_client``: the API client (detection, auth, messages, per-run cache, tags, masking);
* ``_arr_kinds``: the resource kinds as a table (a new kind is a table entry);
* ``_reconcile``: the one reconciler (shared with the download clients' settings modules);
* ``_arr_paths``: path comparison and remote path mapping maths;
* ``_arr_commands``: commands; ``_arr_info``: what ``arr_info`` reads.

What the apps really do (../shared/reference/arr/API_BEHAVIOUR.md) shapes the flow:

* secrets come back as ``"********"``, so they can never be compared; ``secret_policy`` says what
  to do instead (the default ``verify`` asks the app's own ``/test`` whether the stored secret
  still works);
* a provider PUT rebuilds the settings from the fields sent (omitted ones reset), and a config
  PUT saves omitted booleans as false: always GET, overlay what the user set, PUT the whole
  object, and only when a managed value differs;
* objects are matched by their natural key (name, label, path, host + remote path), never by id.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import (
    CONNECTION_SPEC, ArrError, make_client,
)
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_commands import run_command
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_info import gather_info
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_kinds import (
    CONFIG_AFTER, CONFIG_SECTIONS, KIND_TABLE, KINDS, MODULE_KINDS, module_spec,
)
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_profiles import PURGEABLE, sync_profiles
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import MASK, SECRET_POLICIES, Reconciler

__all__ = ["CONNECTION_SPEC", "SECRET_POLICIES", "ArrError", "execute", "run_module", "module_argument_spec", "objects_spec"]


def module_argument_spec(module_name):
    """The argument spec of a single-object module: connection options plus its kind's options."""
    spec = dict(CONNECTION_SPEC)
    spec.update(module_spec(MODULE_KINDS[module_name]))
    return spec


def objects_spec():
    """The list options of ``arr_objects``, typed from the kinds' item options (``raw`` where an item
    may also be a bare string: tags, root folders; those are checked by the kind)."""
    spec = {}
    for kind in KIND_TABLE:
        if kind.sync and not kind.suboptions:
            spec[kind.option] = dict(type="dict")  # one object (quality sizes, naming)
        elif kind.shorthand:
            spec[kind.option] = dict(type="list", elements="raw")
        else:
            spec[kind.option] = dict(type="list", elements="dict", options=dict(kind.suboptions))
    return spec


def provider_spec(item, top_map):
    """An item's options -> the reconciler's provider spec. ``top_map``: option -> API key."""
    top = dict(item.get("extra") or {})
    for option, api_key in top_map.items():
        if item.get(option) is not None:
            top[api_key] = item[option]
    return dict(name=item["name"], implementation=item.get("implementation"),
                definition=item.get("definition"), fields=item.get("fields") or {},
                tags=item.get("tags"), top=top, state=item.get("state") or "present",
                app_profile=item.get("app_profile"))


def reconcile_one(rec, kind, item):
    """One object of ``kind`` from its item (module parameters or an ``arr_objects`` entry)."""
    if kind.provider:
        return rec.provider(kind, provider_spec(item, kind.top))
    return rec.plain(kind, item)


def config_section(rec, section, settings):
    if section not in CONFIG_SECTIONS:
        raise ArrError("Unknown config section %r; valid: %s" % (section, ", ".join(CONFIG_SECTIONS)))
    # config/host returns the web UI password as its hash and wants passwordConfirmation with a new one
    # (Sonarr.Api.V3/Config/HostConfigController.cs): the password is write-only
    write_only = {"password": "passwordConfirmation"} if section == "host" else None
    return rec.settings("config section %s" % section, "config/%s" % section, settings,
                        is_secret=rec.client.is_secret_key, write_only=write_only)


def execute(module_name, params, check_mode=False, diff=False, opener=None, sleep=None):
    """Run one module's work; return the result dict. Raises ArrError with a masked message."""
    client = make_client(params, opener=opener, sleep=sleep)
    rec = Reconciler(client, check_mode=check_mode, force_save=params.get("force_save", False),
                     secret_policy=params.get("secret_policy") or "verify")
    try:
        result = _dispatch(module_name, client, rec, params)
    except ArrError as err:
        raise ArrError(_scrub(to_text(err), client, rec))
    result.setdefault("app", client.app)
    result.setdefault("version", client.app_version)
    result["requests"] = len(client.http.requests)
    result["_secrets"] = sorted(rec.secret_values | set(client.http.secrets))
    return result


def _scrub(text, client, rec):
    for secret in set(client.http.secrets) | rec.secret_values:
        if secret:
            text = text.replace(secret, MASK)
    return text


def _single(outcome, diff_header):
    result = dict(changed=outcome.changed, action=outcome.action, object=outcome.obj,
                  diff=outcome.diff(diff_header))
    result["msg"] = "%s %s: %s" % (outcome.kind, outcome.key, outcome.action)
    if outcome.msg:
        result["msg"] += " (%s)" % outcome.msg
    if outcome.warning:
        result["warnings"] = [outcome.warning]
    return result


def _dispatch(module_name, client, rec, params):
    client.detect()
    if module_name in MODULE_KINDS:
        kind = KINDS[MODULE_KINDS[module_name]]
        item = dict((k, params.get(k)) for k in kind.suboptions)
        if kind.sync:
            return profile_module(rec, kind, item, params)
        result = _single(reconcile_one(rec, kind, item), client.name)
        if rec.warnings:
            result["warnings"] = result.get("warnings", []) + rec.warnings
        return result
    if module_name == "arr_config":
        return _single(config_section(rec, params["section"], params["settings"] or {}), client.name)
    if module_name == "arr_command":
        return run_command(client, params, rec.check_mode, opener=client.opener)
    if module_name == "arr_info":
        return gather_info(client, params.get("gather"))
    if module_name == "arr_objects":
        return reconcile_all(rec, params)
    raise ArrError("unknown module %s" % module_name)


def profile_module(rec, kind, item, params):
    """A single-object profile module (arr_custom_format, arr_quality_profile): the object, and for a
    guide quality profile the custom formats it needs, synced first."""
    item = dict((k, v) for k, v in item.items() if v is not None)
    run = dict(guide=params.get("guide"), profiles_state_dir=params.get("profiles_state_dir"))
    run[kind.option] = [item]
    outcomes = sync_profiles(rec, run)
    mine = [o for o in outcomes if o.kind == kind.label]
    result = _single(mine[-1], rec.client.name)
    others = [o for o in outcomes if o.kind != kind.label]
    if others:
        result["custom_formats"] = [dict(key=o.key, action=o.action) for o in others]
        result["changed"] = result["changed"] or any(o.changed for o in others)
        result["diff"] = [o.diff(rec.client.name + " " + o.kind) for o in others if o.changed] + [result["diff"]]
    notes = [o.msg for o in outcomes if o.msg]
    if notes:
        result["notes"] = notes
    if rec.warnings:
        result["warnings"] = result.get("warnings", []) + rec.warnings
    return result


def reconcile_all(rec, params):
    """Reconcile a whole set of one app's objects (module arr_objects), one GET per collection.

    Every object is first checked in a pass that writes nothing (check mode; the collections it
    reads are cached), so invalid input fails before the first write. That pass also collects the
    secret tests the ``verify`` policy needs, which then run side by side.
    """
    pre = Reconciler(rec.client, check_mode=True, force_save=rec.force_save, secret_policy=rec.secret_policy)
    pre.to_verify = []
    _reconcile_all(pre, params)
    rec.verify_all(pre.to_verify)
    return _reconcile_all(rec, params)


def _reconcile_all(rec, params):
    outcomes = []
    purge = set(params.get("purge") or [])
    options = [k.option for k in KIND_TABLE]
    unknown_purge = purge - set(options)
    if unknown_purge:
        raise ArrError("purge: unknown collection(s) %s; valid: %s" % (", ".join(sorted(unknown_purge)),
                                                                       ", ".join(sorted(options))))
    for kind in KIND_TABLE:
        items = params.get(kind.option)
        if kind.sync:
            if kind.option in purge and kind.option not in PURGEABLE:
                raise ArrError("purge: %s cannot be purged (only %s); remove unwanted ones with state: absent"
                               % (kind.option, ", ".join(PURGEABLE)))
            outcomes.extend(kind.sync(rec, params, kind))
        elif items is not None:
            keep = set()
            for item in items:
                item = kind.item(item)
                outcomes.append(reconcile_one(rec, kind, item))
                keep.add(kind.key_of(kind.to_api(item) if not kind.provider else item))
            if kind.option in purge:
                outcomes.extend(rec.purge(kind, keep))
        if kind.name == CONFIG_AFTER:
            for section, settings in sorted((params.get("config") or {}).items()):
                outcomes.append(config_section(rec, section, settings or {}))
    changed = any(o.changed for o in outcomes)
    summary = [dict(kind=o.kind, key=o.key, action=o.action) for o in outcomes]
    counts = {}
    for o in outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
    result = dict(changed=changed, objects=summary, counts=counts,
                  diff=[o.diff(rec.client.name + " " + o.kind) for o in outcomes if o.changed],
                  msg="%s: %s" % (rec.client.name, ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))))
    notes = [o.msg for o in outcomes if o.msg]
    if notes:
        result["notes"] = notes
    warnings = [o.warning for o in outcomes if o.warning] + rec.warnings
    if warnings:
        result["warnings"] = warnings
    return result


def run_module(module, module_name):
    """Body of every module's main(): run, keep secrets out of the output, exit."""
    try:
        result = execute(module_name, module.params, check_mode=module.check_mode, diff=module._diff)
    except ArrError as err:
        module.fail_json(msg=to_text(err))
    module.no_log_values.update(result.pop("_secrets", []))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)
