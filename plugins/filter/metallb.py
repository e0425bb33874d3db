# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MetalLB pool filter. Documentation is in the YAML file of the same name beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible.errors import AnsibleFilterError


def _ranges(addresses):
    ranges = []
    for item in addresses:
        text = str(item).strip()
        try:
            if "-" in text:
                first, last = (ipaddress.ip_address(part.strip()) for part in text.split("-", 1))
                if int(last) < int(first) or first.version != last.version:
                    raise ValueError("range end before its start")
                ranges.append((first, last))
            else:
                net = ipaddress.ip_network(text, strict=False)
                ranges.append((net[0], net[-1]))
        except ValueError as err:
            raise AnsibleFilterError("metallb_pool_check: %r is not an address range (a.b.c.d-a.b.c.e) or CIDR: %s"
                                     % (text, err))
    return ranges


def _claims(requested):
    """(address text, app) per request: a plain address, or {ip, app[, host]} from the inventory."""
    claims = []
    for item in requested or []:
        if isinstance(item, dict):
            claims.append((str(item.get("ip", "")).strip(), item.get("app")))
        else:
            claims.append((str(item).strip(), None))
    return claims


def metallb_pool_check(addresses, requested=None, spare=0):
    """Size of the pool, and the requested LoadBalancer IPs outside it or given to two apps.

    Checked by address: the same app asking for the same address on several hosts (group_vars/all)
    is one request; one address asked for by two apps, or the same app asking for two addresses on
    two hosts, are both seen (nothing is collapsed by app name).
    """
    ranges = _ranges(addresses or [])
    size = sum(int(last) - int(first) + 1 for first, last in ranges)
    owners = {}
    outside = []
    for text, app in _claims(requested):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            if text not in outside:
                outside.append(text)
            continue
        if not any(first.version == address.version and int(first) <= int(address) <= int(last) for first, last in ranges):
            if text not in outside:
                outside.append(text)
        owners.setdefault(str(address), [])
        key = app if app is not None else len(owners[str(address)])
        if key not in owners[str(address)]:
            owners[str(address)].append(key)
    duplicates = sorted(ip for ip, apps in owners.items() if len(apps) > 1)
    needed = len(owners) + int(spare)
    result = {"size": size, "requested": len(owners), "needed": needed, "outside": outside,
              "duplicates": duplicates, "big_enough": size >= needed}
    if any(isinstance(item, dict) for item in requested or []):
        result["owners"] = dict((ip, [a for a in apps if not isinstance(a, int)]) for ip, apps in owners.items())
    return result


def metallb_pool_overlaps(addresses, pools, own_name):
    """Names of the cluster's other IPAddressPools (k8s_info resources) sharing an address with ours."""
    ours = _ranges(addresses or [])
    overlapping = []
    for pool in pools or []:
        name = (pool.get("metadata") or {}).get("name")
        if name == own_name:
            continue
        try:
            theirs = _ranges((pool.get("spec") or {}).get("addresses") or [])
        except AnsibleFilterError:
            continue
        if any(a_first.version == b_first.version and int(a_first) <= int(b_last) and int(b_first) <= int(a_last)
               for a_first, a_last in ours for b_first, b_last in theirs):
            overlapping.append("%s/%s" % ((pool.get("metadata") or {}).get("namespace"), name))
    return {"overlapping": sorted(overlapping)}


class FilterModule(object):
    """MetalLB filters."""

    def filters(self):
        return {"metallb_pool_check": metallb_pool_check, "metallb_pool_overlaps": metallb_pool_overlaps}
