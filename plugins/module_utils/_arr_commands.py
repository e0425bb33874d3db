# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""*arr commands (``POST /command``, then poll ``GET /command/{id}``). Private to the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.homelab.mediastack.plugins.module_utils._arr_client import ArrClient, ArrError
from ansible_collections.homelab.mediastack.plugins.module_utils._reconcile import norm_name

# CommandStatus (NzbDrone.Core/Messaging/Commands/CommandStatus.cs): the ones that do not change again.
FINAL_STATUSES = ("completed", "failed", "aborted", "cancelled", "orphaned")


def run_command(client, params, check_mode, sleep=time.sleep, clock=time.time, opener=None):
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
    result = dict(changed=True, command=cmd, msg="command %s: %s" % (params["name"], cmd.get("status")))
    if params.get("check_apps") and params["name"] == "ApplicationIndexerSync" and cmd.get("status") == "completed":
        result["apps"] = check_synced(client, params["check_apps"], params, opener=opener)
    return result


def _field(obj, name):
    for field in obj.get("fields") or []:
        if field.get("name") == name:
            return field.get("value")
    return None


def check_synced(prowlarr, apps, params, opener=None):
    """After ApplicationIndexerSync: does each app hold Prowlarr's indexers?

    Prowlarr's command completes even when pushing to an app failed (ApplicationService logs it),
    so the only proof is in the apps. For each application whose app is in ``apps`` (matched by
    base URL or name), count the app's indexers that point at Prowlarr; none while Prowlarr has
    enabled indexers for that application is a failure that names the application.
    """
    applications = prowlarr.list("applications")
    indexers = [i for i in prowlarr.list("indexer") if i.get("enable")]
    report, problems = [], []
    for app in apps:
        url = app["url"].rstrip("/")
        match = [a for a in applications if (_field(a, "baseUrl") or "").rstrip("/") == url
                 or (app.get("name") and norm_name(a.get("name")) == norm_name(app.get("name")))]
        if not match:
            problems.append("no Prowlarr application points at %s" % url)
            continue
        application = match[0]
        if application.get("syncLevel") == "disabled":
            continue
        tags = set(application.get("tags") or [])
        expected = [i for i in indexers if not tags or tags & set(i.get("tags") or [])]
        target = ArrClient(url, app["api_key"], validate_certs=params.get("validate_certs", True),
                           timeout=params.get("timeout") or 30, opener=opener)
        prefix = (_field(application, "prowlarrUrl") or "").rstrip("/") + "/"
        try:
            have = [i for i in target.list("indexer") if (_field(i, "baseUrl") or "").startswith(prefix)]
        except ArrError as err:
            problems.append("%s: %s" % (application.get("name"), err))
            continue
        report.append(dict(name=application.get("name"), url=url, prowlarr_indexers=len(expected),
                           synced=len(have)))
        if expected and not have:
            problems.append("%s at %s holds none of Prowlarr's %d indexer(s): Prowlarr could not push them (check "
                            "the application's baseUrl and apiKey, and Prowlarr's log)"
                            % (application.get("name"), url, len(expected)))
    if problems:
        raise ArrError("ApplicationIndexerSync completed in Prowlarr, but: %s" % "; ".join(problems))
    return report
