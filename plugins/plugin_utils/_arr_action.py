# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller-side runner shared by the action plugins of the *arr modules.

Each ``plugins/action/<module>.py`` names its module; this class validates the task's
arguments against that module's ``ARGUMENT_SPEC`` and runs the same module_utils code the
module would, in the controller's process: no module transfer, no interpreter start-up per task,
no SSH hop. Output is masked with every no_log value and every secret the reconciler saw.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.mediastack.plugins.module_utils._arr import ArrError, execute


class ArrAction(ActionBase):
    """Run an *arr module in-process on the controller."""

    MODULE = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ArrAction, self).run(tmp, task_vars)
        del tmp
        module = importlib.import_module("ansible_collections.homelab.mediastack.plugins.modules." + self.MODULE)
        validation = ArgumentSpecValidator(module.ARGUMENT_SPEC).validate(dict(self._task.args))
        no_log_values = set(validation._no_log_values)
        if validation.error_messages:
            result.update(failed=True, msg=remove_values("; ".join(validation.error_messages), no_log_values))
            return result
        check_mode = bool(self._play_context.check_mode)
        diff = bool(self._play_context.diff)
        try:
            out = execute(self.MODULE, validation.validated_parameters, check_mode=check_mode, diff=diff)
        except ArrError as err:
            result.update(failed=True, msg=remove_values(to_text(err), no_log_values))
            return result
        no_log_values.update(out.pop("_secrets", []))
        if not diff:
            out.pop("diff", None)
        result.update(remove_values(out, no_log_values))
        return result
