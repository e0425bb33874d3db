# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Collects the doctor's findings on the controller, prints the table, writes the report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.mediastack.plugins.module_utils._doctor import (
    STATUSES, render_json, render_markdown, render_table, summarise)

ARGUMENT_SPEC = dict(
    findings=dict(type="list", elements="dict", default=[]),
    by_host=dict(type="dict", default={}),
    report_dir=dict(type="path"),
    report_name=dict(type="str", default="doctor-report"),
    report_only=dict(type="bool", default=False),
    show_ok=dict(type="bool", default=False),
)
FIELDS = ("check", "layer", "where", "status", "message")


def collect(findings, by_host):
    """One flat list; findings from by_host get their host filled in."""
    out = []
    for item in findings:
        out.append(_checked(dict(item)))
    for host in sorted(by_host):
        for item in by_host[host] or []:
            item = dict(item)
            item["host"] = item.get("host") or host
            out.append(_checked(item))
    return out


def _checked(item):
    missing = [f for f in FIELDS if f not in item]
    if missing or item.get("status") not in STATUSES:
        raise AnsibleActionFail("a doctor finding needs %s with status one of %s; got %r"
                                % (", ".join(FIELDS), ", ".join(STATUSES), item))
    item.setdefault("host", "")
    item.setdefault("fix", "")
    return item


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            raise AnsibleActionFail("doctor_report: %s" % "; ".join(validation.error_messages))
        args = validation.validated_parameters
        findings = collect(args["findings"], args["by_host"])
        counts = summarise(findings)
        result.update(changed=False, findings=findings, summary=counts,
                      table=render_table(findings, only_problems=not args["show_ok"]))
        if args["report_dir"]:
            paths = {"markdown": os.path.join(args["report_dir"], args["report_name"] + ".md"),
                     "json": os.path.join(args["report_dir"], args["report_name"] + ".json")}
            if self._task.check_mode:
                # Check mode writes nothing, not even the report: the table above is the output.
                result["report"] = {}
                result["report_skipped"] = "check mode: report files not written"
            else:
                os.makedirs(args["report_dir"], exist_ok=True)
                for kind, text in (("markdown", render_markdown(findings)), ("json", render_json(findings))):
                    with open(paths[kind], "w") as handle:
                        handle.write(text)
                result["report"] = paths
        result["msg"] = "%d checks: %d ok, %d warnings, %d failed" % (
            len(findings), counts["ok"], counts["warn"], counts["fail"])
        if counts["fail"] and not args["report_only"]:
            result["failed"] = True
            result["msg"] = "doctor: %d check(s) failed; see the table (table) and the report. %s" % (
                counts["fail"], result["msg"])
        return result
