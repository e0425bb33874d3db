# -*- coding: utf-8 -*-
# Copyright: (c) 2026, homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The media apps model: catalog merge, preflight checks and rendering for each runtime.

Pure functions (no Ansible objects), used by the filters in plugins/filter/media_apps.py and
tested directly by tests/unit. The catalog itself is data: roles/media_apps/vars/main.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import re

ARR_APPS_ENV = 'AUTH__APIKEY'
_QUANTITY = re.compile(r'^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$')
# Kubernetes suffixes (decimal k/M/G/T, binary Ki/Mi/Gi/Ti) and Docker/Compose ones (b, k, m, g:
# binary). A lowercase m is Compose's mebibyte here: memory is never given in millibytes.
_UNITS = {
    '': 1, 'b': 1, 'k': 1000, 'M': 1000 ** 2, 'G': 1000 ** 3, 'T': 1000 ** 4,
    'Ki': 1024, 'Mi': 1024 ** 2, 'Gi': 1024 ** 3, 'Ti': 1024 ** 4,
    'kb': 1024, 'm': 1024 ** 2, 'mb': 1024 ** 2, 'g': 1024 ** 3, 'gb': 1024 ** 3,
}
_HEX32 = re.compile(r'^[0-9a-f]{32}$')
_NAME = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')


class MediaAppsError(ValueError):
    """A problem with the inventory, with a message that names the app and what to change."""


def deep_merge(base, override):
    """Dictionaries merge key by key; anything else (lists, scalars) is replaced."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_catalog(catalog, enabled, overrides=None, extra=None, config_root=None):
    """Return {name: app} for the enabled apps: catalog entry, then extra apps, then overrides.

    ``enabled`` is a list of app names (or dicts with ``name`` and override fields). Unknown
    names are refused with a message naming them. With ``config_root``, every app that keeps a
    config gets ``config_path`` (its folder on the host) unless the inventory set one.
    """
    full = deep_merge(catalog or {}, extra or {})
    overrides = overrides or {}
    result = {}
    for item in enabled or []:
        if isinstance(item, dict):
            if 'name' not in item:
                raise MediaAppsError('media_apps_enabled: an entry has no name: %r' % (item,))
            name, inline = item['name'], dict((k, v) for k, v in item.items() if k != 'name')
        else:
            name, inline = item, {}
        if name not in full:
            raise MediaAppsError(
                'media_apps_enabled: %s is not in the catalog (known: %s); add it to '
                'media_apps_catalog_extra to deploy a new app' % (name, ', '.join(sorted(full))))
        if name in result:
            raise MediaAppsError('media_apps_enabled: %s is listed twice' % name)
        app = deep_merge(full[name], overrides.get(name, {}))
        app = deep_merge(app, inline)
        app['name'] = name
        app.setdefault('ports', [])
        app.setdefault('env', {})
        app.setdefault('media', 'none')
        app.setdefault('vpn', False)
        app.setdefault('resources', {})
        if config_root and (app.get('config_dir') or app.get('native')) and not app.get('config_path'):
            app['config_path'] = '%s/%s' % (str(config_root).rstrip('/'), name)
        result[name] = app
    unknown = sorted(set(overrides) - set(full))
    if unknown:
        raise MediaAppsError('media_apps_overrides: %s not in the catalog' % ', '.join(unknown))
    return result


def parse_quantity(value):
    """Bytes in a memory quantity: Kubernetes (``1Gi``, ``512Mi``, ``1G``) or Compose (``1g``, ``512m``)."""
    if isinstance(value, bool):
        raise MediaAppsError('not a memory quantity: %r (use 512Mi, 1Gi, ...)' % (value,))
    if isinstance(value, (int, float)):
        return int(value)
    match = _QUANTITY.match(str(value))
    if not match or match.group(2) not in _UNITS:
        raise MediaAppsError('not a memory quantity: %r (use 512Mi, 1Gi, ...)' % (value,))
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def _pool_networks(pool):
    networks = []
    for entry in pool or []:
        text = str(entry).strip()
        if '-' in text:
            first, last = [ipaddress.ip_address(part.strip()) for part in text.split('-', 1)]
            networks.extend(ipaddress.summarize_address_range(first, last))
        else:
            networks.append(ipaddress.ip_network(text, strict=False))
    return networks


def host_ports(app):
    """Host ports the app publishes: [(port, protocol)]."""
    return [(int(p['host'] if 'host' in p else p['port']), p.get('protocol', 'tcp')) for p in app.get('ports', [])]


def preflight_errors(apps, runtime, secrets=None, pool=None, nfs_hits=None, host='this host'):
    """Every problem with the merged apps, each message naming the app and what to change."""
    errors = []
    secrets = secrets or {}
    api_keys = secrets.get('api_keys', {}) or {}
    passwords = secrets.get('passwords', {}) or {}
    for hit in nfs_hits or []:
        errors.append('%s: its config %s is on the NFS mount %s (SQLite corrupts on NFS); '
                      'set media_apps_config_root or media_apps_overrides.%s.config_path to local storage'
                      % (hit['label'], hit['path'], hit['mount'], hit['label']))
    seen_ports = {}
    seen_ips = {}
    try:
        networks = _pool_networks(pool)
    except ValueError as exc:
        errors.append('mediastack_metallb_addresses is not a list of ranges or CIDRs: %s' % exc)
        networks = []
    for name in sorted(apps):
        app = apps[name]
        if not _NAME.match(name):
            errors.append('%s: app names must be lowercase DNS labels' % name)
        if runtime == 'native':
            if not (app.get('native') or {}).get('package'):
                errors.append('%s: has no Debian package, so the native runtime cannot run it; '
                              'use the compose or kubernetes runtime for it' % name)
        elif not app.get('image') or not app.get('tag') or str(app.get('tag')) == 'latest':
            errors.append('%s: needs an image and a pinned tag (not latest); set media_apps_overrides.%s.tag'
                          % (name, name))
        if runtime != 'kubernetes' or app.get('vpn'):
            for port in host_ports(app):
                if port in seen_ports:
                    errors.append('%s: port %s/%s is already used by %s on %s; give one of them another port '
                                  'in media_apps_overrides' % (name, port[0], port[1], seen_ports[port], host))
                else:
                    seen_ports[port] = name
        secret = app.get('secret') or {}
        kind = secret.get('kind')
        if kind == 'api_key':
            if not _HEX32.match(str(api_keys.get(name, ''))):
                errors.append('%s: needs an API key chosen before its first start: set mediastack_api_keys.%s '
                              '(32 lowercase hex characters, vaulted)' % (name, name))
        elif kind == 'password':
            if not passwords.get(name):
                errors.append('%s: needs a password chosen before its first start: set media_apps_passwords.%s '
                              '(vaulted)' % (name, name))
        limit = (app.get('resources') or {}).get('limits', {}).get('memory')
        floor = app.get('memory_floor')
        if floor:
            if not limit:
                errors.append('%s: needs a memory limit of at least %s' % (name, floor))
            else:
                try:
                    if parse_quantity(limit) < parse_quantity(floor):
                        errors.append('%s: memory limit %s is below its floor %s (it gets killed); raise '
                                      'media_apps_overrides.%s.resources.limits.memory' % (name, limit, floor, name))
                except MediaAppsError as exc:
                    errors.append('%s: %s' % (name, exc))
        if runtime == 'kubernetes' and app.get('lb_ip'):
            try:
                address = ipaddress.ip_address(str(app['lb_ip']))
            except ValueError:
                errors.append('%s: lb_ip %r is not an IP address' % (name, app['lb_ip']))
                continue
            if not any(address in net for net in networks):
                errors.append('%s: LoadBalancer IP %s is outside the MetalLB pool %s; pick one inside it or grow '
                              'mediastack_metallb_addresses' % (name, address, ', '.join(map(str, pool or [])) or '(empty)'))
            if address in seen_ips:
                errors.append('%s: LoadBalancer IP %s is already given to %s' % (name, address, seen_ips[address]))
            else:
                seen_ips[address] = name
        if app.get('vpn') and 'gluetun' not in apps and runtime != 'native':
            errors.append('%s: vpn is on but gluetun is not enabled; add gluetun to media_apps_enabled' % name)
        if app.get('vpn') and runtime == 'native':
            errors.append('%s: the Gluetun VPN sidecar needs the compose or kubernetes runtime' % name)
    return errors


def arr_config_xml(port, api_key, url_base='', extra=None):
    """A minimal config.xml for Sonarr/Radarr/Lidarr/Prowlarr/Readarr with the API key set.

    The app fills in the rest on its first start and keeps this ApiKey.
    """
    if not _HEX32.match(str(api_key or '')):
        raise MediaAppsError('API key must be 32 lowercase hex characters')
    values = [('BindAddress', '*'), ('Port', str(int(port))), ('UrlBase', url_base),
              ('ApiKey', api_key), ('AuthenticationMethod', 'Forms'), ('AuthenticationRequired', 'Enabled')]
    for key, value in sorted((extra or {}).items()):
        values = [(k, v) for k, v in values if k != key] + [(key, str(value))]
    lines = ['<Config>'] + ['  <%s>%s</%s>' % (k, _xml_escape(v), k) for k, v in values] + ['</Config>']
    return '\n'.join(lines) + '\n'


def _xml_escape(value):
    return str(value).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def qbittorrent_settings(password_hash, username='admin', port=8080, save_path='/data/torrents',
                         temp_path=None, bind='*'):
    """qBittorrent.conf values as [{section, key, value}] (qBittorrent 4.5, Qt settings syntax)."""
    settings = [
        ('LegalNotice', 'Accepted', 'true'),
        ('Preferences', 'WebUI\\Username', username),
        ('Preferences', 'WebUI\\Password_PBKDF2', '"%s"' % password_hash),
        ('Preferences', 'WebUI\\Port', str(int(port))),
        ('Preferences', 'WebUI\\Address', bind),
        ('BitTorrent', 'Session\\DefaultSavePath', save_path),
    ]
    if temp_path:
        settings += [('BitTorrent', 'Session\\TempPath', temp_path),
                     ('BitTorrent', 'Session\\TempPathEnabled', 'true')]
    return [dict(section=s, key=k, value=v) for s, k, v in settings]


def _app_env(app, uid, gid, timezone, api_key=None):
    env = {'PUID': str(uid), 'PGID': str(gid), 'TZ': timezone}
    env.update(dict((str(k), str(v)) for k, v in (app.get('env') or {}).items()))
    return env


def _secret_env(app, api_keys):
    secret = app.get('secret') or {}
    if secret.get('kind') == 'api_key' and secret.get('env'):
        return {secret['env']: api_keys.get(app['name'], '')}
    return {}


def _healthcheck_command(app):
    check = app.get('healthcheck') or {}
    if not check:
        return None
    port = check.get('port', app['ports'][0]['port'] if app['ports'] else 80)
    url = 'http://localhost:%s%s' % (port, check.get('path', '/'))
    tool = check.get('tool', 'curl')
    if check.get('type') == 'tcp':
        # the port answers at all (any HTTP status, 401 included): no -f, no --spider
        return ['CMD-SHELL', 'curl -sS -o /dev/null %s || exit 1' % url]
    if tool == 'wget':
        return ['CMD-SHELL', 'wget -q --spider %s || exit 1' % url]
    return ['CMD-SHELL', 'curl -fsS -o /dev/null %s || exit 1' % url]


def _compose_memory(quantity):
    return '%dm' % (parse_quantity(quantity) // (1024 ** 2))


def compose_project(name, apps, config_root, data_root, uid, gid, timezone, api_keys=None,
                    env_file='secrets.env', vpn=None, media_mode=None):
    """A Compose project (dict, Compose Specification) for one stack.

    Secrets are not in the file: each service with one reads ``env_file`` (mode 0600 beside it).
    ``media_mode`` (rw/ro) forces the media mount mode for the whole stack (streaming = ro).
    """
    api_keys = api_keys or {}
    vpn = vpn or {}
    services = {}
    for app_name in sorted(apps):
        app = apps[app_name]
        image = '%s:%s' % (app['image'], app['tag'])
        service = {
            'image': image,
            'container_name': app_name,
            'restart': 'unless-stopped',
            'environment': _app_env(app, uid, gid, timezone),
        }
        volumes = []
        if app.get('config_dir'):
            volumes.append('%s:%s' % (app.get('config_path') or '%s/%s' % (config_root, app_name), app['config_dir']))
        mode = media_mode or app.get('media', 'none')
        if app.get('media', 'none') != 'none':
            volumes.append('%s:%s%s' % (data_root, data_root, ':ro' if mode == 'ro' else ''))
        for extra in app.get('volumes', []):
            volumes.append(extra)
        if volumes:
            service['volumes'] = volumes
        if _secret_env(app, api_keys) or (app.get('secret') or {}).get('env_file'):
            service['env_file'] = [env_file]
        ports = ['%s:%s%s' % (p.get('host', p['port']), p['port'], '/udp' if p.get('protocol') == 'udp' else '')
                 for p in app['ports']]
        check = _healthcheck_command(app)
        if check:
            hc = app['healthcheck']
            service['healthcheck'] = {'test': check, 'interval': hc.get('interval', '30s'),
                                      'timeout': hc.get('timeout', '10s'), 'retries': int(hc.get('retries', 5)),
                                      'start_period': hc.get('start_period', '60s')}
        limits = (app.get('resources') or {}).get('limits', {})
        requests = (app.get('resources') or {}).get('requests', {})
        if limits.get('memory') or requests.get('memory'):
            resources = {}
            if limits.get('memory'):
                resources['limits'] = {'memory': _compose_memory(limits['memory'])}
            if requests.get('memory'):
                resources['reservations'] = {'memory': _compose_memory(requests['memory'])}
            service['deploy'] = {'resources': resources}
        for key in ('cap_add', 'devices'):
            if app.get(key):
                service[key] = list(app[key])
        if app.get('vpn') and 'gluetun' in apps:
            service['network_mode'] = 'service:gluetun'
            service['depends_on'] = {'gluetun': {'condition': 'service_healthy'}}
            services.setdefault('_vpn_ports', []).extend(ports)
        elif ports:
            service['ports'] = ports
        services[app_name] = service
    vpn_ports = services.pop('_vpn_ports', [])
    if 'gluetun' in services:
        gluetun = services['gluetun']
        gluetun['environment'].update(_gluetun_env(vpn))
        gluetun['env_file'] = [env_file]
        if vpn_ports:
            gluetun['ports'] = sorted(set(gluetun.get('ports', []) + vpn_ports))
    return {'name': name, 'services': services}


def _gluetun_env(vpn):
    env = {
        'VPN_SERVICE_PROVIDER': str(vpn.get('provider', 'custom')),
        'VPN_TYPE': str(vpn.get('type', 'wireguard')),
        # Gluetun's firewall drops everything not through the tunnel (the kill switch); these
        # subnets stay reachable outside it, so the LAN and the cluster are not cut off.
        'FIREWALL': 'on',
        'FIREWALL_OUTBOUND_SUBNETS': ','.join(vpn.get('outbound_subnets', [])),
    }
    if vpn.get('server_countries'):
        env['SERVER_COUNTRIES'] = ','.join(vpn['server_countries'])
    return env


def compose_secrets_env(apps, api_keys=None, passwords=None, vpn_secrets=None):
    """KEY=value lines of the stack's env file (mode 0600): API keys, VPN keys."""
    api_keys = api_keys or {}
    lines = []
    for app_name in sorted(apps):
        for key, value in sorted(_secret_env(apps[app_name], api_keys).items()):
            lines.append('%s=%s' % (key, value))
    if 'gluetun' in apps:
        for key, value in sorted((vpn_secrets or {}).items()):
            lines.append('%s=%s' % (key, value))
    return '\n'.join(lines) + ('\n' if lines else '')
