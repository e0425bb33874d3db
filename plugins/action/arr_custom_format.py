# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the arr_custom_format module on the controller, in-process (see plugin_utils/_arr_action.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.homelab.mediastack.plugins.plugin_utils._arr_action import ArrAction


class ActionModule(ArrAction):
    MODULE = "arr_custom_format"
