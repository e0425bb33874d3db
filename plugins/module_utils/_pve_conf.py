# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raw lxc.* lines in a Proxmox guest config file (private; pure functions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_SECTION = re.compile(r'^\s*\[[^\]]+\]\s*$')


def split_conf(text):
    """(head, tail): the guest's own section, and everything from the first [section] on
    (pending changes and snapshots). Lines appended after a [snapshot] header belong to the
    snapshot, so raw lines must go into the head."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _SECTION.match(line):
            head = lines[:index]
            while head and not head[-1].strip():
                head.pop()
            return head, lines[index:]
    return lines, []


def raw_lines(head, keys):
    return [line for line in head if line.split(':', 1)[0].strip() in keys]


def set_raw_lines(text, wanted, extra_keys=()):
    """Make the lxc.* lines of the keys in `wanted` (list of 'key: value' strings) exactly these,
    in this order, in the head section; other keys and sections stay untouched.
    Returns (new_text, before_lines, after_lines)."""
    keys = []
    normalised = []
    for entry in wanted:
        key, _sep, value = entry.partition(':')
        key, value = key.strip(), value.strip()
        if not key.startswith('lxc.'):
            raise ValueError("'%s' is not a raw lxc.* line (key: value)" % entry)
        if key not in keys:
            keys.append(key)
        normalised.append('%s: %s' % (key, value))
    keys.extend(k for k in extra_keys if k not in keys)
    head, tail = split_conf(text)
    before = raw_lines(head, keys)
    # Lines of these keys already as wanted stay where they are (another owner's raw lines may
    # follow them); otherwise they are replaced at the place of the first one, or appended.
    positions = [i for i, line in enumerate(head) if line.split(':', 1)[0].strip() in keys]
    at = positions[0] if positions else None
    kept = [line for line in head if line.split(':', 1)[0].strip() not in keys]
    while kept and not kept[-1].strip():
        kept.pop()
    if at is None or at > len(kept):
        new_head = kept + normalised
    else:
        new_head = kept[:at] + normalised + kept[at:]
    while tail and not tail[0].strip():
        tail = tail[1:]
    parts = new_head + ([''] + tail if tail else [])
    return '\n'.join(parts) + '\n', before, normalised
