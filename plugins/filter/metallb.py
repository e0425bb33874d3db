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


def metallb_pool_check(addresses, requested=None, spare=0):
    """Size of the pool, and the requested LoadBalancer IPs outside it or given twice."""
    ranges = _ranges(addresses or [])
    size = sum(int(last) - int(first) + 1 for first, last in ranges)
    requested = [str(ip) for ip in (requested or [])]
    outside, seen, duplicates = [], set(), []
    for text in requested:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            outside.append(text)
            continue
        if not any(first.version == address.version and int(first) <= int(address) <= int(last) for first, last in ranges):
            outside.append(text)
        if text in seen:
            duplicates.append(text)
        seen.add(text)
    needed = len(seen) + int(spare)
    return {"size": size, "requested": len(seen), "needed": needed, "outside": outside,
            "duplicates": sorted(set(duplicates)), "big_enough": size >= needed}


class FilterModule(object):
    """MetalLB filters."""

    def filters(self):
        return {"metallb_pool_check": metallb_pool_check}
