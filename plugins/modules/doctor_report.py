#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: doctor_report
short_description: Collect the doctor's findings, print a table and write a Markdown and JSON report
version_added: 0.2.0
description:
  - Runs on the controller (an action plugin). Takes the findings of
    M(homelab.mediastack.doctor_storage) and the doctor role's app, wiring and cluster checks, from
    every host, and returns a short table of what failed (with the fix for each), counts, and
    writes C(<report_dir>/<report_name>.md) and C(.json) for the user to keep.
  - Fails when any finding failed, unless O(report_only=true).
  - The report files are the run's output, like a log; writing them is not a change of the
    homelab, so the task reports C(changed=false). In check mode they are not written.
attributes:
  check_mode:
    support: full
    description: Prints the table; writes no report file.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show as a diff.
  idempotent:
    support: full
    description: Changes nothing on any host or API.
options:
  findings:
    description: Findings, each with C(check), C(layer), C(where), C(status) (V(ok), V(warn), V(fail)), C(message), and optional C(host), C(fix).
    type: list
    elements: dict
    default: []
  by_host:
    description: Host name to its list of findings; the host is filled in where a finding has none.
    type: dict
    default: {}
  report_dir:
    description: Folder on the controller for the report files; omit to write none.
    type: path
  report_name:
    description: File name of the report, without extension.
    type: str
    default: doctor-report
  report_only:
    description: Report failed checks without failing the task.
    type: bool
    default: false
  show_ok:
    description: List passed checks in the table too (the report files always list every check).
    type: bool
    default: false
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Report what the doctor found on every host
  homelab.mediastack.doctor_report:
    by_host: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, ['doctor_storage', 'findings']))) }}"
    report_dir: "{{ playbook_dir }}/doctor"
  run_once: true
  delegate_to: localhost
'''

RETURN = r'''
table:
  description: Lines of the table shown in the run (problems with their fixes, then the counts).
  returned: always
  type: list
  elements: str
summary:
  description: Number of findings per status.
  returned: always
  type: dict
  sample: {ok: 42, warn: 1, fail: 0}
findings:
  description: Every finding, with its host.
  returned: always
  type: list
  elements: dict
report:
  description: Paths of the report files written (empty in check mode).
  returned: when report_dir is set
  type: dict
  sample: {markdown: /home/me/homelab/doctor/doctor-report.md, json: /home/me/homelab/doctor/doctor-report.json}
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        findings=dict(type="list", elements="dict", default=[]),
        by_host=dict(type="dict", default={}),
        report_dir=dict(type="path"),
        report_name=dict(type="str", default="doctor-report"),
        report_only=dict(type="bool", default=False),
        show_ok=dict(type="bool", default=False),
    ), supports_check_mode=True)
    module.fail_json(msg="homelab.mediastack.doctor_report runs on the controller as an action plugin; "
                         "call it by its full name so Ansible loads the action plugin")


if __name__ == "__main__":
    main()
