# -*- coding: utf-8 -*-
# Copyright (c) homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options of every module in the homelab.mediastack.arr action group.
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of the app as the Ansible controller reaches it, with its URL base if any,
        for example V(http://sonarr.example.com:8989).
      - The app (Sonarr v4, Radarr, Lidarr or Prowlarr) and its API version are detected from
        the server; anything else fails with a clear message.
      - If not given, the environment variable E(ARR_URL) is used.
    type: str
    required: true
  api_key:
    description:
      - The app's API key (Settings > General, or C(<ApiKey>) in C(config.xml)); the
        C(apps) layer sets it before the first start from C(mediastack_api_keys).
      - A wrong key fails with "API key rejected by <app> at <url>".
      - If not given, the environment variable E(ARR_API_KEY) is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the TLS certificate when O(url) is HTTPS.
      - If not given, the environment variable E(ARR_VALIDATE_CERTS) is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds for one request, and the budget for retrying a refused connection (an app
        still starting) with backoff.
      - If not given, the environment variable E(ARR_TIMEOUT) is used.
    type: int
    default: 30
  app:
    description:
      - The app expected at O(url). When given, a different app fails the task, and messages
        name the app even before it answers.
    type: str
    choices: [sonarr, radarr, lidarr, prowlarr]
notes:
  - Runs on the controller (an action plugin of the same name calls the API in-process), so
    no host needs Python or network access to the apps except the controller.
  - Objects are matched by their natural key (name, label, path, host and remote path), never
    by id, so a rerun never creates a duplicate.
'''

    # Options of the provider-style modules (download clients, indexers, notifications,
    # Prowlarr applications and indexer proxies).
    PROVIDER = r'''
options:
  name:
    description: Name of the object (its natural key, compared case-insensitively as the apps do).
    type: str
    required: true
  implementation:
    description:
      - Implementation as the app's C(/schema) spells it (V(QBittorrent), V(Sabnzbd),
        V(Nzbget), V(FlareSolverr), V(Sonarr), ...). Needed to create the object.
      - An unknown implementation fails before any write and lists the valid ones.
    type: str
  fields:
    description:
      - Provider settings by the app's own field names (as in C(/schema)), for example
        C(host), C(port), C(password), C(tvCategory). Only the fields given are managed; the
        others keep their value (or the schema default on create).
      - Values are converted to the schema's type (V("8080") is V(8080)).
      - An unknown field fails before any write and lists the valid names.
      - Secret fields (privacy C(password) or C(apiKey)) are never shown; see O(secret_policy).
    type: dict
    default: {}
  tags:
    description:
      - Tags by label. Missing tags are created. The object gets exactly these tags.
      - Omit to leave the object's tags alone.
    type: list
    elements: str
  extra:
    description:
      - Other top-level keys of the object by the app's own names, for example
        C(removeCompletedDownloads) or C(onDownload). Unknown keys fail and list the valid ones.
    type: dict
    default: {}
  state:
    description: V(absent) deletes the object if it exists.
    type: str
    choices: [present, absent]
    default: present
  force_save:
    description:
      - Sends C(forceSave=true), for ordering problems. The apps test every enabled provider
        before saving it; with this, warnings of that test (such as a qBittorrent category that
        does not exist yet) no longer block the save. Errors (a host that cannot be reached)
        still fail; to save a provider whose target is not up yet, also set it disabled.
    type: bool
    default: false
  secret_policy:
    description:
      - The apps return secrets as C(********), so a secret can never be compared.
      - V(verify) (default) compares everything else; when nothing else differs it runs the
        app's own connection test with the stored object of an enabled download client or
        Prowlarr application (their tests send nothing), and sends the inventory's secret only
        if the test fails on a credential (C(Password), C(ApiKey), C(Username)). Any other failure
        (the client is down or restarting) is a warning and changes nothing. Notifications and
        indexers are not tested on a rerun (their tests send a message or spend indexer quota);
        for them V(verify) behaves like V(on_create). Nothing is tested in check mode.
      - V(verify_all) tests notifications and indexers too, when asked.
      - V(always) sends the secrets on every run (always reports a change).
      - V(on_create) sends them only when the object is created or rewritten for another reason.
    type: str
    choices: [verify, verify_all, always, on_create]
    default: verify
'''
