# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller-side runner shared by the action plugins of the *arr modules.

Each ``plugins/action/<module>.py`` names its module. When the task runs on the controller (a
local connection, no ``environment:``), this class validates the task's arguments against that
module's ``ARGUMENT_SPEC`` and runs the same module_utils code the module would, in the
controller's process: no module transfer, no interpreter start-up per task, no SSH hop. When the
task is delegated to (or runs on) another host, or sets ``environment:`` (a proxy, a CA bundle),
the module itself runs there, as any module would, so the task means what it says. Output is
masked with every no_log value and every secret the reconciler saw.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import ArrError, execute

LOCAL_CONNECTIONS = ("local", "ansible.builtin.local")


def no_log_values(spec, params):
    """Values of the options marked ``no_log`` in ``spec`` (suboptions included), from ``params``."""
    out = set()
    for name, option in spec.items():
        value = (params or {}).get(name)
        if value in (None, ""):
            continue
        if option.get("no_log"):
            if isinstance(value, (list, tuple)):
                out.update(to_text(v) for v in value if v not in (None, ""))
            elif isinstance(value, dict):
                out.update(to_text(v) for v in value.values() if isinstance(v, (string_types, int)) and v != "")
            else:
                out.add(to_text(value))
        if option.get("options"):
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    out |= no_log_values(option["options"], item)
    return out


class ArrAction(ActionBase):
    """Run an *arr module in-process on the controller, or as a module where the task says so."""

    MODULE = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def runs_here(self):
        """In-process only when the module would have run on the controller with its environment."""
        transport = getattr(self._connection, "transport", None) or getattr(self._connection, "_load_name", None)
        if transport not in LOCAL_CONNECTIONS:
            return False
        return not self._task.environment

    def run(self, tmp=None, task_vars=None):
        result = super(ArrAction, self).run(tmp, task_vars)
        del tmp
        if not self.runs_here():
            result.update(self._execute_module(module_name="homelab.mediastack." + self.MODULE,
                                               module_args=dict(self._task.args), task_vars=task_vars))
            return result
        module = importlib.import_module("ansible_collections.homelab.mediastack.plugins.modules." + self.MODULE)
        args = dict(self._task.args)
        hidden = no_log_values(module.ARGUMENT_SPEC, args)
        validation = ArgumentSpecValidator(module.ARGUMENT_SPEC).validate(args)
        params = validation.validated_parameters
        hidden |= no_log_values(module.ARGUMENT_SPEC, params)  # defaults and env fallbacks too
        if validation.error_messages:
            result.update(failed=True, msg=remove_values("; ".join(validation.error_messages), hidden))
            return result
        check_mode = bool(self._play_context.check_mode)
        diff = bool(self._play_context.diff)
        try:
            out = execute(self.MODULE, params, check_mode=check_mode, diff=diff)
        except ArrError as err:
            result.update(failed=True, msg=remove_values(to_text(err), hidden))
            return result
        hidden.update(out.pop("_secrets", []))
        if not diff:
            out.pop("diff", None)
        result.update(remove_values(out, hidden))
        return result
