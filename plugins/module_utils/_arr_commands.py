# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""*arr commands (``POST /command``, then poll ``GET /command/{id}``). Private to the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import ArrError

# CommandStatus (NzbDrone.Core/Messaging/Commands/CommandStatus.cs): the ones that do not change again.
FINAL_STATUSES = ("completed", "failed", "aborted", "cancelled", "orphaned")


def run_command(client, params, check_mode, sleep=time.sleep, clock=time.time):
    body = dict(params.get("body") or {})
    body["name"] = params["name"]
    if check_mode:
        return dict(changed=True, msg="would run command %s" % params["name"], command=body)
    cmd = client.call("POST", "command", body=body, what="run command %s" % params["name"])
    deadline = clock() + (params.get("wait_timeout") or 120)
    while params.get("wait") and cmd.get("status") not in FINAL_STATUSES:
        if clock() > deadline:
            raise ArrError("command %s (id %s) still %s after %ss" % (params["name"], cmd.get("id"), cmd.get("status"),
                                                                      params.get("wait_timeout")))
        sleep(params.get("poll_interval") or 1)
        cmd = client.call("GET", "command/%s" % cmd["id"])
    if cmd.get("status") in ("failed", "orphaned", "aborted"):
        detail = cmd.get("message") or cmd.get("exception") or "no message"
        raise ArrError("command %s %s in %s: %s" % (params["name"], cmd.get("status"), client.name, detail))
    return dict(changed=True, command=cmd, msg="command %s: %s" % (params["name"], cmd.get("status")))
