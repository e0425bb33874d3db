# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One reconcile step shared by the settings-style modules (qBittorrent, NZBGet, SABnzbd, Seerr).

Read current, overlay only the keys the user gave, diff, apply the changed keys, and build the
``--diff`` before/after from the managed keys only (secrets masked). Pure functions, so the unit
tests need no HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.module_utils.six import string_types, integer_types

MASK = "********"


def coerce_like(current, desired):
    """Return ``desired`` converted to the type of ``current`` where that is unambiguous.

    The APIs answer with typed JSON (``true``, ``8080``) while inventories often carry strings
    (``"8080"``, ``"yes"``); comparing them raw would report a change on every run.
    NZBGet answers strings only, so a desired ``true`` becomes ``"yes"`` there (see ``nzbget_value``).
    """
    if desired is None or current is None:
        return desired
    try:
        if isinstance(current, bool):
            return boolean(desired, strict=True)
        if isinstance(current, integer_types) and not isinstance(desired, bool):
            if isinstance(desired, float) and desired != int(desired):
                return desired
            return int(desired)
        if isinstance(current, float) and not isinstance(desired, bool):
            return float(desired)
        if isinstance(current, string_types) and isinstance(desired, (integer_types, float)) and not isinstance(desired, bool):
            return str(desired)
    except (TypeError, ValueError):
        return desired
    return desired


def values_equal(current, desired):
    if isinstance(current, dict) and isinstance(desired, dict):
        return all(k in current and values_equal(current[k], v) for k, v in desired.items())
    if isinstance(current, list) and isinstance(desired, list):
        return len(current) == len(desired) and all(values_equal(c, d) for c, d in zip(current, desired))
    return coerce_like(current, desired) == current


def diff_keys(current, desired, equal=values_equal):
    """Return ``{key: desired value}`` for every desired key whose current value differs (absent counts)."""
    changes = {}
    for key, value in desired.items():
        if key not in current or not equal(current[key], value):
            changes[key] = coerce_like(current.get(key), value)
    return changes


def mask_values(data, secret_keys):
    """Copy of ``data`` with the values of ``secret_keys`` replaced by the mask."""
    return dict((k, MASK if k in secret_keys and v not in (None, "") else v) for k, v in data.items())


def reconcile(current, desired, apply=None, check_mode=False, secret_keys=(), equal=values_equal):
    """Overlay ``desired`` on ``current``; call ``apply(changes)`` unless in check mode.

    Returns ``changed``, ``changes`` (the changed key names), ``diff`` (before/after of the managed
    keys, secrets masked) and ``after`` (the managed keys as they are after the run).
    """
    changes = diff_keys(current, desired, equal)
    before = dict((k, current.get(k)) for k in desired)
    after = dict(before)
    after.update(changes)
    if changes and apply is not None and not check_mode:
        apply(changes)
    return dict(
        changed=bool(changes),
        changes=sorted(changes),
        after=after,
        diff=dict(before=mask_values(before, secret_keys), after=mask_values(after, secret_keys)),
    )


def named_items_plan(current_items, desired_items, key="name", equal=values_equal):
    """Plan for a collection of named objects (categories, libraries, servers).

    Returns a list of ``(action, desired, current)`` with action ``create``, ``update`` or
    ``keep``; objects not desired are never in the plan (the caller decides about purge).
    """
    by_name = dict((item.get(key), item) for item in current_items)
    plan = []
    for wanted in desired_items:
        have = by_name.get(wanted[key])
        if have is None:
            plan.append(("create", wanted, None))
        elif diff_keys(have, wanted, equal):
            plan.append(("update", wanted, have))
        else:
            plan.append(("keep", wanted, have))
    return plan
