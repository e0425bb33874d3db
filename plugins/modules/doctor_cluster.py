#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: doctor_cluster
short_description: Judge a Kubernetes runtime from objects read with kubernetes.core.k8s_info
version_added: 0.2.0
description:
  - Takes the Nodes, PersistentVolumeClaims, Pods, Services and Namespaces that
    M(kubernetes.core.k8s_info) read (each kind once) and returns the doctor's findings -
    C(node_ready) (every inventory node joined and Ready), C(pvc_bound), C(pod_running) (with the
    scheduler's reason when a pod is not scheduled), C(loadbalancer_address) (assigned, inside the
    MetalLB pool), C(pod_security) (the namespaces enforce the level the apps need).
  - Talks to nothing; the reading is M(kubernetes.core.k8s_info)'s, so the kubeconfig and context
    are set there. Why a module and not Jinja - the rules (conditions, address ranges, scheduler
    messages) are unit-tested Python.
attributes:
  check_mode:
    support: full
    description: Only computes; the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show as a diff.
  idempotent:
    support: full
    description: Changes nothing.
options:
  unreachable:
    description:
      - Why the cluster could not be read (for example the kubeconfig is missing). When set, the
        one finding is a failed C(cluster_reachable) with this reason, and the objects are not judged.
    type: str
    default: ''
  unreachable_fix:
    description:
      - The fix the C(cluster_reachable) finding names; empty - run the cluster layer, or set
        C(doctor_kubeconfig) (right for a missing kubeconfig).
    type: str
    default: ''
  nodes:
    description: Node objects.
    type: list
    elements: dict
    default: []
  expected_nodes:
    description: Node names the inventory has (missing ones fail).
    type: list
    elements: str
    default: []
  claims:
    description: PersistentVolumeClaim objects.
    type: list
    elements: dict
    default: []
  pods:
    description: Pod objects.
    type: list
    elements: dict
    default: []
  services:
    description: Service objects (only C(type=LoadBalancer) ones are judged).
    type: list
    elements: dict
    default: []
  namespaces:
    description: Namespace objects.
    type: list
    elements: dict
    default: []
  pod_security:
    description: Namespace name to the PodSecurity level it must enforce.
    type: dict
    default: {}
  metallb_pool:
    description: The MetalLB pool's addresses (C(a.b.c.d-a.b.c.e) or CIDR).
    type: list
    elements: str
    default: []
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Read the pods of the media namespace
  kubernetes.core.k8s_info:
    kind: Pod
    namespace: media
  register: pods

- name: Judge them
  homelab.mediastack.doctor_cluster:
    pods: "{{ pods.resources }}"
'''

RETURN = r'''
findings:
  description: One item per check and object, as M(homelab.mediastack.doctor_storage) returns them.
  returned: always
  type: list
  elements: dict
summary:
  description: Number of findings per status.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils import _doctor_cluster as cluster
from ansible_collections.homelab.mediastack.plugins.module_utils._doctor import summarise


def main():
    module = AnsibleModule(argument_spec=dict(
        unreachable=dict(type="str", default=""),
        unreachable_fix=dict(type="str", default=""),
        nodes=dict(type="list", elements="dict", default=[]),
        expected_nodes=dict(type="list", elements="str", default=[]),
        claims=dict(type="list", elements="dict", default=[]),
        pods=dict(type="list", elements="dict", default=[]),
        services=dict(type="list", elements="dict", default=[]),
        namespaces=dict(type="list", elements="dict", default=[]),
        pod_security=dict(type="dict", default={}),
        metallb_pool=dict(type="list", elements="str", default=[]),
    ), supports_check_mode=True)
    p = module.params
    if p["unreachable"]:
        findings = cluster.unreachable(p["unreachable"].strip(), p["unreachable_fix"].strip())
        module.exit_json(changed=False, findings=findings, summary=summarise(findings))
    try:
        findings = (cluster.nodes(p["nodes"], p["expected_nodes"]) + cluster.claims(p["claims"])
                    + cluster.pods(p["pods"]) + cluster.load_balancers(p["services"], p["metallb_pool"])
                    + cluster.pod_security(p["namespaces"], p["pod_security"]))
    except ValueError as err:
        module.fail_json(msg="metallb_pool: %s (use a.b.c.d-a.b.c.e or a CIDR)" % err)
    module.exit_json(changed=False, findings=findings, summary=summarise(findings))


if __name__ == "__main__":
    main()
