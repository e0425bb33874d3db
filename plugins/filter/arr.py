# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""*arr wiring filters: what each app must hold, computed from the inventory model.

Documentation of each filter is in the YAML file of the same name beside this one. The logic is
in module_utils/_arr_wiring.py and module_utils/_arr_paths.py (pure functions, unit-tested).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_paths import remote_path_mappings
from ansible_collections.homelab.mediastack.plugins.module_utils._arr_wiring import wiring_plan


def arr_wiring_plan(model):
    try:
        return wiring_plan(model)
    except ValueError as err:
        raise AnsibleFilterError("arr_wiring: %s" % to_native(err))


def arr_remote_path_mappings(app_paths, clients):
    try:
        return remote_path_mappings({"app_paths": app_paths, "clients": clients})
    except ValueError as err:
        raise AnsibleFilterError("arr_remote_path_mappings: %s" % to_native(err))


class FilterModule(object):
    """*arr wiring filters."""

    def filters(self):
        return {"arr_wiring_plan": arr_wiring_plan, "arr_remote_path_mappings": arr_remote_path_mappings}
