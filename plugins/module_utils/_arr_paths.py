# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Path maths of the *arr wiring: how paths compare, and which remote path mappings an app needs.

Pure functions, private to the collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text


def norm_dir(value):
    """Paths compare without a trailing slash (``/data/tv/`` is ``/data/tv``)."""
    value = to_text(value or "")
    return value.rstrip("/\\") or value


def norm_dir_slash(value):
    """Remote path mappings are stored with a trailing separator: compare that way."""
    value = to_text(value or "")
    if not value:
        return value
    sep = "\\" if ("\\" in value and "/" not in value) else "/"
    return value.rstrip("/\\") + sep


def remote_path_mappings(layout):
    """Compute the remote path mappings one *arr app needs from the storage layout.

    ``layout`` is a dict with:

    * ``app_paths``: host path -> path the *arr app sees it as (its volume mounts), e.g.
      ``{"/data": "/data"}``;
    * ``clients``: list of ``{host, paths}`` where ``host`` is the download client's host as the
      app reaches it and ``paths`` maps host path -> path inside the download client,
      e.g. ``{"/data/torrents": "/downloads"}``.

    A mapping is needed where the download client reports a path the app does not see as the
    same path. Returns a list of ``{host, remote_path, local_path}`` (trailing slash on both),
    empty where the paths agree. A client path whose host folder the app cannot see raises
    ValueError (no mapping can fix that: the app needs a mount).
    """
    app_paths = layout.get("app_paths") or {}
    result = []
    for client in layout.get("clients") or []:
        for host_path, client_path in sorted((client.get("paths") or {}).items()):
            local = translate(host_path, app_paths)
            if local is None:
                raise ValueError(
                    "the app cannot see %s (download client %s's %s): mount it into the app"
                    % (host_path, client.get("host"), client_path))
            if norm_dir(local) == norm_dir(client_path):
                continue
            result.append({"host": client["host"], "remote_path": norm_dir_slash(client_path),
                           "local_path": norm_dir_slash(local)})
    return result


def translate(host_path, mounts):
    """Path of ``host_path`` inside a container with ``mounts`` (host -> container), or None."""
    best = None
    for src, dst in mounts.items():
        src_n = norm_dir(src)
        hp = norm_dir(host_path)
        if hp == src_n or hp.startswith(src_n.rstrip("/") + "/"):
            if best is None or len(src_n) > len(norm_dir(best[0])):
                best = (src, dst)
    if best is None:
        return None
    rest = norm_dir(host_path)[len(norm_dir(best[0]).rstrip("/")):]
    return norm_dir(best[1]).rstrip("/") + rest if rest else norm_dir(best[1])
