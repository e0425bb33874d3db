# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The doctor's filters (documentation in the YAML file of the same name beside this one)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.mediastack.plugins.module_utils._doctor_wiring import profile_findings, wiring_targets


def doctor_wiring_targets(plan):
    try:
        return wiring_targets(plan)
    except (KeyError, TypeError) as err:
        raise AnsibleFilterError("doctor_wiring_targets: the arr_wiring plan lacks %s" % err)


def doctor_profile_findings(results):
    try:
        return profile_findings(results)
    except (AttributeError, TypeError) as err:
        raise AnsibleFilterError("doctor_profile_findings: expects the registered results of arr_objects: %s" % err)


class FilterModule(object):
    """Doctor filters."""

    def filters(self):
        return {"doctor_wiring_targets": doctor_wiring_targets, "doctor_profile_findings": doctor_profile_findings}
