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


def preflight_errors(apps, runtime, secrets=None, pool=None, nfs_hits=None, host='this host', media_mode='',
                     vpn=None):
    """Every problem with the merged apps, each message naming the app and what to change.

    ``media_mode`` is the stack-wide media mount mode (compose: rw/ro, '' keeps each app's);
    ``vpn`` is {provider, type, keys}: the Gluetun variables the inventory sets (names only;
    None skips the Gluetun check).
    """
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
        if kind == 'api_key' and not secret.get('optional'):
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
        if app.get('writes_media') and effective_media_mode(app, media_mode) != 'rw':
            errors.append('%s: writes into the media tree (%s) but its media mount is read-only; give it '
                          'media_apps_overrides.%s.media: rw (and run it on a host whose media_apps_media_mode is '
                          "rw or '')" % (name, app['writes_media'] if isinstance(app['writes_media'], str)
                                         else 'media files', name))
    if vpn is not None and 'gluetun' in apps and runtime != 'native' and any(a.get('vpn') for a in apps.values()):
        errors.extend(gluetun_errors(vpn))
    return errors


def effective_media_mode(app, media_mode=''):
    """rw, ro or none: how the app sees the media tree once the stack-wide mode is applied."""
    own = app.get('media', 'none')
    if own == 'none':
        return 'none'
    return media_mode or own


# Gluetun's required variables per VPN type and provider (names, any of a tuple will do), from
# qdm12/gluetun internal/configuration/settings/wireguard.go (private key and interface
# addresses for every WireGuard provider; a pre-shared key for AirVPN) and
# wireguardselection.go (the custom provider needs the endpoint IP, port and the server's public
# key; WIREGUARD_ENDPOINT_* with VPN_ENDPOINT_* as their retro names), and openvpn.go (the
# custom provider takes a config file; the others a user and password).
_GLUETUN_REQUIRED = {
    ('wireguard', '*'): [('WIREGUARD_PRIVATE_KEY',), ('WIREGUARD_ADDRESSES',)],
    ('wireguard', 'custom'): [('WIREGUARD_ENDPOINT_IP', 'VPN_ENDPOINT_IP'),
                              ('WIREGUARD_ENDPOINT_PORT', 'VPN_ENDPOINT_PORT'), ('WIREGUARD_PUBLIC_KEY',)],
    ('wireguard', 'airvpn'): [('WIREGUARD_PRESHARED_KEY',)],
    ('openvpn', 'custom'): [('OPENVPN_CUSTOM_CONFIG',)],
    ('openvpn', '*'): [('OPENVPN_USER',), ('OPENVPN_PASSWORD',)],
}


def gluetun_errors(vpn):
    """Missing Gluetun variables for the chosen provider and type (Gluetun exits without them)."""
    provider = str(vpn.get('provider') or 'custom').lower()
    vpn_type = str(vpn.get('type') or 'wireguard').lower()
    if vpn_type not in ('wireguard', 'openvpn'):
        return ['gluetun: media_apps_vpn_type must be wireguard or openvpn (got %s)' % vpn_type]
    keys = set(vpn.get('keys') or [])
    required = list(_GLUETUN_REQUIRED.get((vpn_type, provider), []))
    if not (vpn_type == 'openvpn' and provider == 'custom'):
        required = list(_GLUETUN_REQUIRED[(vpn_type, '*')]) + required
    missing = [' or '.join(names) for names in required if not keys.intersection(names)]
    if not missing:
        return []
    return ['gluetun: %s %s needs %s; set them in media_apps_vpn_secrets (keys, vaulted) or media_apps_vpn_env '
            '(endpoint IP/port, addresses)' % (provider, vpn_type, ', '.join(missing))]


def arr_config_xml(port, api_key, url_base='', extra=None):
    """A minimal config.xml for Sonarr/Radarr/Lidarr/Prowlarr/Readarr with the API key set.

    The app fills in the rest on its first start and keeps this ApiKey. No AuthenticationMethod:
    the web UI users live in the app's database, not in config.xml, so Forms without a user would
    lock the UI out. Left unset, the app's own default applies (ConfigFileProvider.cs:
    AuthenticationMethod None, AuthenticationRequired Enabled), and the UI asks for a user at the
    first visit; arr_wiring_ui_user creates it through config/host instead.
    """
    if not _HEX32.match(str(api_key or '')):
        raise MediaAppsError('API key must be 32 lowercase hex characters')
    values = [('BindAddress', '*'), ('Port', str(int(port))), ('UrlBase', url_base),
              ('ApiKey', api_key), ('AuthenticationRequired', 'Enabled')]
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


_LINUXSERVER = ('lscr.io/linuxserver/', 'ghcr.io/linuxserver/', 'linuxserver/')


def is_linuxserver(app):
    """Whether the app's image is a linuxserver.io image (s6 init with PUID/PGID/UMASK)."""
    return str(app.get('image') or '').startswith(_LINUXSERVER)


def _app_env(app, uid, gid, timezone, api_key=None, umask='002'):
    env = {'PUID': str(uid), 'PGID': str(gid), 'TZ': timezone}
    if is_linuxserver(app):
        # linuxserver/docker-baseimage-alpine root/usr/bin/with-contenv: the services the image
        # starts run with `umask $UMASK` when UMASK is in the container environment; without it
        # files in the media tree are 0644 and the other apps of the media group cannot move them.
        env['UMASK'] = str(umask)
    env.update(dict((str(k), str(v)) for k, v in (app.get('env') or {}).items()))
    return env


_ARR_KINDS = ('sonarr', 'radarr', 'lidarr', 'readarr')


def arr_links(apps, links=None):
    """The *arr apps an app such as Unpackerr talks to: [{kind, name, url}].

    ``links`` (the inventory's list) wins; without it, every *arr app of this stack by its
    service name (how the other containers reach it).
    """
    if links:
        out = []
        for link in links:
            if not isinstance(link, dict) or not link.get('url') or not link.get('name'):
                raise MediaAppsError('media_apps_arr_links: each entry needs name (the key in mediastack_api_keys), '
                                     'url and kind (sonarr, radarr, lidarr, readarr): %r' % (link,))
            kind = link.get('kind', link['name'])
            if kind not in _ARR_KINDS:
                raise MediaAppsError('media_apps_arr_links: %s: kind must be one of %s' % (link['name'], ', '.join(_ARR_KINDS)))
            out.append({'kind': kind, 'name': link['name'], 'url': str(link['url']).rstrip('/')})
        return out
    return [{'kind': name, 'name': name, 'url': 'http://%s:%s' % (name, apps[name]['ports'][0]['port'])}
            for name in sorted(apps) if name in _ARR_KINDS and apps[name].get('ports')]


def _arr_link_env(app, apps, links, data_root):
    """Unpackerr's environment for its *arr apps: (plain, secret) dicts, UN_<KIND>_<n>_*."""
    plain, secret = {}, {}
    if not app.get('arr_links'):
        return plain, secret
    counters = {}
    for link in arr_links(apps, links):
        index = counters.get(link['kind'], 0)
        counters[link['kind']] = index + 1
        prefix = 'UN_%s_%d_' % (link['kind'].upper(), index)
        plain[prefix + 'URL'] = link['url']
        plain[prefix + 'PATHS_0'] = '%s/torrents' % data_root
        secret[prefix + 'API_KEY'] = link['name']  # resolved to the key by the caller
    return plain, secret


def app_secret_env(app, api_keys=None, passwords=None, app_secrets=None, vpn_secrets=None, apps=None,
                   links=None, data_root='/data'):
    """The secret environment of one app ({KEY: value}): what goes into its own env file."""
    api_keys = api_keys or {}
    passwords = passwords or {}
    name = app['name']
    secret = app.get('secret') or {}
    env = _secret_env(app, api_keys)
    if secret.get('kind') == 'password':
        if secret.get('env_user'):
            env[secret['env_user']] = str(app.get('username', ''))
        if secret.get('env_password'):
            env[secret['env_password']] = passwords.get(name, '')
    for key, source in sorted(_arr_link_env(app, apps or {}, links, data_root)[1].items()):
        env[key] = api_keys.get(source, '')
    for key, source in sorted((app.get('secret_env') or {}).items()):
        # {ENV: app-name}: another app's API key (Homepage's widgets, Tautulli's link, ...)
        if source in api_keys:
            env[str(key)] = api_keys[source]
    env.update(dict((str(k), str(v)) for k, v in ((app_secrets or {}).get(name) or {}).items()))
    if name == 'gluetun':
        env.update(dict((str(k), str(v)) for k, v in (vpn_secrets or {}).items()))
    return env


def compose_env_files(apps, api_keys=None, passwords=None, vpn_secrets=None, app_secrets=None, links=None,
                      data_root='/data'):
    """{service: KEY=value lines} for each service with a secret: one 0600 file per service."""
    files = {}
    for app_name in sorted(apps):
        env = app_secret_env(apps[app_name], api_keys, passwords, app_secrets, vpn_secrets, apps, links, data_root)
        if env:
            files[app_name] = ''.join('%s=%s\n' % (k, v) for k, v in sorted(env.items()))
    return files


def _secret_env(app, api_keys):
    """The app's own API key as the image's variable; an optional one only when the inventory has it."""
    secret = app.get('secret') or {}
    if secret.get('kind') == 'api_key' and secret.get('env'):
        key = api_keys.get(app['name'], '')
        if key or not secret.get('optional'):
            return {secret['env']: key}
    return {}


def _healthcheck_command(app):
    check = app.get('healthcheck') or {}
    if not check:
        return None
    port = check.get('port', app['ports'][0]['port'] if app['ports'] else 80)
    if check.get('type') == 'tcp':
        # A TCP check for apps whose every HTTP path needs a login (qBittorrent's API answers 403,
        # NZBGet 401); the linuxserver images check their own readiness the same way:
        # docker-qbittorrent and docker-nzbget root/etc/s6-overlay/s6-rc.d/svc-*/run run
        # `nc -z localhost <port>` (the images ship busybox nc).
        return ['CMD-SHELL', 'nc -z localhost %s || exit 1' % port]
    url = 'http://localhost:%s%s' % (port, check.get('path', '/'))
    tool = check.get('tool', 'curl')
    if tool == 'wget':
        return ['CMD-SHELL', 'wget -q --spider %s || exit 1' % url]
    return ['CMD-SHELL', 'curl -fsS -o /dev/null %s || exit 1' % url]


def _compose_memory(quantity):
    return '%dm' % (parse_quantity(quantity) // (1024 ** 2))


def compose_project(name, apps, config_root, data_root, uid, gid, timezone, api_keys=None,
                    env_files=None, vpn=None, media_mode=None, links=None, umask='002'):
    """A Compose project (dict, Compose Specification) for one stack.

    Secrets are not in the file: each service with one reads its own env file
    ``env/<service>.env`` (mode 0600, only its secrets); ``env_files`` lists those services
    (default: the ones with an API key in ``api_keys``). ``media_mode`` (rw/ro) forces the media
    mount mode for the whole stack (streaming = ro).
    """
    api_keys = api_keys or {}
    vpn = vpn or {}
    if env_files is None:
        env_files = sorted(compose_env_files(apps, api_keys, links=links, data_root=data_root))
    services = {}
    for app_name in sorted(apps):
        app = apps[app_name]
        image = '%s:%s' % (app['image'], app['tag'])
        service = {
            'image': image,
            'container_name': app_name,
            'restart': 'unless-stopped',
            'environment': _app_env(app, uid, gid, timezone, umask=umask),
        }
        service['environment'].update(_arr_link_env(app, apps, links, data_root)[0])
        if app.get('run_as_media_user'):
            service['user'] = '%s:%s' % (uid, gid)
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
        if app_name in env_files:
            service['env_file'] = ['env/%s.env' % app_name]
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
            # restart: true restarts the app when Compose restarts gluetun (a new network
            # namespace; the old one the app holds is gone).
            service['depends_on'] = {'gluetun': {'condition': 'service_healthy', 'restart': True}}
            services.setdefault('_vpn_ports', []).extend(ports)
        elif ports:
            service['ports'] = ports
        services[app_name] = service
    vpn_ports = services.pop('_vpn_ports', [])
    if 'gluetun' in services:
        gluetun = services['gluetun']
        gluetun['environment'].update(_gluetun_env(vpn))
        if vpn_ports:
            gluetun['ports'] = sorted(set(gluetun.get('ports', []) + vpn_ports))
    return {'name': name, 'services': services}


def _gluetun_env(vpn):
    # Gluetun's firewall is always on (FIREWALL is not read since v3.39): it drops traffic that
    # is not through the tunnel; these subnets stay reachable outside it, so the LAN and the
    # cluster are not cut off.
    env = {
        'VPN_SERVICE_PROVIDER': str(vpn.get('provider', 'custom')),
        'VPN_TYPE': str(vpn.get('type', 'wireguard')),
        'FIREWALL_OUTBOUND_SUBNETS': ','.join(vpn.get('outbound_subnets', [])),
    }
    env.update(dict((str(k), str(v)) for k, v in (vpn.get('env') or {}).items()))
    if vpn.get('server_countries'):
        env['SERVER_COUNTRIES'] = ','.join(vpn['server_countries'])
    return env


def service_hosts(apps):
    """{app: the host name other containers reach it by}: its service name, or ``gluetun`` for an
    app in Gluetun's network namespace (it has no name of its own on the stack's network)."""
    return dict((name, 'gluetun' if app.get('vpn') and 'gluetun' in apps else name) for name, app in apps.items())


# Homepage's service widgets: the widget type and which credential fields it takes
# (gethomepage.dev docs/widgets/services/<type>.md): key = an API key, login = username/password.
_HOMEPAGE_WIDGETS = {
    'sonarr': ('sonarr', 'key'), 'radarr': ('radarr', 'key'), 'lidarr': ('lidarr', 'key'),
    'readarr': ('readarr', 'key'), 'prowlarr': ('prowlarr', 'key'), 'bazarr': ('bazarr', 'key'),
    'sabnzbd': ('sabnzbd', 'key'), 'tautulli': ('tautulli', 'key'), 'jellyfin': ('jellyfin', 'key'),
    'plex': ('plex', 'key'), 'jellyseerr': ('jellyseerr', 'key'), 'overseerr': ('overseerr', 'key'),
    'seerr': ('jellyseerr', 'key'), 'qbittorrent': ('qbittorrent', 'login'), 'nzbget': ('nzbget', 'login'),
}


def homepage_config(apps, api_keys=None, passwords=None, extra_keys=None):
    """Homepage's services.yaml (a list) with a widget per known app, and the environment with the
    credentials it refers to as {{HOMEPAGE_VAR_<APP>_KEY}} (so services.yaml holds no secret).

    An app gets a widget only when its credential is known (``api_keys``, ``passwords``, or
    ``extra_keys``, e.g. the Plex token or a Jellyfin API key); otherwise a plain link.
    """
    api_keys = dict(api_keys or {})
    api_keys.update(extra_keys or {})
    passwords = passwords or {}
    hosts = service_hosts(apps)
    services, env = [], {}
    for name in sorted(apps):
        app = apps[name]
        if name in ('homepage', 'gluetun') or not app.get('ports'):
            continue
        url = 'http://%s:%s' % (hosts[name], app['ports'][0]['port'])
        entry = {'href': url, 'description': name}
        widget = _HOMEPAGE_WIDGETS.get(name)
        var = 'HOMEPAGE_VAR_%s' % name.upper()
        if widget and widget[1] == 'key' and api_keys.get(name):
            entry['widget'] = {'type': widget[0], 'url': url, 'key': '{{%s_KEY}}' % var}
            env['%s_KEY' % var] = str(api_keys[name])
        elif widget and widget[1] == 'login' and passwords.get(name):
            entry['widget'] = {'type': widget[0], 'url': url, 'username': str(app.get('username', '')),
                               'password': '{{%s_PASSWORD}}' % var}
            env['%s_PASSWORD' % var] = str(passwords[name])
        services.append({name: entry})
    return {'services': [{'Media': services}] if services else [], 'env': env}


def sabnzbd_host_whitelist(ini_text, names):
    """The value for ``host_whitelist`` in [misc] of sabnzbd.ini: the names already there (SABnzbd
    adds its own host name on its first start) plus the missing ``names``. Unchanged text when
    every name is already listed, so a rerun leaves the file alone."""
    current = None
    section = None
    for line in (ini_text or '').splitlines():
        stripped = line.strip()
        if stripped.startswith('[') and not stripped.startswith('[['):
            section = stripped.strip('[]').strip()
        elif section == 'misc' and re.match(r'^host_whitelist\s*=', stripped):
            current = stripped.split('=', 1)[1].strip()
    have = [item.strip().strip('"').strip() for item in (current or '').split(',')]
    have = [item for item in have if item]
    missing = [str(n).lower() for n in names if n and str(n).lower() not in [h.lower() for h in have]]
    if not missing and current is not None:
        return current
    return ', '.join(have + sorted(set(missing), key=missing.index))
