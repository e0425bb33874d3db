#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: doctor_wiring
short_description: Read-only checks of the *arr apps, Prowlarr, Jellyfin and Seerr through their APIs
version_added: 0.2.0
description:
  - Sends only GET requests, each collection once; runs no app test (the *arr download-client test
    creates qBittorrent categories, notification tests send messages) and saves nothing.
  - "*arr apps: the app answers (C(app_answers)), with the vaulted API key (C(api_key)), in a
    supported version (C(app_version)); each declared download client exists and is enabled
    (C(download_client)); each root folder exists and the app can reach it (C(root_folder)); the
    remote path mappings the storage layout needs are there, and none it does not need
    (C(remote_path_mapping))."
  - "Prowlarr: it syncs to every app at the URL the inventory gives, and to no host the inventory
    does not have (C(prowlarr_application)); indexers that need FlareSolverr share a tag with the
    FlareSolverr proxy (C(flaresolverr_tag))."
  - "Jellyfin: the first-run wizard is finished (C(jellyfin_wizard)) and every media type has a
    library (C(jellyfin_library))."
  - "Seerr: it reaches the media server and the *arr apps by names that are not its own loopback
    (C(seerr_target))."
  - Returns findings in the shape of M(homelab.mediastack.doctor_storage); never fails on one.
attributes:
  check_mode:
    support: full
    description: Only reads; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show as a diff.
  idempotent:
    support: full
    description: Changes nothing.
options:
  arr:
    description: The *arr apps, as the arr_wiring role plans them.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: The app's name in the inventory., type: str, required: true}
      app: {description: Its kind., type: str, required: true, choices: [sonarr, radarr, lidarr]}
      url: {description: How the controller reaches it., type: str, required: true}
      api_key: {description: Its vaulted API key., type: str, required: true}
      download_clients: {description: Names of the download clients it must have enabled., type: list, elements: str, default: []}
      root_folders: {description: Root folders as the app sees them., type: list, elements: str, default: []}
      remote_path_mappings:
        description: Mappings the storage layout needs, C({host, remote_path, local_path}).
        type: list
        elements: dict
        default: []
  prowlarr:
    description: Prowlarr and what it must sync.
    type: dict
    suboptions:
      url: {description: How the controller reaches Prowlarr., type: str, required: true}
      api_key: {description: Its vaulted API key., type: str, required: true}
      applications:
        description: Applications it must sync to, C({name, base_url}).
        type: list
        elements: dict
        default: []
      indexers:
        description: Declared indexers, C({name, tags}); those tagged O(prowlarr.flaresolverr_tag) must share a tag with the FlareSolverr proxy.
        type: list
        elements: dict
        default: []
      flaresolverr_tag: {description: The FlareSolverr tag., type: str, default: flaresolverr}
  jellyfin:
    description: Jellyfin, its API key and the media types that need a library.
    type: dict
    suboptions:
      url: {description: How the controller reaches Jellyfin., type: str, required: true}
      api_key:
        description: A Jellyfin API key (vaulted). Without one only the wizard is checked (the library
          list needs a key; the doctor does not sign in, which would add a session).
        type: str
      media_types: {description: 'Media types (movies, tv, music, books) that need a library.', type: list, elements: str, default: []}
  seerr:
    description: Seerr (Jellyseerr, Overseerr).
    type: dict
    suboptions:
      url: {description: How the controller reaches Seerr., type: str, required: true}
      api_key:
        description:
          - Seerr's API key (vaulted). Without one Seerr is only asked whether it answers, and a
            warning says its media server and *arr servers were not checked.
        type: str
      media_server: {description: Which media server Seerr uses., type: str, choices: [jellyfin, plex], default: jellyfin}
      loopback_ok:
        description: Seerr runs natively on the same host as the apps, so C(localhost) reaches them.
        type: bool
        default: false
  timeout:
    description: Seconds for one request; an app that does not answer is a finding, not retried.
    type: int
    default: 15
  validate_certs:
    description: Check TLS certificates.
    type: bool
    default: true
author:
  - homelab.mediastack contributors (@homelab-mediastack)
'''

EXAMPLES = r'''
- name: Check the wiring of Sonarr and Jellyfin
  homelab.mediastack.doctor_wiring:
    arr:
      - {name: sonarr, app: sonarr, url: "http://192.0.2.10:8989", api_key: "{{ vault_sonarr_api_key }}",
         download_clients: [qBittorrent], root_folders: [/data/media/tv]}
    jellyfin:
      url: http://192.0.2.11:8096
      api_key: "{{ vault_jellyfin_api_key }}"
      media_types: [movies, tv]
  delegate_to: localhost
  register: wiring_findings
'''

RETURN = r'''
findings:
  description: One item per check and place, as M(homelab.mediastack.doctor_storage) returns them.
  returned: always
  type: list
  elements: dict
summary:
  description: Number of findings per status.
  returned: always
  type: dict
  sample: {ok: 12, warn: 0, fail: 1}
requests:
  description: Number of HTTP requests sent (all GET).
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.mediastack.plugins.module_utils._doctor import summarise
from ansible_collections.homelab.mediastack.plugins.module_utils._doctor_wiring import WiringDoctor

ARR_OPTIONS = dict(
    name=dict(type="str", required=True),
    app=dict(type="str", required=True, choices=["sonarr", "radarr", "lidarr"]),
    url=dict(type="str", required=True),
    api_key=dict(type="str", required=True, no_log=True),
    download_clients=dict(type="list", elements="str", default=[]),
    root_folders=dict(type="list", elements="str", default=[]),
    remote_path_mappings=dict(type="list", elements="dict", default=[]),
)
ARGUMENT_SPEC = dict(
    arr=dict(type="list", elements="dict", default=[], options=ARR_OPTIONS),
    prowlarr=dict(type="dict", options=dict(
        url=dict(type="str", required=True),
        api_key=dict(type="str", required=True, no_log=True),
        applications=dict(type="list", elements="dict", default=[]),
        indexers=dict(type="list", elements="dict", default=[]),
        flaresolverr_tag=dict(type="str", default="flaresolverr"),
    )),
    jellyfin=dict(type="dict", options=dict(
        url=dict(type="str", required=True),
        api_key=dict(type="str", no_log=True),
        media_types=dict(type="list", elements="str", default=[]),
    )),
    seerr=dict(type="dict", options=dict(
        url=dict(type="str", required=True),
        api_key=dict(type="str", no_log=True),
        media_server=dict(type="str", choices=["jellyfin", "plex"], default="jellyfin"),
        loopback_ok=dict(type="bool", default=False),
    )),
    timeout=dict(type="int", default=15),
    validate_certs=dict(type="bool", default=True),
)


def run(params, opener=None):
    doctor = WiringDoctor(timeout=params["timeout"], validate_certs=params["validate_certs"], opener=opener)
    for spec in params["arr"]:
        doctor.arr_app(spec)
    if params.get("prowlarr"):
        doctor.prowlarr(params["prowlarr"])
    if params.get("jellyfin"):
        doctor.jellyfin(params["jellyfin"])
    if params.get("seerr"):
        doctor.seerr(params["seerr"])
    return doctor


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    for spec in module.params["prowlarr"]["applications"] if module.params.get("prowlarr") else []:
        if not spec.get("name") or not spec.get("base_url"):
            module.fail_json(msg="prowlarr.applications items need name and base_url; got %r" % (spec,))
    doctor = run(module.params)
    module.exit_json(changed=False, findings=doctor.findings, summary=summarise(doctor.findings),
                     requests=len(doctor.requests))


if __name__ == "__main__":
    main()
