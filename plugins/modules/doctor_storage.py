#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: doctor_storage
short_description: Read-only checks of a host's media tree, config folders, NFS mounts and app passwords
version_added: 0.2.0
description:
  - Checks, from the point of view of the apps on this host, what the seeds lost hours to
    diagnosing. It only reads (C(stat), C(statvfs), C(/proc/self/mountinfo), the apps' config
    files) and never changes anything, in check mode or not.
  - C(same_filesystem) - each download folder and the media library are on one filesystem, so
    imports hardlink and move atomically (two NFS mounts of one server are two filesystems).
  - C(config_off_network) - each app's config folder is not on NFS, SMB or another network
    filesystem (their SQLite databases corrupt there), nor under a mount point of O(nfs_mounts)
    (NFS whenever that mount is up, even when it is not at the time of the check).
  - C(nfs_mount) - each declared NFS mount is mounted, answers without a stale handle, and shows
    the mount options the inventory asked for (C(nfsvers=) is shown by the kernel as C(vers=)).
  - C(media_ownership) - the media tree root and its top folders belong to the shared media group
    and are group-writable.
  - C(free_space) - free space of the media tree.
  - C(default_password) - qBittorrent has a stored Web UI password (not a temporary or default
    one), NZBGet is not on its default password, SABnzbd has an API key. Read from the config
    files; no login is tried (failed logins count towards qBittorrent's IP ban).
  - Each finding has a status (V(ok), V(warn), V(fail)), what is wrong, where, and the fix. The
    module never fails on a finding; M(homelab.mediastack.doctor_report) decides.
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show as a diff.
  idempotent:
    support: full
    description: Nothing is changed, ever.
options:
  data_root:
    description: The media tree root as this host sees it (C(mediastack_data_root)).
    type: path
    required: true
  download_folders:
    description: Download folders under O(data_root); missing ones are skipped (a host without a usenet client has no usenet folder).
    type: list
    elements: str
    default: [torrents, usenet]
  media_folder:
    description: The library folder under O(data_root).
    type: str
    default: media
  config_paths:
    description: App name to its config folder on this host.
    type: dict
    default: {}
  nfs_mounts:
    description:
      - NFS mounts this host should have, as C(nfs_client_mounts) items (C(mount) and C(options) are
        read; C(server) and C(export) name them in messages).
    type: list
    elements: dict
    default: []
  media_gid:
    description: The shared media group's id; omit to skip the ownership check.
    type: int
  free_space_warn_percent:
    description: Warn below this much free space on O(data_root).
    type: float
    default: 10
  free_space_fail_percent:
    description: Fail below this much free space on O(data_root).
    type: float
    default: 2
  nfs_default_options:
    description: Options a mount item without C(options) must show (C(nfs_client_options)).
    type: list
    elements: str
    default: [nfsvers=4.2, soft, timeo=150, retrans=3, noatime]
  nfs_default_access:
    description: V(rw) or V(ro) for mount items whose C(access) is V(auto) (read-write on download hosts).
    type: str
    choices: [rw, ro]
    default: rw
  runtime:
    description: How the apps run on this host; it decides where their password files are
      (C(qBittorrent.conf), C(nzbget.conf), C(sabnzbd.ini)) under their config folders.
    type: str
    choices: [compose, native]
    default: compose
  app_configs:
    description: More config files to check for default or temporary passwords, C({app, path}) with
      app one of V(qbittorrent), V(nzbget), V(sabnzbd). The apps in O(config_paths) are checked
      without being listed here.
    type: list
    elements: dict
    default: []
notes:
  - Runs on each app host (download and streaming hosts, the NAS when apps run there).
seealso:
  - module: homelab.mediastack.doctor_report
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Check the media tree as the apps on this host see it
  homelab.mediastack.doctor_storage:
    data_root: /data
    config_paths: {qbittorrent: /srv/mediastack/config/qbittorrent}
    nfs_mounts: "{{ nfs_client_mounts }}"
    media_gid: 2000
    runtime: compose
  register: storage_findings
'''

RETURN = r'''
findings:
  description: One item per check and place.
  returned: always
  type: list
  elements: dict
  sample:
    - {check: same_filesystem, layer: storage, host: '', where: /data/torrents, status: fail,
       message: /data/torrents (on /data/torrents) and /data/media (on /data/media) are different filesystems,
       fix: put downloads and the library under one mount of mediastack_data_root}
summary:
  description: Number of findings per status.
  returned: always
  type: dict
  sample: {ok: 9, warn: 0, fail: 1}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._doctor import (
    CREDENTIAL_RULES, StorageDoctor, credential_files, expected_mounts, summarise)


def run(module, mountinfo_text):
    p = module.params
    for item in p["app_configs"]:
        if item.get("app") not in CREDENTIAL_RULES or not item.get("path"):
            module.fail_json(msg="app_configs items need app (one of %s) and path; got %r"
                             % (", ".join(sorted(CREDENTIAL_RULES)), item))
    for item in p["nfs_mounts"]:
        if not item.get("mount"):
            module.fail_json(msg="nfs_mounts items need mount (the local mount point); got %r" % (item,))
    doctor = StorageDoctor(mountinfo_text)
    findings = []
    findings += doctor.same_filesystem(p["data_root"], p["download_folders"], p["media_folder"])
    findings += doctor.config_off_network(p["config_paths"], p["nfs_mounts"])
    findings += doctor.nfs_mounts(expected_mounts(p["nfs_mounts"], p["nfs_default_options"], p["nfs_default_access"]))
    if p["media_gid"] is not None:
        findings += doctor.ownership(p["data_root"], p["download_folders"] + [p["media_folder"]], p["media_gid"])
    findings += doctor.free_space(p["data_root"], p["free_space_warn_percent"], p["free_space_fail_percent"])
    findings += doctor.credentials(credential_files(p["runtime"], p["config_paths"]) + p["app_configs"])
    return findings


def main():
    module = AnsibleModule(
        argument_spec=dict(
            data_root=dict(type="path", required=True),
            download_folders=dict(type="list", elements="str", default=["torrents", "usenet"]),
            media_folder=dict(type="str", default="media"),
            config_paths=dict(type="dict", default={}),
            nfs_mounts=dict(type="list", elements="dict", default=[]),
            media_gid=dict(type="int"),
            free_space_warn_percent=dict(type="float", default=10),
            free_space_fail_percent=dict(type="float", default=2),
            nfs_default_options=dict(type="list", elements="str",
                                     default=["nfsvers=4.2", "soft", "timeo=150", "retrans=3", "noatime"]),
            nfs_default_access=dict(type="str", choices=["rw", "ro"], default="rw"),
            runtime=dict(type="str", choices=["compose", "native"], default="compose"),
            app_configs=dict(type="list", elements="dict", default=[]),
        ),
        supports_check_mode=True,
    )
    with open("/proc/self/mountinfo") as handle:
        mountinfo_text = handle.read()
    findings = run(module, mountinfo_text)
    module.exit_json(changed=False, findings=findings, summary=summarise(findings))


if __name__ == "__main__":
    main()
