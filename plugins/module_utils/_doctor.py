# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The doctor's checks of a host's media storage, and its report.

Every check returns findings of one shape, so the report can put the storage, app, wiring and
cluster layers in one table:
    {"check": "same_filesystem", "layer": "storage", "host": "nas", "where": "/data",
     "status": "ok" | "warn" | "fail", "message": "...", "fix": "..."}
Checks only read (stat, statvfs, /proc/self/mountinfo, config files); nothing here writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os

STATUSES = ("ok", "warn", "fail")
# Network and FUSE filesystems: SQLite's locking is not safe on them (the *arr apps, Jellyfin
# and Plex keep their databases in the config folder), and hardlinks do not cross them.
NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "fuse.rclone", "9p", "glusterfs", "ceph")


def finding(check, layer, where, status, message, fix="", host=""):
    if status not in STATUSES:
        raise ValueError("status must be one of %s, not %r" % (", ".join(STATUSES), status))
    return {"check": check, "layer": layer, "host": host, "where": where,
            "status": status, "message": message, "fix": fix if status != "ok" else ""}


# --- mounts -----------------------------------------------------------------------------------

def _unescape(field):
    # mountinfo escapes space, tab, newline and backslash as octal (proc(5)).
    out, i = [], 0
    while i < len(field):
        code = field[i + 1:i + 4]
        if field[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text):
    """Mounts from /proc/self/mountinfo (proc(5)): mount point, fstype, source, options.

    Options are the per-mount options (field 6) and the superblock options after the separator,
    which is where NFS puts vers=, soft, timeo= and retrans=.
    """
    mounts = []
    for line in text.splitlines():
        if " - " not in line:
            continue
        left, right = line.split(" - ", 1)
        lfields, rfields = left.split(), right.split()
        if len(lfields) < 6 or len(rfields) < 2:
            continue
        options = lfields[5].split(",") + (rfields[2].split(",") if len(rfields) > 2 else [])
        mounts.append({"mount": _unescape(lfields[4]), "fstype": rfields[0],
                       "source": _unescape(rfields[1]), "options": options})
    return mounts


def mount_of(path, mounts):
    """The mount that holds `path`: the longest mount point that is a prefix of it (last wins)."""
    path = os.path.normpath(path)
    best = None
    for mount in mounts:
        point = mount["mount"]
        if path == point or path.startswith(point.rstrip("/") + "/") or point == "/":
            if best is None or len(point) >= len(best["mount"]):
                best = mount
    return best


def _option_values(options):
    values = {}
    for opt in options:
        key, _sep, value = opt.partition("=")
        values[key] = value
    return values


# Options the kernel shows under another name than mount(8) takes (nfs(5)).
_NFS_ALIASES = {"nfsvers": "vers"}


def missing_options(wanted, actual):
    """The wanted mount options that the mounted filesystem does not show."""
    have = _option_values(actual)
    missing = []
    for opt in wanted:
        key, sep, value = opt.partition("=")
        key = _NFS_ALIASES.get(key, key)
        if key not in have:
            missing.append(opt)
        elif sep and have[key] != value:
            missing.append(opt)
    return missing


# --- the checks ---------------------------------------------------------------------------------

class StorageDoctor(object):
    """Checks one host's media tree, config folders and mounts. `fs` is injectable for tests."""

    def __init__(self, mountinfo_text, stat=os.stat, statvfs=os.statvfs, exists=os.path.exists,
                 read_text=None):
        self.mounts = parse_mountinfo(mountinfo_text)
        self.stat = stat
        self.statvfs = statvfs
        self.exists = exists
        self.read_text = read_text or _read_text

    def _stat(self, path):
        try:
            return self.stat(path), None
        except OSError as exc:
            return None, exc

    def same_filesystem(self, data_root, download_folders, media_folder):
        """Downloads and library on one filesystem: hardlinks and atomic moves need it."""
        media_path = os.path.join(data_root, media_folder)
        media, err = self._stat(media_path)
        if media is None:
            return [finding("same_filesystem", "storage", media_path, "fail",
                            "the media library folder cannot be read (%s)" % _why(err),
                            "create the media tree: run the storage layer (--tags storage)")]
        results = []
        for folder in download_folders:
            path = os.path.join(data_root, folder)
            st, err = self._stat(path)
            if st is None:
                if err is not None and err.errno == errno.ENOENT:
                    continue  # a client this host does not run (no usenet folder without a usenet client)
                results.append(finding("same_filesystem", "storage", path, "fail",
                                       "the download folder cannot be read (%s)" % _why(err),
                                       "check the mount and permissions of %s" % path))
                continue
            if st.st_dev != media.st_dev:
                here, there = mount_of(path, self.mounts), mount_of(media_path, self.mounts)
                results.append(finding(
                    "same_filesystem", "storage", path, "fail",
                    "%s (on %s) and %s (on %s) are different filesystems: imports copy instead of "
                    "hardlinking, every download takes twice the space and moves are not atomic"
                    % (path, here["mount"] if here else "?", media_path, there["mount"] if there else "?"),
                    "put downloads and the library under one mount of mediastack_data_root "
                    "(one NFS export or one dataset, mounted once), then run --tags storage"))
            else:
                results.append(finding("same_filesystem", "storage", path, "ok",
                                       "%s and %s are on one filesystem (hardlinks work)" % (path, media_path)))
        return results

    def config_off_network(self, config_paths, nfs_mounts=()):
        """App config folders (SQLite databases) never on a network filesystem: neither on one
        mounted now, nor under a mount point the inventory mounts from NFS (nfs_mounts: items of
        nfs_client_mounts), which is NFS whenever its mount is up even if it is not at this moment."""
        results = []
        declared = sorted((item for item in nfs_mounts or [] if item.get("mount")),
                          key=lambda item: len(os.path.normpath(item["mount"])), reverse=True)
        for app, path in sorted(config_paths.items()):
            mount = mount_of(path, self.mounts)
            under = [item for item in declared
                     if (os.path.normpath(path) + "/").startswith(os.path.normpath(item["mount"]).rstrip("/") + "/")]
            if under and not (mount and mount["fstype"] in NETWORK_FS):
                item = under[0]
                results.append(finding(
                    "config_off_network", "storage", path, "fail",
                    "%s keeps its database in %s, under %s, which the inventory mounts from NFS (%s:%s): "
                    "SQLite locking is not safe there and the database will corrupt"
                    % (app, path, item["mount"], item.get("server", "?"), item.get("export", "?")),
                    "set mediastack_config_root (or the app's config_path) to a local disk folder "
                    "and move the folder there with the app stopped"))
            elif mount and mount["fstype"] in NETWORK_FS:
                results.append(finding(
                    "config_off_network", "storage", path, "fail",
                    "%s keeps its database in %s, which is on %s (%s): SQLite locking is not "
                    "safe there and the database will corrupt" % (app, path, mount["fstype"], mount["source"]),
                    "set mediastack_config_root (or the app's config_path) to a local disk folder "
                    "and move the folder there with the app stopped"))
            else:
                results.append(finding("config_off_network", "storage", path, "ok",
                                       "%s's config is on a local filesystem (%s)"
                                       % (app, mount["fstype"] if mount else "unknown")))
        return results

    def nfs_mounts(self, mounts):
        """Declared NFS mounts: mounted, with the asked options, no stale handle."""
        results = []
        for want in mounts:
            point = want["mount"]
            mounted = [m for m in self.mounts if m["mount"] == os.path.normpath(point)]
            if not mounted or not mounted[-1]["fstype"].startswith("nfs"):
                results.append(finding(
                    "nfs_mount", "storage", point, "fail",
                    "%s is not an NFS mount (%s)" % (point, mounted[-1]["fstype"] if mounted else "nothing mounted"),
                    "start its mount unit (systemctl start $(systemd-escape -p --suffix=mount %s)) "
                    "or run --tags storage" % point))
                continue
            current = mounted[-1]
            _st, err = self._stat(point)
            if err is not None and err.errno == errno.ESTALE:
                results.append(finding(
                    "nfs_mount", "storage", point, "fail",
                    "%s answers 'Stale file handle': the export was recreated or moved on the server" % point,
                    "remount it (umount -l %s && mount %s)" % (point, point)))
                continue
            missing = missing_options(want.get("options", []), current["options"])
            if missing:
                results.append(finding(
                    "nfs_mount", "storage", point, "fail",
                    "%s is mounted without %s (mounted with %s)" % (point, ",".join(missing), ",".join(current["options"])),
                    "remount with the inventory's options: run --tags storage, then restart the mount unit"))
            else:
                results.append(finding("nfs_mount", "storage", point, "ok",
                                       "%s mounted from %s with the asked options" % (point, current["source"])))
        return results

    def ownership(self, data_root, folders, gid):
        """The media tree belongs to the shared media group, group-writable (downloads and imports
        are done by different app users)."""
        results = []
        for folder in [""] + list(folders):
            path = os.path.join(data_root, folder) if folder else data_root
            st, err = self._stat(path)
            if st is None:
                if err is not None and err.errno == errno.ENOENT and folder:
                    continue
                results.append(finding("media_ownership", "storage", path, "fail",
                                       "cannot read %s (%s)" % (path, _why(err)), "run --tags storage"))
                continue
            problems = []
            if st.st_gid != gid:
                problems.append("group is %d, not the media group %d" % (st.st_gid, gid))
            if not st.st_mode & 0o020:
                problems.append("not group-writable (mode %04o)" % (st.st_mode & 0o7777))
            if problems:
                results.append(finding(
                    "media_ownership", "storage", path, "fail", "%s: %s" % (path, "; ".join(problems)),
                    "run --tags storage (it sets the tree's group and mode), or chgrp -R %d and "
                    "chmod -R g+w on the server" % gid))
            else:
                results.append(finding("media_ownership", "storage", path, "ok",
                                       "%s is group %d and group-writable" % (path, gid)))
        return results

    def free_space(self, path, warn_percent, fail_percent):
        try:
            vfs = self.statvfs(path)
        except OSError as exc:
            return [finding("free_space", "storage", path, "fail", "cannot read %s (%s)" % (path, _why(exc)),
                            "check the mount")]
        total = vfs.f_blocks * vfs.f_frsize
        free = vfs.f_bavail * vfs.f_frsize
        percent = 100.0 * free / total if total else 0.0
        text = "%s has %s free (%.1f%%)" % (path, human_bytes(free), percent)
        if percent < fail_percent:
            return [finding("free_space", "storage", path, "fail", text + ": downloads will fail",
                            "free space or grow the pool")]
        if percent < warn_percent:
            return [finding("free_space", "storage", path, "warn", text, "free space soon")]
        return [finding("free_space", "storage", path, "ok", text)]

    def credentials(self, app_configs):
        """Default or temporary passwords, read from the apps' own config files (no login tried:
        a failed login counts towards qBittorrent's ban)."""
        results = []
        for item in app_configs:
            app, path = item["app"], item["path"]
            rule = CREDENTIAL_RULES.get(app)
            if rule is None:
                raise ValueError("no credential rule for %r (known: %s)" % (app, ", ".join(sorted(CREDENTIAL_RULES))))
            try:
                text = self.read_text(path)
            except (IOError, OSError) as exc:
                results.append(finding("default_password", "apps", path, "fail",
                                       "%s's config %s cannot be read (%s)" % (app, path, _why(exc)),
                                       "run --tags apps, or set the config path"))
                continue
            problem = rule(text)
            if problem:
                results.append(finding("default_password", "apps", path, "fail", "%s: %s" % (app, problem),
                                       "set its password in the vault (%s) and run --tags apps" % item.get("variable", "media_apps_passwords")))
            else:
                results.append(finding("default_password", "apps", path, "ok", "%s has its own password" % app))
        return results


def _ini_values(text):
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def _qbittorrent_rule(text):
    # qBittorrent 4.6.1+ starts without a stored password with a temporary one printed in its log
    # (src/app/application.cpp); before that the default was adminadmin. Either way: no
    # WebUI\Password_PBKDF2 in qBittorrent.conf means nobody chose a password.
    values = _ini_values(text)
    if not values.get("WebUI\\Password_PBKDF2"):
        return "no WebUI password is stored: the Web UI runs on a temporary (4.6.1+) or default password"
    return ""


def _nzbget_rule(text):
    # nzbget.conf ships ControlUsername=nzbget, ControlPassword=tegbzn6789 (nzbget.conf in the
    # nzbget sources); the linuxserver image keeps them unless NZBGET_USER/NZBGET_PASS are set.
    values = _ini_values(text)
    if values.get("ControlPassword", "tegbzn6789") in ("tegbzn6789", ""):
        return "the Web UI password is NZBGet's default (tegbzn6789) or empty"
    return ""


def _sabnzbd_rule(text):
    # SABnzbd's web UI has no login unless username/password are set in sabnzbd.ini [misc]; its
    # API key protects the API, but the UI is open to anyone on the network.
    values = _ini_values(text)
    if not values.get("api_key"):
        return "no API key is set in sabnzbd.ini"
    return ""


CREDENTIAL_RULES = {"qbittorrent": _qbittorrent_rule, "nzbget": _nzbget_rule, "sabnzbd": _sabnzbd_rule}

# Where each runtime keeps the file that holds an app's password, under the app's config folder:
# the linuxserver images mount it as /config (qBittorrent: /config/qBittorrent/qBittorrent.conf);
# qbittorrent-nox run with --profile=<config> writes <config>/qBittorrent/config/qBittorrent.conf.
CREDENTIAL_FILES = {
    "compose": {"qbittorrent": "qBittorrent/qBittorrent.conf", "nzbget": "nzbget.conf", "sabnzbd": "sabnzbd.ini"},
    "native": {"qbittorrent": "qBittorrent/config/qBittorrent.conf", "nzbget": "nzbget.conf", "sabnzbd": "sabnzbd.ini"},
}


def credential_files(runtime, config_paths):
    """The password-holding config files of the apps in config_paths, for a runtime."""
    layout = CREDENTIAL_FILES.get(runtime, {})
    return [{"app": app, "path": os.path.join(config_paths[app], layout[app])}
            for app in sorted(config_paths) if app in layout]


def expected_mounts(items, default_options, default_access):
    """nfs_client_mounts items as the kernel should show them: rw/ro, then the item's own options
    or the defaults (the nfs_client role's rule: a mount's own options replace the defaults)."""
    out = []
    for item in items:
        access = item.get("access", "auto")
        if access == "auto":
            access = default_access
        options = list(item.get("options") or default_options)
        out.append({"mount": item["mount"], "options": [access] + options})
    return out


def human_bytes(value):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return "%.0f %s" % (value, unit) if unit == "B" else "%.1f %s" % (value, unit)
        value /= 1024.0
    return str(value)


def _why(exc):
    if exc is None:
        return "unknown error"
    return exc.strerror or str(exc)


def _read_text(path):
    with open(path, "r") as handle:
        return handle.read()


# --- report -----------------------------------------------------------------------------------

def summarise(findings):
    counts = dict((status, 0) for status in STATUSES)
    for item in findings:
        counts[item["status"]] += 1
    return counts


def render_table(findings, only_problems=True):
    """A short fixed-width table for the run's output: problems first, then a count of the rest."""
    rows = [f for f in findings if f["status"] != "ok"] if only_problems else list(findings)
    rows.sort(key=lambda f: (STATUSES.index(f["status"]) * -1, f["layer"], f["host"], f["check"], f["where"]))
    lines = []
    for f in rows:
        lines.append("%-4s %-8s %-16s %-18s %s" % (f["status"].upper(), f["layer"], f["host"][:16], f["check"][:18], f["message"]))
        if f["fix"]:
            lines.append("     fix: %s" % f["fix"])
    counts = summarise(findings)
    lines.append("%d checks: %d ok, %d warnings, %d failed" % (len(findings), counts["ok"], counts["warn"], counts["fail"]))
    return lines


def render_markdown(findings, title="homelab.mediastack doctor"):
    counts = summarise(findings)
    out = ["# %s" % title, "",
           "%d checks: %d ok, %d warnings, %d failed." % (len(findings), counts["ok"], counts["warn"], counts["fail"]), "",
           "| status | layer | host | check | where | what | fix |", "|---|---|---|---|---|---|---|"]
    order = sorted(findings, key=lambda f: (-STATUSES.index(f["status"]), f["layer"], f["host"], f["check"], f["where"]))
    for f in order:
        cells = [f["status"], f["layer"], f["host"], f["check"], f["where"], f["message"], f["fix"]]
        out.append("| %s |" % " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells))
    return "\n".join(out) + "\n"


def render_json(findings):
    return json.dumps({"summary": summarise(findings), "findings": findings}, indent=2, sort_keys=True) + "\n"
