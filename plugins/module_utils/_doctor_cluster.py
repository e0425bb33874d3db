# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The doctor's checks of a Kubernetes runtime, on objects read with kubernetes.core.k8s_info.

Pure functions of the objects (Node, PersistentVolumeClaim, Pod, Service, Namespace as the API
server returns them), so the role reads each kind once and nothing here talks to the cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.homelab.mediastack.plugins.module_utils._doctor import finding


def _name(obj):
    meta = obj.get("metadata") or {}
    return "%s/%s" % (meta["namespace"], meta["name"]) if meta.get("namespace") else meta.get("name", "?")


def _condition(obj, kind):
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return {}


def address_ranges(addresses):
    """MetalLB pool entries (a.b.c.d-a.b.c.e or CIDR) as (first, last) address pairs."""
    ranges = []
    for item in addresses or []:
        text = str(item).strip()
        if "-" in text:
            first, last = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
        else:
            net = ipaddress.ip_network(text, strict=False)
            first, last = net[0], net[-1]
        ranges.append((first, last))
    return ranges


def _in_ranges(text, ranges):
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(f.version == address.version and int(f) <= int(address) <= int(l) for f, l in ranges)


def nodes(objects, expected):
    out = []
    by_name = dict(((o.get("metadata") or {}).get("name"), o) for o in objects)
    for name in expected:
        if name not in by_name:
            out.append(finding("node_ready", "cluster", name, "fail",
                               "node %s is not in the cluster (never joined, or was removed)" % name,
                               "run --tags cluster; on the node, check the kubelet (k3s: journalctl -u k3s-agent; "
                               "Talos: talosctl -n <node> dmesg)"))
    for name in sorted(by_name):
        ready = _condition(by_name[name], "Ready")
        if ready.get("status") == "True":
            out.append(finding("node_ready", "cluster", name, "ok", "node %s is Ready" % name))
        else:
            out.append(finding("node_ready", "cluster", name, "fail",
                               "node %s is not Ready (%s)" % (name, ready.get("message") or ready.get("reason") or "no status"),
                               "check the node's kubelet and network"))
    return out


def claims(objects):
    out = []
    for obj in objects:
        phase = (obj.get("status") or {}).get("phase")
        spec = obj.get("spec") or {}
        if phase == "Bound":
            out.append(finding("pvc_bound", "cluster", _name(obj), "ok",
                               "%s is Bound to %s" % (_name(obj), spec.get("volumeName"))))
        else:
            out.append(finding("pvc_bound", "cluster", _name(obj), "fail",
                               "%s is %s (storage class %r, volume %r): the pods that mount it never start"
                               % (_name(obj), phase or "without status", spec.get("storageClassName"), spec.get("volumeName")),
                               "check that the storage class exists (cluster layer) and the claim's class and "
                               "volume name match (media_apps and cluster_addons read one variable)"))
    return out


def pods(objects):
    out = []
    for obj in objects:
        status = obj.get("status") or {}
        phase = status.get("phase")
        if phase == "Succeeded":
            continue  # a finished Job's pod
        if phase == "Running" and _condition(obj, "Ready").get("status") == "True":
            out.append(finding("pod_running", "cluster", _name(obj), "ok",
                               "%s runs on %s" % (_name(obj), (obj.get("spec") or {}).get("nodeName"))))
            continue
        scheduled = _condition(obj, "PodScheduled")
        if scheduled.get("status") == "False":
            message = "%s is not scheduled: %s" % (_name(obj), scheduled.get("message") or scheduled.get("reason"))
            fix = "give the app a node that fits: node selector labels, tolerations for the node's taints, resources"
        else:
            waiting = [c.get("state", {}).get("waiting", {}) for c in status.get("containerStatuses") or []]
            reasons = ", ".join(sorted(set(w.get("reason") for w in waiting if w.get("reason")))) or "not ready"
            message = "%s is %s (%s)" % (_name(obj), phase or "Pending", reasons)
            fix = "kubectl -n %s describe pod %s" % ((obj.get("metadata") or {}).get("namespace"),
                                                     (obj.get("metadata") or {}).get("name"))
        out.append(finding("pod_running", "cluster", _name(obj), "fail", message, fix))
    return out


def load_balancers(objects, pool):
    out = []
    ranges = address_ranges(pool)
    for obj in objects:
        if (obj.get("spec") or {}).get("type") != "LoadBalancer":
            continue
        ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        ips = [i.get("ip") for i in ingress if i.get("ip")]
        if not ips:
            out.append(finding("loadbalancer_address", "cluster", _name(obj), "fail",
                               "%s has no LoadBalancer address: the MetalLB pool is exhausted, or its address is "
                               "outside the pool" % _name(obj),
                               "grow mediastack_metallb_addresses (one address per app that asks for one)"))
        elif ranges and not all(_in_ranges(ip, ranges) for ip in ips):
            out.append(finding("loadbalancer_address", "cluster", _name(obj), "fail",
                               "%s has %s, outside the MetalLB pool %s" % (_name(obj), ", ".join(ips), ", ".join(pool)),
                               "set the app's lb_ip inside mediastack_metallb_addresses"))
        else:
            out.append(finding("loadbalancer_address", "cluster", _name(obj), "ok",
                               "%s is reachable at %s" % (_name(obj), ", ".join(ips))))
    return out


def pod_security(objects, expected):
    """expected: namespace -> PodSecurity level it must enforce."""
    out = []
    by_name = dict(((o.get("metadata") or {}).get("name"), o) for o in objects)
    for namespace, level in sorted(expected.items()):
        labels = ((by_name.get(namespace) or {}).get("metadata") or {}).get("labels") or {}
        have = labels.get("pod-security.kubernetes.io/enforce")
        if namespace not in by_name:
            out.append(finding("pod_security", "cluster", namespace, "fail", "namespace %s does not exist" % namespace,
                               "run --tags cluster,apps"))
        elif have != level:
            out.append(finding("pod_security", "cluster", namespace, "fail",
                               "namespace %s enforces PodSecurity %r, the apps need %r: pods that need host "
                               "devices or capabilities are forbidden" % (namespace, have, level),
                               "run --tags cluster (it labels the namespaces)"))
        else:
            out.append(finding("pod_security", "cluster", namespace, "ok",
                               "namespace %s enforces PodSecurity %s" % (namespace, level)))
    return out


def unreachable(reason, fix=""):
    """The cluster could not be read at all: one failed finding that says why and what to do."""
    return [finding("cluster_reachable", "cluster", "kubeconfig", "fail", "the cluster cannot be read: %s" % reason,
                    fix or "run --tags cluster (it writes the kubeconfig), or set doctor_kubeconfig to the cluster's")]
