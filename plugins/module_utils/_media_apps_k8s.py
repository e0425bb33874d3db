# -*- coding: utf-8 -*-
# Copyright: (c) 2026, homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The media apps as Kubernetes objects (the kubernetes runtime of the media_apps role).

Pure functions, used by the filter media_apps_k8s and tested directly by tests/unit. Choices:
- the media tree is the NAS's existing export: a static PersistentVolume (server + path) bound by
  name to one ReadWriteMany claim, mounted once at the data root in every pod that uses it;
- no fsGroup on pods that mount the NFS tree (the images use PUID/PGID; fsGroup would re-own the
  whole library on every start);
- secrets are in place before the app's first start: the Secret holds them, an init container
  (the app's own image) writes them into the app's config file on every start, before the app runs;
- every field of an app the runtime cannot honour is refused with a message, never dropped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress

from ansible_collections.homelab.mediastack.plugins.module_utils._media_apps import (
    MediaAppsError,
    _app_env,
    _arr_link_env,
    _gluetun_env,
    app_secret_env,
    qbittorrent_settings,
)
from ansible_collections.homelab.mediastack.plugins.module_utils._secrets import qbittorrent_pbkdf2
from ansible_collections.homelab.mediastack.plugins.module_utils._tautulli import (
    wanted_settings as tautulli_settings)

# App fields the kubernetes runtime honours; any other field set on an app is refused.
K8S_FIELDS = frozenset([
    'name', 'image', 'tag', 'ports', 'config_dir', 'config_path', 'config_size', 'media', 'env', 'healthcheck',
    'resources', 'memory_floor', 'secret', 'native', 'vpn', 'lb_ip', 'username', 'cap_add', 'devices',
    'privileged', 'node', 'node_selector', 'tolerations', 'affinity', 'extra_volumes', 'host_whitelist',
    # the same meaning as in Compose: writes_media is the preflight's (no read-only media mount),
    # secret_env/arr_links become env from the Secret, run_as_media_user the pod's runAsUser/Group
    'writes_media', 'secret_env', 'arr_links', 'run_as_media_user',
])
# runc's default device allow list has /dev/net/tun (libcontainer/specconv AllowedDevices); any
# other device node needs a privileged container or a device plugin resource.
_DEFAULT_ALLOWED_DEVICES = ('/dev/net/tun',)
_TOLERATION_KEYS = frozenset(['key', 'operator', 'value', 'effect', 'tolerationSeconds'])
_SECRET = 'media-apps-secrets'


def _labels(app_name):
    return {'app.kubernetes.io/name': app_name, 'app.kubernetes.io/part-of': 'mediastack'}


def _probe(app, kind):
    check = app.get('healthcheck') or {}
    port = int(check.get('port', app['ports'][0]['port'] if app['ports'] else 80))
    if check.get('type', 'http') == 'tcp':
        probe = {'tcpSocket': {'port': port}}
    else:
        probe = {'httpGet': {'path': check.get('path', '/'), 'port': port}}
    probe.update({'periodSeconds': 30, 'timeoutSeconds': 10, 'failureThreshold': 5})
    if kind == 'startup':
        probe.update({'periodSeconds': 10, 'failureThreshold': 30})
    return probe


def _resources(app):
    resources = {}
    for part in ('requests', 'limits'):
        values = (app.get('resources') or {}).get(part) or {}
        if values:
            resources[part] = dict((k, str(v)) for k, v in values.items())
    return resources


def _device_path(device):
    return str(device).split(':', 1)[0]


def k8s_errors(apps, pod_security='privileged'):
    """Fields the kubernetes runtime would have to drop or cannot run, one message per problem."""
    errors = []
    for name in sorted(apps):
        app = apps[name]
        unknown = sorted(set(app) - K8S_FIELDS)
        if 'volumes' in unknown:
            errors.append('%s: volumes (Compose bind mounts) cannot run on Kubernetes; use extra_volumes '
                          '({name, mount, empty_dir: {}} or host_path) in media_apps_overrides.%s' % (name, name))
            unknown.remove('volumes')
        if unknown:
            errors.append('%s: the kubernetes runtime does not know the field(s) %s; remove them from '
                          'media_apps_overrides.%s (nothing is silently dropped)' % (name, ', '.join(unknown), name))
        devices = [_device_path(d) for d in app.get('devices') or []]
        others = [d for d in devices if d not in _DEFAULT_ALLOWED_DEVICES]
        if others and not app.get('privileged'):
            errors.append('%s: device(s) %s need privileged: true on Kubernetes (the container runtime denies other '
                          'device nodes); for an Intel GPU request gpu.intel.com/i915 in resources.limits instead '
                          '(the device plugin of cluster_addons)' % (name, ', '.join(others)))
        if (app.get('privileged') or app.get('cap_add') or devices) and pod_security != 'privileged' \
                and name != 'gluetun':
            errors.append('%s: needs privileges (privileged, cap_add or devices) that the PodSecurity level %s '
                          'forbids; set media_apps_k8s_pod_security: privileged or drop them' % (name, pod_security))
        for toleration in app.get('tolerations') or []:
            if not isinstance(toleration, dict) or set(toleration) - _TOLERATION_KEYS:
                errors.append('%s: a toleration has fields other than %s: %r'
                              % (name, ', '.join(sorted(_TOLERATION_KEYS)), toleration))
        selector = app.get('node_selector')
        if selector is not None and not isinstance(selector, dict):
            errors.append('%s: node_selector is a mapping of node labels, e.g. {gpu: "true"}' % name)
        for volume in app.get('extra_volumes') or []:
            kinds = [k for k in ('empty_dir', 'host_path', 'claim') if k in (volume or {})]
            if not isinstance(volume, dict) or not volume.get('name') or not volume.get('mount') or len(kinds) != 1:
                errors.append('%s: an extra_volumes item needs name, mount and exactly one of empty_dir, host_path, '
                              'claim: %r' % (name, volume))
    if 'gluetun' in apps and pod_security != 'privileged':
        errors.append('gluetun: the VPN sidecar needs NET_ADMIN and /dev/net/tun, which the PodSecurity level %s '
                      'forbids; set media_apps_k8s_pod_security: privileged' % pod_security)
    return errors


# The seed step: a POSIX shell script run by the app's own image before the app starts. It makes the
# file when it is missing (from a template inside the image when one is given) and sets each managed
# key in its section; values come from the environment (the Secret), never from the script text.
_SEED_SCRIPT = r'''set -eu
f="$SEED_FILE"
mkdir -p "$(dirname "$f")"
if [ ! -f "$f" ]; then
  if [ -n "${SEED_TEMPLATE:-}" ] && [ -f "$SEED_TEMPLATE" ]; then cp "$SEED_TEMPLATE" "$f"; else : > "$f"; fi
fi
i=1
while eval "[ -n \"\${SEED_K$i:-}\" ]"; do
  eval "export K=\"\$SEED_K$i\" S=\"\${SEED_S$i:-}\" V=\"\$SEED_V$i\""
  awk 'BEGIN { k = ENVIRON["K"]; s = ENVIRON["S"]; v = ENVIRON["V"]; sep = ENVIRON["SEED_SEP"]
               head = "[" s "]"; inside = (s == ""); done = 0 }
       /^\[/ { if (inside && !done) { print k sep v; done = 1 }; inside = ($0 == head); print; next }
       inside && !done && (index($0, k sep) == 1 || index($0, k "=") == 1) { print k sep v; done = 1; next }
       inside && done && (index($0, k sep) == 1 || index($0, k "=") == 1) { next }
       { print }
       END { if (!done) { if (!inside) print head; print k sep v } }' "$f" > "$f.seed"
  cat "$f.seed" > "$f"
  rm -f "$f.seed"
  i=$((i + 1))
done
chown "$PUID:$PGID" "$f" "$(dirname "$f")"
chmod 0600 "$f"
'''


# The link's values the Secret holds (the token, the password hash, and the identifier, which the
# role reads back from the Secret to keep the link while Plex does not answer).
_TAUTULLI_SECRET_KEYS = {'pms_token': 'TAUTULLI_PMS_TOKEN', 'pms_identifier': 'TAUTULLI_PMS_IDENTIFIER',
                         'http_password': 'TAUTULLI_HTTP_PASSWORD'}


def tautulli_link_keys(link, namespace, name='tautulli'):
    """[(section, key, value, secret_key or None)] of Tautulli's link to Plex, for the seed step.

    ``link``: {plex_url, token, identifier, username, password}, the values the compose runtime's
    tautulli_plex_link module writes; the same settings (_tautulli.wanted_settings), with the login
    hash's salt derived from the namespace and app (stable_salt: the Secret stays the same).
    Tautulli (Tautulli/Tautulli) reads config.ini once, when it starts (plexpy/config.py
    Config.__init__, ConfigObj; the [PMS] and [General] keys of _CONFIG_DEFINITIONS), and connects to
    Plex then (plexpy/__init__.py startup_refresh, with first_run_complete set): so the seed step,
    which runs before Tautulli starts, is where the keys are written.
    """
    for field in ('plex_url', 'token', 'identifier'):
        if not link.get(field):
            raise MediaAppsError('tautulli_link needs %s (Plex as Tautulli reaches it, the Plex token and '
                                 "Plex's machine identifier)" % field)
    if link.get('password') and not link.get('username'):
        raise MediaAppsError('tautulli_link: Tautulli needs a login name (username) with the password')
    try:
        settings = tautulli_settings(link['plex_url'], link['token'], link['identifier'], link.get('username'),
                                     link.get('password') or None, salt_seed='%s/%s' % (namespace, name))
    except ValueError as exc:
        raise MediaAppsError('tautulli_link: %s' % exc)
    return [(section, key, value, _secret_key(name, _TAUTULLI_SECRET_KEYS[key]) if key in _TAUTULLI_SECRET_KEYS
             else None) for section, key, value in settings]


def _seed_spec(app, namespace, api_keys, passwords, data_root, tautulli_link=None):
    """(file, separator, template, [(section, key, value, secret_key or None)]) or None.

    The Secret keys carry the app's name (_secret_key): a second instance of an app (an extra
    catalog app with the same config file) seeds its own value, not the first one's.
    """
    name = app['name']
    secret = app.get('secret') or {}
    config_dir = app.get('config_dir') or '/config'
    if name == 'qbittorrent' or (secret.get('kind') == 'password' and secret.get('file', '').endswith('qBittorrent.conf')):
        password = passwords.get(name)
        if not password:
            return None
        pw_hash = qbittorrent_pbkdf2(password, seed='%s/%s' % (namespace, name))
        settings = qbittorrent_settings(pw_hash, username=app.get('username', 'admin'), port=app['ports'][0]['port'],
                                        save_path='%s/torrents' % data_root)
        keys = []
        for item in settings:
            is_secret = item['key'] == 'WebUI\\Password_PBKDF2'
            keys.append((item['section'], item['key'], item['value'],
                         _secret_key(name, 'QBITTORRENT_WEBUI_PASSWORD_PBKDF2') if is_secret else None))
        return ('%s/%s' % (config_dir, secret.get('file', 'qBittorrent/qBittorrent.conf')), '=', '', keys)
    if name == 'sabnzbd' or secret.get('file') == 'sabnzbd.ini':
        key = api_keys.get(name)
        if not key:
            return None
        # SABnzbd refuses a request whose Host is a name it does not know ("hostname verification"):
        # the Service's names in the cluster are whitelisted, plus any the inventory adds.
        whitelist = [name, '%s.%s' % (name, namespace), '%s.%s.svc' % (name, namespace),
                     '%s.%s.svc.cluster.local' % (name, namespace)] + list(app.get('host_whitelist') or [])
        return ('%s/sabnzbd.ini' % config_dir, ' = ', '', [
            ('misc', 'api_key', key, _secret_key(name, 'SABNZBD_API_KEY')),
            ('misc', 'host_whitelist', ', '.join(whitelist), None)])
    if name == 'tautulli' or (secret.get('kind') == 'api_key' and secret.get('file') == 'config.ini'):
        key = api_keys.get(name)
        keys = []
        if key:
            # Tautulli's API key and switch in [General] of its config.ini (plexpy/config.py). Tautulli
            # writes the whole file from memory when it stops, so the keys are set again before each start.
            keys = [('General', 'api_key', key, _secret_key(name, 'TAUTULLI_API_KEY')),
                    ('General', 'api_enabled', '1', None)]
        if name == 'tautulli' and tautulli_link:
            keys += tautulli_link_keys(tautulli_link, namespace, name)
        if not keys:
            return None
        return ('%s/config.ini' % config_dir, ' = ', '', keys)
    if name == 'nzbget' or (secret.get('kind') == 'password' and secret.get('file') == 'nzbget.conf'):
        password = passwords.get(name)
        if not password:
            return None
        # the image's own default config (what LinuxServer's init-nzbget-config copies when the file is missing)
        return ('%s/nzbget.conf' % config_dir, '=', '/app/nzbget/share/nzbget/nzbget.conf', [
            ('', 'ControlUsername', app.get('username', 'nzbget'), None),
            ('', 'ControlPassword', password, _secret_key(name, 'NZBGET_CONTROL_PASSWORD'))])
    return None


def _seed_container(app, spec, uid, gid):
    path, sep, template, keys = spec
    env = [{'name': 'SEED_FILE', 'value': path}, {'name': 'SEED_SEP', 'value': sep},
           {'name': 'SEED_TEMPLATE', 'value': template}, {'name': 'PUID', 'value': str(uid)},
           {'name': 'PGID', 'value': str(gid)}]
    for index, (section, key, value, secret_key) in enumerate(keys, 1):
        env.append({'name': 'SEED_K%d' % index, 'value': key})
        env.append({'name': 'SEED_S%d' % index, 'value': section})
        if secret_key:
            env.append({'name': 'SEED_V%d' % index, 'valueFrom': {'secretKeyRef': {'name': _SECRET, 'key': secret_key}}})
        else:
            env.append({'name': 'SEED_V%d' % index, 'value': str(value)})
    return {'name': 'seed-config', 'image': '%s:%s' % (app['image'], app['tag']),
            'command': ['/bin/sh', '-c', _SEED_SCRIPT], 'env': env,
            'volumeMounts': [{'name': 'config', 'mountPath': app.get('config_dir') or '/config'}],
            'resources': {'requests': {'cpu': '10m', 'memory': '16Mi'}, 'limits': {'memory': '64Mi'}}}


def _ports(app):
    return [int(p['port']) for p in app.get('ports') or []]


def _gluetun_sidecar(gluetun, app, vpn):
    env = _gluetun_env(vpn)
    env.pop('FIREWALL', None)  # not a Gluetun setting (its firewall is always on unless disabled)
    # Gluetun drops inbound traffic on the pod's interface except these ports: the app's own, so the
    # Service and the kubelet's probes reach it (Gluetun's wiki: Kubernetes sidecar).
    env['FIREWALL_INPUT_PORTS'] = ','.join(str(p) for p in sorted(set(_ports(app))))
    for key, value in sorted((vpn.get('env') or {}).items()):
        env[str(key)] = ','.join(str(v) for v in value) if isinstance(value, list) else str(value)
    return {
        'name': 'gluetun',
        'image': '%s:%s' % (gluetun['image'], gluetun['tag']),
        # a native sidecar (Kubernetes 1.29+): started before the app, kept running beside it
        'restartPolicy': 'Always',
        'env': ([{'name': k, 'value': v} for k, v in sorted(env.items())]
                + [{'name': k, 'valueFrom': {'secretKeyRef': {'name': _SECRET, 'key': k}}}
                   for k in sorted(vpn.get('secrets') or {})]),
        'securityContext': {'capabilities': {'add': ['NET_ADMIN']}},
        'volumeMounts': [{'name': 'tun', 'mountPath': '/dev/net/tun'}],
        # the app starts only once the tunnel is up: the image's own health check (its Dockerfile
        # HEALTHCHECK runs /gluetun-entrypoint healthcheck)
        'startupProbe': {'exec': {'command': ['/gluetun-entrypoint', 'healthcheck']},
                         'periodSeconds': 5, 'timeoutSeconds': 5, 'failureThreshold': 60},
        'livenessProbe': {'exec': {'command': ['/gluetun-entrypoint', 'healthcheck']},
                          'periodSeconds': 30, 'timeoutSeconds': 5, 'failureThreshold': 3},
        'resources': _resources(gluetun) or {'limits': {'memory': '256Mi'}},
    }


def media_volume(namespace, claim, server, path, storage_class, size='1Ti', mount_options=None):
    """The static PersistentVolume of the NAS's media tree and its claim, bound to each other by name."""
    if not server:
        raise MediaAppsError('the media tree needs its NFS server: set mediastack_nfs_server (the NAS address the '
                             'cluster nodes mount) or media_apps_k8s_nfs_server')
    if not str(path).startswith('/'):
        raise MediaAppsError('the NFS export of the media tree must be an absolute path, got %r' % (path,))
    pv_name = '%s-%s' % (namespace, claim)
    pv = {'apiVersion': 'v1', 'kind': 'PersistentVolume',
          'metadata': {'name': pv_name, 'labels': {'app.kubernetes.io/part-of': 'mediastack'}},
          'spec': {'capacity': {'storage': str(size)}, 'accessModes': ['ReadWriteMany'],
                   'persistentVolumeReclaimPolicy': 'Retain', 'storageClassName': storage_class,
                   # bound from the claim's side (volumeName): a claimRef here would be re-applied over
                   # the one the PV controller completes (uid), an atomic field, on every run
                   # csi-driver-nfs static volume: server and share from the attributes, the handle unique
                   # per share (kubernetes-csi/csi-driver-nfs deploy/example/pv-nfs-csi.yaml)
                   'csi': {'driver': 'nfs.csi.k8s.io', 'volumeHandle': '%s%s##' % (server, path),
                           'volumeAttributes': {'server': str(server), 'share': str(path)}}}}
    if mount_options:
        pv['spec']['mountOptions'] = [str(o) for o in mount_options]
    pvc = {'apiVersion': 'v1', 'kind': 'PersistentVolumeClaim',
           'metadata': {'name': claim, 'namespace': namespace, 'labels': {'app.kubernetes.io/part-of': 'mediastack'}},
           'spec': {'accessModes': ['ReadWriteMany'], 'storageClassName': storage_class, 'volumeName': pv_name,
                    'resources': {'requests': {'storage': str(size)}}}}
    return [pv, pvc]


def _secret_key(app_name, env_name):
    # one Secret for the namespace; its keys carry the app's name, so two apps with the same
    # variable (API_KEY, TOKEN) never read each other's value
    return '%s.%s' % (app_name, env_name)


def k8s_manifests(apps, namespace, config_storage_class, media_claim, uid, gid, timezone, api_keys=None,
                  passwords=None, pod_security='privileged', config_size='5Gi', media=None, vpn=None,
                  metallb_pool='', data_root='/data', app_secrets=None, links=None, homepage_services=None,
                  tautulli_link=None):
    """Kubernetes objects (list of dicts) for the apps in one namespace.

    ``media``: {server, path, storage_class, size, mount_options} of the NAS's media tree (static PV).
    ``vpn``: {provider, type, outbound_subnets, env, secrets} for the Gluetun sidecar.
    ``app_secrets``: {app: {ENV: value}} (media_apps_secrets: Plex's PLEX_CLAIM, an extra app's token).
    ``links``: the *arr apps an app with arr_links (Unpackerr) talks to (media_apps_arr_links).
    ``homepage_services``: the text of Homepage's services.yaml (no secret in it: the keys are
    HOMEPAGE_VAR_* in ``app_secrets['homepage']``), a ConfigMap mounted over that one file.
    ``tautulli_link``: {plex_url, token, identifier, username, password} of Tautulli's link to Plex
    (the role reads the identifier from Plex's /identity), seeded into its config.ini before each start.
    Each app's secret environment is the one its Compose env file holds (app_secret_env).
    """
    api_keys = api_keys or {}
    passwords = passwords or {}
    vpn = vpn or {}
    errors = k8s_errors(apps, pod_security)
    if errors:
        raise MediaAppsError('; '.join(errors))
    objects = [{
        'apiVersion': 'v1', 'kind': 'Namespace',
        'metadata': {'name': namespace, 'labels': {
            'pod-security.kubernetes.io/enforce': pod_security,
            'pod-security.kubernetes.io/enforce-version': 'latest',
            'pod-security.kubernetes.io/audit': pod_security,
            'pod-security.kubernetes.io/warn': pod_security}},
    }]
    secret_data = {}
    seeds = {}
    app_env_secrets = {}
    for app_name in sorted(apps):
        app = apps[app_name]
        if app_name != 'gluetun':  # the sidecar's keys are the VPN's, below
            app_env_secrets[app_name] = app_secret_env(app, api_keys, passwords, app_secrets, None, apps, links,
                                                       data_root)
            secret_data.update(dict((_secret_key(app_name, k), str(v)) for k, v in app_env_secrets[app_name].items()))
        if app.get('config_dir'):
            spec = _seed_spec(app, namespace, api_keys, passwords, data_root, tautulli_link)
            if spec:
                seeds[app_name] = spec
                for _section, _key, value, secret_key in spec[3]:
                    if secret_key:
                        secret_data[secret_key] = str(value)
    if 'gluetun' in apps:
        secret_data.update(dict((k, str(v)) for k, v in (vpn.get('secrets') or {}).items()))
    if secret_data:
        objects.append({'apiVersion': 'v1', 'kind': 'Secret', 'type': 'Opaque',
                        'metadata': {'name': _SECRET, 'namespace': namespace},
                        'stringData': secret_data})
    homepage_map = None
    if 'homepage' in apps and homepage_services:
        homepage_map = {'apiVersion': 'v1', 'kind': 'ConfigMap',
                        'metadata': {'name': 'homepage-services', 'namespace': namespace, 'labels': _labels('homepage')},
                        'data': {'services.yaml': str(homepage_services)}}
        objects.append(homepage_map)
    if any(apps[n].get('media', 'none') != 'none' for n in apps if n != 'gluetun'):
        media = media or {}
        objects.extend(media_volume(namespace, media_claim, media.get('server'), media.get('path', data_root),
                                    media.get('storage_class', ''), media.get('size', '1Ti'),
                                    media.get('mount_options')))
    for app_name in sorted(apps):
        app = apps[app_name]
        if app_name == 'gluetun':
            continue  # a sidecar in the pods that use it, not a workload of its own
        labels = _labels(app_name)
        container = {
            'name': app_name,
            'image': '%s:%s' % (app['image'], app['tag']),
            'env': [{'name': k, 'value': v} for k, v in sorted(dict(
                _app_env(app, uid, gid, timezone), **_arr_link_env(app, apps, links, data_root)[0]).items())],
            'ports': [{'name': p.get('name', 'p%s' % p['port'])[:15], 'containerPort': int(p['port']),
                       'protocol': p.get('protocol', 'tcp').upper()} for p in app['ports']],
            'volumeMounts': [],
        }
        for key in sorted(app_env_secrets[app_name]):
            container['env'].append({'name': key, 'valueFrom': {'secretKeyRef': {
                'name': _SECRET, 'key': _secret_key(app_name, key)}}})
        if app.get('healthcheck'):
            container['readinessProbe'] = _probe(app, 'readiness')
            container['livenessProbe'] = _probe(app, 'liveness')
            container['startupProbe'] = _probe(app, 'startup')
        resources = _resources(app)
        if resources:
            container['resources'] = resources
        security = {}
        if app.get('cap_add'):
            security['capabilities'] = {'add': [str(c) for c in app['cap_add']]}
        if app.get('privileged'):
            security['privileged'] = True
        if app.get('run_as_media_user'):
            # an image without PUID/PGID runs as the media user, as Compose's `user: uid:gid`
            security.update({'runAsUser': int(uid), 'runAsGroup': int(gid)})
        if security:
            container['securityContext'] = security
        volumes = []
        init_containers = []
        if app.get('config_dir'):
            container['volumeMounts'].append({'name': 'config', 'mountPath': app['config_dir']})
            volumes.append({'name': 'config', 'persistentVolumeClaim': {'claimName': '%s-config' % app_name}})
            objects.append({'apiVersion': 'v1', 'kind': 'PersistentVolumeClaim',
                            'metadata': {'name': '%s-config' % app_name, 'namespace': namespace, 'labels': labels},
                            'spec': {'accessModes': ['ReadWriteOnce'], 'storageClassName': config_storage_class,
                                     'resources': {'requests': {'storage': str(app.get('config_size', config_size))}}}})
            if app_name in seeds:
                init_containers.append(_seed_container(app, seeds[app_name], uid, gid))
        on_nfs = app.get('media', 'none') != 'none'
        if on_nfs:
            container['volumeMounts'].append({'name': 'data', 'mountPath': data_root,
                                              'readOnly': app['media'] == 'ro'})
            volumes.append({'name': 'data', 'persistentVolumeClaim': {'claimName': media_claim}})
        for index, device in enumerate(app.get('devices') or []):
            path = _device_path(device)
            volumes.append({'name': 'dev-%d' % index, 'hostPath': {'path': path, 'type': 'CharDevice'}})
            container['volumeMounts'].append({'name': 'dev-%d' % index, 'mountPath': path})
        for extra in app.get('extra_volumes') or []:
            volume = {'name': extra['name']}
            if 'empty_dir' in extra:
                empty = dict(extra['empty_dir'] or {})
                volume['emptyDir'] = dict((('sizeLimit' if k == 'size_limit' else k), str(v)) for k, v in empty.items())
            elif 'host_path' in extra:
                volume['hostPath'] = {'path': str(extra['host_path']), 'type': extra.get('host_path_type', 'Directory')}
            else:
                volume['persistentVolumeClaim'] = {'claimName': str(extra['claim'])}
            volumes.append(volume)
            container['volumeMounts'].append({'name': extra['name'], 'mountPath': str(extra['mount']),
                                              'readOnly': bool(extra.get('read_only', False))})
        template_annotations = {}
        if app_name == 'homepage' and homepage_map:
            # One file of the config folder; Homepage keeps writing the others (settings.yaml, logs).
            volumes.append({'name': 'services', 'configMap': {'name': 'homepage-services'}})
            container['volumeMounts'].append({'name': 'services', 'readOnly': True, 'subPath': 'services.yaml',
                                              'mountPath': '%s/services.yaml' % (app.get('config_dir') or '/app/config')})
            # A subPath mount never sees a changed ConfigMap: the checksum rolls the pod when it changes.
            template_annotations['homelab.mediastack/services-sha256'] = hashlib.sha256(
                homepage_map['data']['services.yaml'].encode('utf-8')).hexdigest()
        if app_name in seeds and app_name == 'tautulli' and tautulli_link:
            # The seed step runs only when the pod starts, and a changed Secret value does not restart
            # it: the checksum of the seeded values rolls the pod when the link changes (a new token,
            # Plex's identifier after a reinstall), so the new values reach config.ini.
            # (as Helm charts' checksum/secret annotation; a digest, never the values themselves).
            template_annotations['homelab.mediastack/seed-sha256'] = hashlib.sha256('\n'.join(
                '%s.%s=%s' % (section, key, value) for section, key, value, _s in seeds[app_name][3]).encode(
                    'utf-8')).hexdigest()
        if app.get('vpn') and 'gluetun' in apps:
            init_containers.append(_gluetun_sidecar(apps['gluetun'], app, vpn))
            volumes.append({'name': 'tun', 'hostPath': {'path': '/dev/net/tun', 'type': 'CharDevice'}})
        pod_spec = {'containers': [container]}
        if init_containers:
            pod_spec['initContainers'] = init_containers
        if not on_nfs:
            # Only for pods without the NFS tree: fsGroup re-owns every file of every volume on start.
            pod_spec['securityContext'] = {'fsGroup': int(gid), 'fsGroupChangePolicy': 'OnRootMismatch'}
        if volumes:
            pod_spec['volumes'] = volumes
        selector = {}
        if app.get('node'):
            selector['kubernetes.io/hostname'] = str(app['node'])
        selector.update(dict((str(k), str(v)) for k, v in (app.get('node_selector') or {}).items()))
        if selector:
            pod_spec['nodeSelector'] = selector
        if app.get('tolerations'):
            pod_spec['tolerations'] = [dict(t) for t in app['tolerations']]
        if app.get('affinity'):
            pod_spec['affinity'] = app['affinity']
        objects.append({
            'apiVersion': 'apps/v1', 'kind': 'Deployment',
            'metadata': {'name': app_name, 'namespace': namespace, 'labels': labels},
            'spec': {'replicas': 1, 'strategy': {'type': 'Recreate'},
                     'selector': {'matchLabels': labels},
                     'template': {'metadata': dict({'labels': labels}, **(
                         {'annotations': template_annotations} if template_annotations else {})),
                         'spec': pod_spec}},
        })
        if app['ports']:
            service = {'apiVersion': 'v1', 'kind': 'Service',
                       'metadata': {'name': app_name, 'namespace': namespace, 'labels': labels},
                       'spec': {'selector': labels, 'type': 'ClusterIP',
                                'ports': [{'name': p.get('name', 'p%s' % p['port'])[:15], 'port': int(p['port']),
                                           'targetPort': int(p['port']),
                                           'protocol': p.get('protocol', 'tcp').upper()} for p in app['ports']]}}
            if app.get('lb_ip'):
                ipaddress.ip_address(str(app['lb_ip']))
                service['spec']['type'] = 'LoadBalancer'
                # the pool does not hand out addresses by itself (autoAssign: false): each app asks for its own
                service['metadata']['annotations'] = {'metallb.io/loadBalancerIPs': str(app['lb_ip'])}
                if metallb_pool:
                    service['metadata']['annotations']['metallb.io/address-pool'] = metallb_pool
            objects.append(service)
    return objects
