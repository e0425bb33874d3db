"""Proxmox VE API stand-in (test equipment, never imported by the collection).

Answers the part of /api2/json that a homelab uses the way a PVE 8/9 node does. Every behaviour
rule below is written from the upstream sources (read with the project's search tools, never
from the collection's code) and carries a one-line comment naming the file it follows:

* pve-common     src/PVE/JSONSchema.pm (parameter and property-string checks), src/PVE/UPID.pm
* pve-http-server src/PVE/APIServer/Formatter/Standard.pm (envelope, reason phrase = message)
* pve-container  src/PVE/LXC/Config.pm (update_pct_config, hotplug, apply pending, mount points),
                 src/PVE/LXC.pm (check_ct_modify_config_perm, NEW_DISK_RE)
* qemu-server    src/PVE/API2/Qemu.pm (update_vm_api, permission checks, clone_vm, cloud-init),
                 src/PVE/QemuServer.pm (fast-plug options, hotplug, cloud-init pending),
                 src/PVE/QemuServer/PCI.pm (q35 check at start)
* pve-guest-common src/PVE/AbstractConfig.pm (pending, unused volumes), src/PVE/GuestHelpers.pm (tags)
* pve-storage    src/PVE/Storage/Plugin.pm, LvmThinPlugin.pm (disk names, allocation errors)
* recorded facts ../shared/reference/proxmox/FACTS.md

The parameter schema is the official one, read in place from the reference folder
(``pve-api-schema.json``, path in the settings file); nothing upstream is copied here.
Guest configs are real files under /etc/pve/nodes/<node>/{lxc,qemu-server}, so an edit over SSH
and one through the API meet in the same file.

Python 3 standard library only. Settings: $PVE_STANDIN_CONFIG (default /etc/pve-standin/config.json).
"""

import hashlib
import http.server
import json
import os
import random
import re
import secrets
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

TASK_SECONDS = float(os.environ.get("PVE_STANDIN_TASK_SECONDS", "1.5"))
LOCK = threading.RLock()
TICKET_SECRET = secrets.token_hex(16)
TASKS = {}
CONF = {}
SCHEMA = []  # [(compiled regex, template, names, methods)]
NODE = "pve"
PVE_ROOT = "/etc/pve"
STATE_DIR = "/var/lib/pve-standin"


class ApiError(Exception):
    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def configure(conf):
    """Load settings and the schema (also used by the contract tests, in-process)."""
    global CONF, NODE, PVE_ROOT, STATE_DIR  # pylint: disable=global-statement
    CONF = conf
    NODE = conf.get("node", "pve")
    PVE_ROOT = conf.get("pve_root", "/etc/pve")
    STATE_DIR = conf.get("state_dir", "/var/lib/pve-standin")
    with open(conf["schema"], encoding="utf-8") as fh:
        tree = json.load(fh)
    flat = {}

    def walk(nodes):
        for item in nodes:
            if item.get("info"):
                flat[item["path"]] = item["info"]
            walk(item.get("children") or [])

    walk(tree if isinstance(tree, list) else [tree])
    SCHEMA.clear()
    # literal segments win over {placeholders} (pve-common RESTHandler map_path_to_method)
    for template in sorted(flat, key=lambda t: (t.count("{"), -len(t))):
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"([^/]+)", re.escape(template)) + "$"
        SCHEMA.append((re.compile(pattern), template, re.findall(r"\{([^}]+)\}", template), flat[template]))
    for kind in ("lxc", "qemu"):
        os.makedirs(conf_dir(kind), exist_ok=True)


# --------------------------------------------------------------------------- config files

PENDING = {"lxc": "pve:pending", "qemu": "PENDING"}  # pve-container Config.pm / qemu-server QemuConfig.pm write_config
CLOUDINIT = "special:cloudinit"  # qemu-server src/test/parse-config-input/sections.conf


def conf_dir(kind):
    return os.path.join(PVE_ROOT, "nodes", NODE, "lxc" if kind == "lxc" else "qemu-server")


def conf_path(kind, vmid):
    return os.path.join(conf_dir(kind), "%s.conf" % vmid)


def new_section(name=None):
    return {"_keys": {}, "_desc": [], "_lxc": [], "_name": name}


def parse_conf(text):
    """'#' lines = description, 'key: value', raw lxc.* lines, then [sections] (AbstractConfig parse)."""
    main = new_section()
    sections = []
    current = main
    for line in text.splitlines():
        if not line.strip():
            continue
        match = re.match(r"^\[([^\]]+)\]\s*$", line)
        if match:
            current = new_section(match.group(1))
            sections.append(current)
            continue
        if line.startswith("#"):
            current["_desc"].append(urllib.parse.unquote(line[1:]))
            continue
        key, _sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key.startswith("lxc."):
            current["_lxc"].append([key, value])
        else:
            current["_keys"][key] = value
    return main, sections


def render_section(sec):
    lines = ["#" + urllib.parse.quote(d, safe=" !\"$&'()*+,-./:;<=>?@[\\]^_`{|}~") for d in sec["_desc"]]
    for key in sorted(sec["_keys"]):  # keys sorted, raw lxc.* lines last (pve-container write_pct_config)
        lines.append("%s: %s" % (key, sec["_keys"][key]))
    lines += ["%s: %s" % (k, v) for k, v in sec["_lxc"]]
    return lines


def render_conf(main, sections):
    lines = render_section(main)
    for sec in sections:
        if sec["_keys"] or sec["_desc"] or sec["_lxc"]:
            lines += ["", "[%s]" % sec["_name"]] + render_section(sec)
    return "\n".join(lines) + "\n"


class Guest:
    """One guest config file: main keys, pending section, cloud-init section, snapshots."""

    def __init__(self, kind, vmid):
        self.kind, self.vmid = kind, int(vmid)
        path = conf_path(kind, vmid)
        if not os.path.exists(path):
            # recorded: community.general #1342 ("Configuration file ... does not exist")
            raise ApiError(500, "Configuration file 'nodes/%s/%s/%s.conf' does not exist"
                           % (NODE, "lxc" if kind == "lxc" else "qemu-server", vmid))
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        self.digest = hashlib.sha1(text.encode()).hexdigest()  # PVE::Tools::assert_if_modified compares SHA1
        self.main, self.sections = parse_conf(text)
        self.conf = self.main["_keys"]

    def section(self, name, create=False):
        for sec in self.sections:
            if sec["_name"] == name:
                return sec
        if not create:
            return None
        sec = new_section(name)
        self.sections.insert(0 if name == PENDING[self.kind] else len([s for s in self.sections if s["_name"] in (PENDING[self.kind], CLOUDINIT)]), sec)
        return sec

    @property
    def pending(self):
        return self.section(PENDING[self.kind], create=True)["_keys"]

    def pending_delete(self):
        # AbstractConfig parse_pending_delete: "key,!forcedkey"
        return [k.lstrip("!") for k in re.split(r"[,;\s]+", self.pending.get("delete", "")) if k]

    def set_pending_delete(self, keys):
        if keys:
            self.pending["delete"] = ",".join(keys)
        else:
            self.pending.pop("delete", None)

    def save(self):
        os.makedirs(conf_dir(self.kind), exist_ok=True)
        with open(conf_path(self.kind, self.vmid), "w", encoding="utf-8") as fh:  # pmxcfs: no rename
            fh.write(render_conf(self.main, self.sections))

    def view(self, current=False):
        """GET config: values with pending applied unless current=1 (API2 LXC/Qemu vm_config)."""
        out = dict(self.conf)
        if not current:
            out.update({k: v for k, v in self.pending.items() if k != "delete"})
            for key in self.pending_delete():
                out.pop(key, None)
        return out


def all_guests():
    found = {}
    for kind in ("lxc", "qemu"):
        folder = conf_dir(kind)
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            match = re.match(r"^(\d+)\.conf$", name)
            if match:
                found[int(match.group(1))] = kind
    return found


def state_file(name):
    os.makedirs(STATE_DIR, exist_ok=True)
    return os.path.join(STATE_DIR, name)


def is_running(vmid):
    return os.path.exists(os.path.join(STATE_DIR, "running", str(vmid)))


def set_running(vmid, running):
    path = os.path.join(STATE_DIR, "running", str(vmid))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if running:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(str(int(time.time())))
    elif os.path.exists(path):
        os.remove(path)


# --------------------------------------------------------------------------- storage

# qemu-server PVE/QemuServer/Drive.pm: our $NEW_DISK_RE = qr!^(([^/:\s]+):)?(\d+(\.\d+)?)$!;
# (pve-container uses the same form); kept in upstream's own grouping: storage is group 2, size 3.
NEW_DISK_RE = re.compile(r"^(([^/:\s]+):)?(\d+(\.\d+)?)$")


def volumes():
    path = state_file("volumes.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def save_volumes(vols):
    with open(state_file("volumes.json"), "w", encoding="utf-8") as fh:
        json.dump(vols, fh, indent=1, sort_keys=True)


def volume_names(storage):
    """Volumes on a storage: allocated here, plus those named in config files written by hand."""
    names = set(volumes().get(storage, {}))
    for vmid, kind in all_guests().items():
        with open(conf_path(kind, vmid), encoding="utf-8") as fh:
            names.update(re.findall(r"(?:^|[\s,=])%s:([\w./-]+)" % re.escape(storage), fh.read()))
    return names


def storage_conf(storage):
    for item in CONF.get("storages", []):
        if item["storage"] == storage:
            return item
    raise ApiError(500, "storage '%s' does not exist" % storage)  # pve-storage Storage.pm storage_config


def alloc_volume(storage, vmid, size_gb, name=None):
    """pve-storage LvmThinPlugin alloc_image + Plugin get_next_vm_diskname."""
    storage_conf(storage)
    existing = volume_names(storage)
    if name is None:
        index = 0
        while "vm-%s-disk-%d" % (vmid, index) in existing:
            index += 1
        name = "vm-%s-disk-%d" % (vmid, index)
    elif name in existing:
        raise ApiError(500, "lvcreate 'pve/%s' error:   Logical Volume \"%s\" already exists in volume group \"pve\""
                       % (name, name))
    vols = volumes()
    vols.setdefault(storage, {})[name] = {"vmid": int(vmid), "size": size_gb}
    save_volumes(vols)
    return "%s:%s" % (storage, name)


def free_volume(volid):
    storage, _sep, name = volid.partition(":")
    vols = volumes()
    if name in vols.get(storage, {}):
        del vols[storage][name]
        save_volumes(vols)


def add_unused(conf, volid):
    """AbstractConfig add_unused_volume: lowest free unusedN, no duplicates."""
    for index in range(256):
        if conf.get("unused%d" % index) == volid:
            return
    for index in range(256):
        if "unused%d" % index not in conf:
            conf["unused%d" % index] = volid
            return
    raise ApiError(500, "Too many unused volumes - please delete them first.")


def size_text(size):
    return "%sG" % size  # print_ct_mountpoint / print_drive show size in G for whole GiB


# --------------------------------------------------------------------------- schema checks

def schema_for(path):
    for regex, template, names, methods in SCHEMA:
        match = regex.match(path)
        if match:
            return template, methods, dict(zip(names, [urllib.parse.unquote(g) for g in match.groups()]))
    return None, None, None


def parse_boolean(value):
    """pve-common JSONSchema parse_boolean: 1|on|yes|true / 0|off|no|false, case-insensitive."""
    text = str(value).lower()
    if text in ("1", "on", "yes", "true"):
        return "1"
    if text in ("0", "off", "no", "false"):
        return "0"
    return None


def schema_prop(props, name):
    if name in props:
        return props[name]
    match = re.match(r"^([a-z]+)(\d+)$", name)  # RESTHandler api_clone_schema collapses net0.. to net[n]
    if match and match.group(1) + "[n]" in props:
        return props[match.group(1) + "[n]"]
    return None


def check_simple(spec, value):
    """pve-common JSONSchema check_type / check_prop for one scalar."""
    kind = spec.get("type", "string")
    value = str(value)
    if kind == "boolean":
        if parse_boolean(value) is None:
            return "type check ('boolean') failed - got '%s'" % value
    elif kind == "integer":
        if not re.match(r"^-?\d+$", value):
            return "type check ('integer') failed - got '%s'" % value
        if "minimum" in spec and int(value) < float(spec["minimum"]):
            return "value must have a minimum value of %s" % spec["minimum"]
        if "maximum" in spec and int(value) > float(spec["maximum"]):
            return "value must have a maximum value of %s" % spec["maximum"]
    elif kind == "number":
        try:
            float(value)
        except ValueError:
            return "type check ('number') failed - got '%s'" % value
    else:
        if "enum" in spec and value not in spec["enum"]:
            return "value '%s' does not have a value in the enumeration '%s'" % (value, ", ".join(spec["enum"]))
        if "pattern" in spec:
            pattern = spec["pattern"].replace("(?^:", "(?:").replace("(?^i:", "(?i:")
            try:
                if not re.match("^(?:" + pattern + ")$", value):
                    return "value does not match the regex pattern"
            except re.error:
                pass
        if "maxLength" in spec and len(value) > int(spec["maxLength"]):
            return "value may only be %s characters long" % spec["maxLength"]
    return None


def parse_property_string(fmt, value):
    """pve-common JSONSchema parse_property_string, with default_key, alias and keyAlias."""
    default_key = None
    res = {}
    for part in value.split(","):
        if not part.strip():
            continue
        match = re.match(r"^([^=]+)=(.+)$", part)
        if match:
            key, val = match.group(1), match.group(2)
            if key in res:
                raise ValueError("duplicate key in comma-separated list property: %s" % key)
            sub = fmt.get(key) or {}
            if sub.get("alias"):
                if sub.get("keyAlias"):
                    if sub["keyAlias"] in res:
                        raise ValueError("key alias '%s' is already defined" % sub["keyAlias"])
                    res[sub["keyAlias"]] = key
                key = sub["alias"]
                if key in res:
                    raise ValueError("key '%s' is already defined (via alias)" % key)
                sub = fmt.get(key) or {}
            if not sub:
                raise ValueError("invalid key in comma-separated list property: %s" % key)
            res[key] = val
        elif "=" not in part:
            if default_key:
                raise ValueError("duplicate key in comma-separated list property: %s" % default_key)
            default_key = next((k for k, s in fmt.items() if s.get("default_key")), None)
            if default_key is None:
                raise ValueError("value without key, but schema does not define a default key")
            if default_key in res:
                raise ValueError("duplicate key in comma-separated list property: %s" % default_key)
            res[default_key] = part
        else:
            raise ValueError("missing key in comma-separated list property")
    return res


def check_property_string(name, spec, value):
    fmt = spec.get("format")
    if not isinstance(fmt, dict):
        return check_simple(spec, value)
    try:
        parsed = parse_property_string(fmt, str(value))
    except ValueError as exc:
        return "invalid format - %s" % exc
    for key, val in parsed.items():
        sub = fmt.get(key, {})
        if "keyAlias" in sub or "alias" in sub:
            continue
        err = check_simple(sub, val)
        if err:
            return "invalid format - format error\n%s.%s: %s" % (name, key, err)
    for key, sub in fmt.items():  # JSONSchema check_object: required sub-keys
        if not sub.get("optional") and "alias" not in sub and key not in parsed and "default" not in sub:
            return "invalid format - format error\n%s.%s: property is missing and it is not optional" % (name, key)
    return None


def validate(info, params, uri_params):
    """RESTHandler: parameters checked against the method's schema before any code runs."""
    props = info.get("parameters", {}).get("properties", {})
    errors = {}
    for name, value in params.items():
        if name in uri_params:
            errors[name] = "duplicate parameter (already defined in URI)"
            continue
        spec = schema_prop(props, name)
        if spec is None:
            errors[name] = "property is not defined in schema and the schema does not allow additional properties"
            continue
        err = check_property_string(name, spec, value) if spec.get("type", "string") == "string" else check_simple(spec, value)
        if err:
            errors[name] = err
    for name, spec in props.items():
        if not spec.get("optional") and name not in params and name not in uri_params and "[n]" not in name:
            errors[name] = "property is missing and it is not optional"
    if errors:
        raise ApiError(400, "Parameter verification failed.", errors)


def fmt_of(method_info, key):
    spec = schema_prop(method_info.get("parameters", {}).get("properties", {}), key) or {}
    if isinstance(spec.get("format"), dict):
        return spec["format"]
    # named formats (pve-qm-hostpci, pve-qm-usb ...) are only described by their typetext:
    # "[[host=]<HOSTPCIID>] [,mapping=<id>] [,pcie=<1|0>] ..."
    text = spec.get("typetext", "")
    fmt = {}
    match = re.match(r"^\[?\[(\w[\w-]*)=\]", text)
    if match:
        fmt[match.group(1)] = {"default_key": 1, "optional": 1}
    for name in re.findall(r"[\[,\s](\w[\w-]*)=<", text):
        fmt.setdefault(name, {"optional": 1})
    return fmt


def config_schema(kind):
    _t, methods, _u = schema_for("/nodes/%s/%s/100/config" % (NODE, kind))
    return methods["PUT"]


def parse_value(kind, key, value):
    fmt = fmt_of(config_schema(kind), key)
    return parse_property_string(fmt, value) if fmt else {}


# --------------------------------------------------------------------------- auth

def make_ticket(user):
    stamp = "%08X" % int(time.time())
    sig = hashlib.sha256(("%s:%s:%s" % (user, stamp, TICKET_SECRET)).encode()).hexdigest()
    return "PVE:%s:%s::%s" % (user, stamp, sig)


def make_csrf(user, stamp):
    return "%s:%s" % (stamp, hashlib.sha256((stamp + user + TICKET_SECRET).encode()).hexdigest()[:43])


def check_ticket(ticket):
    parts = ticket.split(":")
    if len(parts) < 5 or parts[0] != "PVE":
        return None
    user, stamp = parts[1], parts[2]
    sig = hashlib.sha256(("%s:%s:%s" % (user, stamp, TICKET_SECRET)).encode()).hexdigest()
    if parts[-1] != sig or time.time() - int(stamp, 16) > 7200:  # FACTS 2.1: tickets live 2 h
        return None
    return user, stamp


def authenticate(headers, method):
    header = headers.get("Authorization", "")
    if header.startswith("PVEAPIToken="):  # pve-docs pveum.adoc: PVEAPIToken=USER@REALM!TOKENID=UUID
        match = re.match(r"^PVEAPIToken=([^!]+)!([^=]+)=(.+)$", header)
        if not match:
            raise ApiError(401, "authentication failure")
        tokenid = "%s!%s" % (match.group(1), match.group(2))
        if CONF.get("tokens", {}).get(tokenid) != match.group(3):
            raise ApiError(401, "authentication failure")
        return tokenid  # effective user user@realm!tokenid, never root@pam
    match = re.search(r"PVEAuthCookie=([^;]+)", headers.get("Cookie", ""))
    if not match:
        raise ApiError(401, "No ticket")
    checked = check_ticket(urllib.parse.unquote(match.group(1)))
    if not checked:
        raise ApiError(401, "authentication failure")
    user, stamp = checked
    if method != "GET" and headers.get("CSRFPreventionToken", "") != make_csrf(user, stamp):
        raise ApiError(401, "Permission denied - invalid csrf token")
    return user


def perm_exc(reason):
    return ApiError(403, "Permission check failed (%s)" % reason)  # PVE::Exception raise_perm_exc


# --------------------------------------------------------------------------- permission rules

def lxc_check_perm(user, old, new, delete):
    """pve-container src/PVE/LXC.pm check_ct_modify_config_perm (only the root@pam-only parts)."""
    if user == "root@pam":
        return
    unprivileged = parse_boolean(old.get("unprivileged", new.get("unprivileged", "0"))) == "1"

    def check(opt, deleting):
        if opt == "rootfs" or re.match(r"^mp\d+$", opt):
            if deleting:
                return
            volume = parse_value("lxc", opt, new[opt]).get("volume", "")
            kind = "volume" if NEW_DISK_RE.match(volume) or not volume.startswith("/") else \
                ("device" if volume.startswith("/dev/") else "bind")  # Config.pm classify_mountpoint
            if kind != "volume":
                raise perm_exc("mount point type %s is only allowed for root@pam" % kind)
        elif re.match(r"^dev\d+$", opt):  # also for a delete
            raise perm_exc("configuring device passthrough is only allowed for root@pam")
        elif opt == "features":
            if not unprivileged:
                raise perm_exc("changing feature flags for privileged container is only allowed for root@pam")
            feats = parse_value("lxc", opt, new.get(opt, "")) if not deleting else {}
            olds = parse_value("lxc", opt, old[opt]) if old.get(opt) else None
            other = False
            if deleting:
                flags = parse_value("lxc", opt, old.get(opt, ""))
                other = list(flags) != ["nesting"] and bool(flags)
            elif olds is not None:  # existing features: compare old vs new per flag
                for flag in set(olds) | set(feats):
                    if olds.get(flag, "") != feats.get(flag, "") and flag != "nesting":
                        other = True
            else:
                other = bool(feats) and list(feats) != ["nesting"]
            if other:
                raise perm_exc("changing feature flags (except nesting) is only allowed for root@pam")
        elif opt == "hookscript":
            raise perm_exc("changing the hookscript is only allowed for root@pam")

    for opt in new:
        check(opt, False)
    for opt in delete:
        check(opt, True)


def qemu_check_hostpci(user, opt, value):
    """qemu-server src/PVE/API2/Qemu.pm check_hostpci_perm (a plain die = HTTP 500)."""
    if user == "root@pam":
        return
    device = parse_value("qemu", opt, value)
    if device.get("host"):
        raise ApiError(500, "only root can set '%s' config for non-mapped devices" % opt)
    if not device.get("mapping"):
        raise ApiError(500, "either 'host' or 'mapping' must be set.")
    if "romfile" in device:
        raise ApiError(400, "Parameter verification failed.", {opt: "only root@pam can set 'romfile' option"})


QEMU_NON_ROOT = re.compile(  # Qemu.pm check_vm_modify_config_perm: option groups a non-root user may set
    r"^(cores|cpu|cpulimit|cpuunits|sockets|vcpus|affinity|numa|numa\d+|memory|balloon|shares|allow-ksm|acpi|hotplug|"
    r"kvm|machine|runningmachine|scsihw|smbios1|tablet|vga|watchdog|audio0|rng0|agent|autostart|bios|description|"
    r"keyboard|localtime|migrate_downtime|migrate_speed|name|onboot|ostype|protection|reboot|startdate|startup|tdf|"
    r"template|freeze|boot|bootdisk|vmstatestorage|net\d+|running-nets-host-mtu|cicustom|cipassword|citype|ciuser|"
    r"ciupgrade|nameserver|searchdomain|sshkeys|ipconfig\d+|vmstate|tags|cdrom|unused\d+|serial\d+|usb\d+|"
    r"hostpci\d+|virtiofs\d+|(ide|sata|scsi|virtio|efidisk|tpmstate)\d+|digest|delete|revert|skiplock|force|"
    r"background_delay|meta|vmgenid)$")


def qemu_check_perm(user, old, params, delete):
    if user == "root@pam":
        return
    for opt in list(params) + list(delete):
        if not QEMU_NON_ROOT.match(opt):
            raise ApiError(500, "only root can set '%s' config" % opt)  # catches args, lock, ...
        if re.match(r"^hostpci\d+$", opt):
            if old.get(opt):  # the old value is checked too (update_vm_api)
                qemu_check_hostpci(user, opt, old[opt])
            if opt in params:
                qemu_check_hostpci(user, opt, params[opt])
        if re.match(r"^usb\d+$", opt) and opt in params:  # check_usb_perm
            host = parse_value("qemu", opt, params[opt]).get("host", "")
            if host and host.lower() != "spice":
                raise ApiError(500, "only root can set '%s' config for real devices" % opt)


# --------------------------------------------------------------------------- tasks

def new_task(user, ttype, ident, action=None):
    """pve-common UPID.pm: UPID:$node:$pid(8 hex):$pstart(8 hex):$starttime(8 hex):$type:$id:$user: (8 colons)."""
    pid = random.randint(0x1000, 0x3FFFFF)
    pstart = random.randint(0x100000, 0xFFFFFFF)
    start = int(time.time())
    upid = "UPID:%s:%08X:%08X:%08X:%s:%s:%s:" % (NODE, pid, pstart, start, ttype, ident, user)
    TASKS[upid] = {"upid": upid, "node": NODE, "pid": pid, "pstart": pstart, "starttime": start, "type": ttype,
                   "id": str(ident), "user": user, "t0": time.time(), "action": action, "done": False,
                   "log": []}
    return upid


UPID_RE = re.compile(r"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):"
                     r"([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$")  # pve-common UPID.pm decode


def run_task(task):
    with LOCK:
        if task["done"]:
            return
        try:
            if task["action"]:
                out = task["action"]()
                task["log"] += out or []
            task["exitstatus"] = "OK"
        except ApiError as exc:
            task["exitstatus"] = exc.message  # UPID.pm read_status: the error text is the status
        task["log"].append("TASK OK" if task["exitstatus"] == "OK" else "TASK ERROR: " + task["exitstatus"])
        task["done"] = True


def task_status(user, upid):
    if not UPID_RE.match(upid):
        raise ApiError(400, "Parameter verification failed.", {"upid": "unable to parse worker upid '%s'" % upid})
    task = TASKS.get(upid)
    if task is None:
        raise ApiError(500, "no such task")
    forbidden = CONF.get("task_forbidden_users", [])
    if user in forbidden and task["user"] != user:  # API2/Tasks.pm: Sys.Audit needed for others' tasks
        raise perm_exc("/nodes/%s, Sys.Audit" % NODE)
    if not task["done"] and time.time() - task["t0"] >= TASK_SECONDS:
        run_task(task)
    out = {k: task[k] for k in ("upid", "node", "pid", "pstart", "starttime", "type", "id", "user")}
    out["status"] = "stopped" if task["done"] else "running"
    if task["done"]:
        out["exitstatus"] = task["exitstatus"]
    return out


# --------------------------------------------------------------------------- guest values

def random_mac():
    return "BC:24:11:%02X:%02X:%02X" % (random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))


def unique_tags(value):
    """pve-guest-common GuestHelpers.pm get_unique_tags: split, lowercase, sort, de-duplicate, join ';'."""
    seen = []
    for tag in sorted((t for t in re.split(r"[;,\s]+", value) if t), key=str.lower):
        tag = tag.lower()
        if tag not in seen:
            seen.append(tag)
    return ";".join(seen)


def print_lxc_net(value):
    """pve-container Config.pm parse_lxc_network: type=veth always, a new random hwaddr if none given."""
    net = parse_value("lxc", "net0", value)
    net["type"] = "veth"
    net.setdefault("hwaddr", random_mac())
    return ",".join("%s=%s" % (k, v) for k, v in net.items())


def print_qemu_net(value):
    """qemu-server Network.pm parse_net/print_net: model=MAC first, a random MAC when none given."""
    net = parse_value("qemu", "net0", value)
    model = net.pop("model", None)
    mac = net.pop("macaddr", None) or random_mac()
    if model is None:
        raise ApiError(400, "Parameter verification failed.", {"net": "invalid format - model is missing"})
    return ",".join(["%s=%s" % (model, mac)] + ["%s=%s" % (k, v) for k, v in net.items()])


def lxc_mountpoint(guest, opt, value, old):
    """Config.pm apply_pending_mountpoint: STORAGE:SIZE allocates a NEW volume; the old one becomes unusedN."""
    mp = parse_value("lxc", opt, value)
    volume = mp.get("volume", "")
    match = NEW_DISK_RE.match(volume)
    if match:
        storage = match.group(2) or "local"
        size = match.group(3)
        mp["volume"] = alloc_volume(storage, guest.vmid, size)
        mp["size"] = size_text(size)
        value = ",".join([mp.pop("volume")] + ["%s=%s" % (k, v) for k, v in mp.items()])
    if old:
        old_volume = parse_value("lxc", opt, old).get("volume", "")
        if not old_volume.startswith("/") and old_volume != value.split(",")[0]:
            add_unused(guest.conf, old_volume)
    return value


def qemu_drive(guest, opt, value, old):
    """API2/Qemu.pm create_disks: STORAGE:SIZE allocates a new disk; STORAGE:cloudinit allocates vm-N-cloudinit."""
    fmt = fmt_of(config_schema("qemu"), opt)
    drive = parse_property_string(fmt, value)
    volid = drive.get("file", "")
    storage, _sep, volname = volid.partition(":")
    if volname == "cloudinit":
        for key, val in guest.conf.items():  # QemuConfig has_cloudinit (skipping this key)
            if key != opt and re.match(r"^(ide|sata|scsi|virtio)\d+$", key) and "cloudinit" in val.split(",")[0]:
                raise ApiError(500, "%s - cloud-init drive is already attached at '%s'" % (opt, key))
        drive["file"] = alloc_volume(storage, guest.vmid, "0.004", name="vm-%s-cloudinit" % guest.vmid)
        drive["media"] = "cdrom"
    else:
        match = NEW_DISK_RE.match(volid)
        if match:
            drive["file"] = alloc_volume(match.group(2) or "local-lvm", guest.vmid, match.group(3))
            drive["size"] = size_text(match.group(3))
    value = ",".join([drive.pop("file")] + ["%s=%s" % (k, v) for k, v in drive.items()])
    if old:  # QemuServer vmconfig_register_unused_drive when a disk is replaced
        old_file = old.split(",")[0].replace("file=", "")
        if "media=cdrom" not in old and old_file != value.split(",", maxsplit=1)[0]:
            add_unused(guest.conf, old_file)
    return value


LXC_FASTPLUG = ("description", "onboot", "startup", "protection", "hostname", "hookscript", "cores", "tags",
                "lock")  # pve-container Config.pm $LXC_FASTPLUG_OPTIONS


def lxc_apply(guest, opt, value):
    """One pending add/change applied to a stopped CT (Config.pm vmconfig_apply_pending)."""
    if re.match(r"^(mp\d+|rootfs)$", opt):
        value = lxc_mountpoint(guest, opt, value, guest.conf.get(opt))
    elif re.match(r"^net\d+$", opt):
        value = print_lxc_net(value)
    guest.conf[opt] = value


def lxc_hotplug(guest, modified):
    """Config.pm vmconfig_hotplug_pending (PVE 8/9): what a running CT takes at once."""
    pend = guest.pending
    dels = guest.pending_delete()
    for opt in sorted(k for k in pend if k != "delete" and k in modified):
        value = pend[opt]
        if opt in LXC_FASTPLUG or opt in ("cpulimit", "cpuunits", "memory", "swap"):
            guest.conf[opt] = value
        elif re.match(r"^net\d+$", opt):
            guest.conf[opt] = print_lxc_net(value)
        elif re.match(r"^mp\d+$", opt):
            if opt in guest.conf:
                continue  # "don't try to hotplug over existing mp"
            guest.conf[opt] = lxc_mountpoint(guest, opt, value, None)
        elif re.match(r"^dev\d+$", opt):
            if opt in guest.conf:
                continue  # "don't try to hotplug over existing dev"
            check_device(parse_value("lxc", opt, value).get("path", ""))
            guest.conf[opt] = value
        else:
            continue  # skip non-hotpluggable (nameserver, searchdomain, timezone, features, rootfs ...)
        del pend[opt]
    for opt in [d for d in dels if d in modified]:
        if opt in LXC_FASTPLUG or opt in ("swap", "cpulimit", "cpuunits") or re.match(r"^(net|unused)\d+$", opt):
            if opt.startswith("unused"):
                free_volume(guest.conf.get(opt, ""))
            guest.conf.pop(opt, None)
            dels.remove(opt)
    guest.set_pending_delete(dels)


def lxc_apply_pending(guest):
    pend = guest.pending
    for opt in guest.pending_delete():
        old = guest.conf.get(opt)
        if old and re.match(r"^mp\d+$", opt):
            volume = parse_value("lxc", opt, old).get("volume", "")
            if not volume.startswith("/"):
                add_unused(guest.conf, volume)
        elif old and opt.startswith("unused"):
            free_volume(old)
        guest.conf.pop(opt, None)
    guest.set_pending_delete([])
    for opt in sorted(k for k in pend if k != "delete"):
        lxc_apply(guest, opt, pend.pop(opt))


def check_device(path):
    """pve-container Tools.pm get_device_mode_and_rdev: the device must exist on the node."""
    root = CONF.get("device_root", "")
    if not os.path.exists(root + path):
        raise ApiError(500, "Device %s does not exist" % path)  # recorded start failure, FACTS 3.1


QEMU_FASTPLUG = ("description", "hookscript", "lock", "migrate_downtime", "migrate_speed", "name", "onboot",
                 "protection", "shares", "startup", "tags", "vmstatestorage")  # QemuServer.pm $fast_plug_option
QEMU_CLOUDINIT = ("citype", "ciuser", "cipassword", "ciupgrade", "cicustom", "searchdomain", "nameserver",
                  "sshkeys", "ipconfig0", "ipconfig1", "ipconfig2", "ipconfig3")  # QemuServer.pm $confdesc_cloudinit


def hotplug_features(conf):
    """QemuServer.pm parse_hotplug_features: default network,disk,usb; '0' none."""
    value = conf.get("hotplug", "1")
    if value == "0":
        return set()
    if value == "1":
        value = "network,disk,usb"
    return set(value.split(","))


def cloudinit_record(guest, opt, old, new):
    """QemuServer.pm vmconfig_hotplug_pending $cloudinit_record_changed: track what the drive lacks."""
    if opt not in QEMU_CLOUDINIT and opt != "name" and not re.match(r"^net\d+$", opt):
        return
    ci = guest.section(CLOUDINIT, create=True)["_keys"]
    recorded = ci.get(opt)
    added = [a for a in ci.pop("added", "").split(",") if a]
    if new is not None:
        if recorded is not None and new == recorded:
            ci.pop(opt, None)
            added = [a for a in added if a != opt]
        elif recorded is None and opt not in added:
            if old is not None:
                ci[opt] = old
            else:
                added.append(opt)
    elif old is not None and recorded is None:
        if opt in added:
            added.remove(opt)
        else:
            ci[opt] = old
    if added:
        ci["added"] = ",".join(sorted(added))


def qemu_hotplug(guest, modified):
    """QemuServer.pm vmconfig_hotplug_pending for a running VM."""
    pend = guest.pending
    feats = hotplug_features(guest.conf)
    for opt in [k for k in pend if k != "delete"]:
        if opt in QEMU_FASTPLUG or opt in QEMU_CLOUDINIT:  # fast-plug + every cloud-init option
            cloudinit_record(guest, opt, guest.conf.get(opt), pend[opt])
            guest.conf[opt] = pend.pop(opt)
    for opt in sorted(k for k in pend if k != "delete" and k in modified):
        value = pend[opt]
        if re.match(r"^net\d+$", opt):
            old = parse_value("qemu", opt, guest.conf.get(opt, "")) if guest.conf.get(opt) else {}
            new = parse_value("qemu", opt, value)
            # vmconfig_update_net: a model change needs an unplug/plug (network hotplug)
            if old and old.get("model") != new.get("model") and "network" not in feats:
                continue
        elif opt in ("cpuunits", "cpulimit"):
            pass
        elif opt == "agent":
            old = parse_value("qemu", opt, guest.conf.get(opt, "")) if guest.conf.get(opt) else None
            new = parse_value("qemu", opt, value)
            if not old:
                continue  # vmconfig_update_agent: die "skip" if !$conf->{agent}
            if {k: v for k, v in old.items() if k != "fstrim_cloned_disks"} != \
                    {k: v for k, v in new.items() if k != "fstrim_cloned_disks"}:
                continue
        elif opt == "memory" and "memory" in feats or opt == "vcpus" and "cpu" in feats:
            pass
        elif re.match(r"^(scsi|virtio|sata|ide)\d+$", opt) and "disk" in feats and opt not in guest.conf:
            pass
        else:
            continue  # skip non-hot-pluggable options (boot, cores, hostpciN, machine, ...)
        cloudinit_record(guest, opt, guest.conf.get(opt), value)
        guest.conf[opt] = pend.pop(opt)
    dels = guest.pending_delete()
    for opt in [d for d in dels if d in modified]:
        if opt in QEMU_FASTPLUG or opt in QEMU_CLOUDINIT or (re.match(r"^net\d+$", opt) and "network" in feats):
            cloudinit_record(guest, opt, guest.conf.get(opt), None)
            guest.conf.pop(opt, None)
            dels.remove(opt)
    guest.set_pending_delete(dels)


def qemu_apply_pending(guest):
    """QemuServer.pm vmconfig_apply_pending (stopped VM, or at start)."""
    pend = guest.pending
    for opt in guest.pending_delete():
        old = guest.conf.get(opt)
        if old and re.match(r"^(scsi|virtio|sata|ide)\d+$", opt) and "media=cdrom" not in old:
            add_unused(guest.conf, old.split(",")[0])
        elif old and opt.startswith("unused"):
            free_volume(old)
        cloudinit_record(guest, opt, old, None)
        guest.conf.pop(opt, None)
    guest.set_pending_delete([])
    for opt in sorted(k for k in pend if k != "delete"):
        value = pend.pop(opt)
        old = guest.conf.get(opt)
        if old and re.match(r"^(scsi|virtio|sata|ide)\d+$", opt) and "media=cdrom" not in old \
                and old.split(",")[0] != value.split(",")[0]:
            add_unused(guest.conf, old.split(",")[0])  # vmconfig_register_unused_drive: a replaced disk is kept
        cloudinit_record(guest, opt, old, value)
        guest.conf[opt] = value


# --------------------------------------------------------------------------- write config

def write_config(user, kind, vmid, params):
    """PUT/POST config: pve-container update_pct_config / qemu-server update_vm_api."""
    guest = Guest(kind, vmid)
    sent = params.pop("digest", None)
    if sent is not None and sent != guest.digest:
        raise ApiError(500, "detected modified configuration - file changed by other user? Try again.")
    if guest.conf.get("lock"):  # AbstractConfig check_lock: "<guest type> is locked (<lock>)"
        raise ApiError(500, "%s is locked (%s)" % ("CT" if kind == "lxc" else "VM", guest.conf["lock"]))
    delete = [k for k in re.split(r"[,;\s]+", params.pop("delete", "")) if k]
    revert = [k for k in re.split(r"[,;\s]+", params.pop("revert", "")) if k]
    params.pop("background_delay", None)
    for key in delete:
        if key in params:
            raise ApiError(400, "Parameter verification failed.",
                           {"delete": "you can't use '-%s' and -delete %s' at the same time" % (key, key)})
    current = guest.view()
    if kind == "lxc":
        lxc_check_perm(user, current, params, delete)
    else:
        qemu_check_perm(user, current, params, delete)
    pend = guest.pending
    for key in revert:
        pend.pop(key, None)
    modified = set()
    dels = [d for d in guest.pending_delete() if d not in revert]
    for key in delete:
        if key not in guest.conf and key not in pend:
            continue  # "cannot delete '$opt' - not set in current configuration!" (a warning)
        if kind == "lxc" and key in ("memory", "rootfs", "ostype"):
            raise ApiError(500, "unable to delete required option '%s'" % key)
        if kind == "lxc" and key == "unprivileged":
            raise ApiError(500, "unable to delete read-only option: 'unprivileged'")
        pend.pop(key, None)
        if key == "tags" and kind == "qemu":  # update_vm_api deletes tags at once
            guest.conf.pop(key, None)
            continue
        modified.add(key)
        if key not in dels:
            dels.append(key)
    for key in sorted(params):
        value = str(params[key])
        spec = schema_prop(config_schema(kind).get("parameters", {}).get("properties", {}), key) or {}
        if spec.get("type") == "boolean":
            value = parse_boolean(value)
        if kind == "lxc" and key == "unprivileged":
            raise ApiError(500, "unable to modify read-only option: 'unprivileged'")
        if key == "tags":
            value = unique_tags(value)
        if kind == "qemu" and re.match(r"^net\d+$", key):
            value = print_qemu_net(value)  # update_vm_api: "add macaddr"
        if kind == "qemu" and re.match(r"^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$", key):
            if pend.get(key) == value:
                continue
            value = qemu_drive(guest, key, value, None)
        if kind == "qemu" and key == "cipassword":
            guest.conf[key] = "$5$standin$" + hashlib.sha256(value.encode()).hexdigest()[:43]  # encrypt_pw, at once
            continue
        if key == "description":  # fast-plug in both; kept as the '#' comment lines
            guest.main["_desc"] = value.rstrip("\n").split("\n")
            continue
        pend[key] = value
        modified.add(key)
        if key in dels:
            dels.remove(key)
    guest.set_pending_delete(dels)
    for key in [k for k in pend if k != "delete"]:  # AbstractConfig cleanup_pending
        if key in guest.conf and guest.conf[key] == pend[key]:
            del pend[key]
    if "description" in dels:
        guest.main["_desc"] = []
        dels.remove("description")
        guest.set_pending_delete(dels)
    running = is_running(vmid)
    if kind == "lxc":
        if running:
            lxc_hotplug(guest, modified)
        else:
            lxc_apply_pending(guest)
    else:
        if running:
            qemu_hotplug(guest, modified)
        else:
            qemu_apply_pending(guest)
    guest.save()


# --------------------------------------------------------------------------- create, clone, status, destroy

def create_guest(user, kind, params):
    vmid = int(params.pop("vmid"))
    what = "CT" if kind == "lxc" else "VM"
    with LOCK:
        if int(vmid) in all_guests():
            # API2/LXC.pm / Qemu.pm create: "CT 108 already exists on node 'proxmox'" (recorded)
            raise ApiError(500, "%s %s already exists on node '%s'" % (what, vmid, NODE))
        if kind == "lxc":
            template = params.get("ostemplate", "")
            if template not in [v for s in CONF.get("storages", []) for v in s.get("content", {}).get("vztmpl", [])]:
                raise ApiError(500, "volume '%s' does not exist" % template)
            settings = {k: v for k, v in params.items() if k not in (
                "ostemplate", "password", "ssh-public-keys", "storage", "start", "pool", "unique", "restore",
                "force", "ignore-unpack-errors", "bwlimit", "unprivileged")}
            # API2/LXC.pm create_vm: 'unprivileged' is extracted (read-only afterwards) and defaults to 1
            # outside a restore; the config gets `unprivileged: 1` only when it is set.
            default = "0" if parse_boolean(params.get("restore", "0")) == "1" else "1"
            unprivileged = parse_boolean(params.get("unprivileged", default))
            lxc_check_perm(user, {"unprivileged": unprivileged}, settings, [])
        else:
            settings = {k: v for k, v in params.items() if k not in ("start", "pool", "unique", "bwlimit", "storage")}
            qemu_check_perm(user, {}, settings, [])
        # create_and_lock_config: an empty file with lock: create
        main = new_section()
        main["_keys"]["lock"] = "create"
        os.makedirs(conf_dir(kind), exist_ok=True)
        with open(conf_path(kind, vmid), "w", encoding="utf-8") as fh:
            fh.write(render_conf(main, []))
    start = parse_boolean(params.get("start", "0")) == "1"

    def finish():
        guest = Guest(kind, vmid)
        conf = guest.conf
        del conf["lock"]
        if kind == "lxc":
            conf.update({"arch": "amd64", "ostype": "debian"})  # from the template's /etc/os-release
            if unprivileged == "1":
                conf["unprivileged"] = "1"
            settings.setdefault("rootfs", "%s:4" % params.get("storage", "local"))
            settings.setdefault("memory", "512")
            settings.setdefault("swap", "512")
        else:
            conf.update({"meta": "creation-qemu=10.0.2,ctime=%d" % int(time.time()),
                         "smbios1": "uuid=%08x-0000-4000-8000-%012x" % (vmid, random.getrandbits(48)),
                         "vmgenid": "%08x-1111-4111-8111-%012x" % (vmid, random.getrandbits(48))})
        for key in sorted(settings):
            value = str(settings[key])
            if key == "tags":
                value = unique_tags(value)
            if key == "description":
                guest.main["_desc"] = value.rstrip("\n").split("\n")
                continue
            if kind == "lxc":
                spec = schema_prop(config_schema(kind)["parameters"]["properties"], key) or {}
                if spec.get("type") == "boolean":
                    value = parse_boolean(value)
                lxc_apply(guest, key, value)
            elif re.match(r"^net\d+$", key):
                conf[key] = print_qemu_net(value)
            elif re.match(r"^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$", key):
                conf[key] = qemu_drive(guest, key, value, None)
            else:
                conf[key] = value
        guest.save()
        if start:
            start_guest(kind, vmid)
        return ["%s %s created" % (what, vmid)]

    return new_task(user, "vzcreate" if kind == "lxc" else "qmcreate", vmid, finish)


def start_guest(kind, vmid):
    guest = Guest(kind, vmid)
    if is_running(vmid):
        raise ApiError(500, "%s %s already running" % ("CT" if kind == "lxc" else "VM", vmid))
    if kind == "lxc":
        lxc_apply_pending(guest)  # LXC vm_start applies pending changes first
        for key, value in guest.conf.items():
            if re.match(r"^dev\d+$", key):
                check_device(parse_value("lxc", key, value).get("path", ""))
    else:
        qemu_apply_pending(guest)
        machine = guest.conf.get("machine", "")
        q35 = "q35" in machine.split(",")[0]  # Machine.pm machine_type_is_q35
        for key, value in guest.conf.items():
            if re.match(r"^hostpci\d+$", key) and parse_boolean(parse_value("qemu", key, value).get("pcie", "0")) == "1" \
                    and not q35:
                guest.save()
                raise ApiError(500, "q35 machine model is not enabled")  # QemuServer/PCI.pm parse_hostpci_devices
        sec = guest.section(CLOUDINIT)
        if sec is not None:
            sec["_keys"].clear()  # start regenerates the cloud-init drive (Cloudinit.pm generate_cloudinitconfig)
    guest.save()
    set_running(vmid, True)


def change_status(user, kind, vmid, action):
    guest = Guest(kind, vmid)
    what = "CT" if kind == "lxc" else "VM"
    if guest.conf.get("lock"):
        raise ApiError(500, "%s is locked (%s)" % (what, guest.conf["lock"]))
    prefix = "vz" if kind == "lxc" else "qm"

    def start():
        start_guest(kind, vmid)

    def stop():
        set_running(vmid, False)
        g = Guest(kind, vmid)
        if kind == "lxc":
            lxc_apply_pending(g)
        g.save()

    if action == "start":
        if is_running(vmid):
            raise ApiError(500, "%s %s already running" % (what, vmid))
        return new_task(user, prefix + "start", vmid, start)
    if not is_running(vmid):
        raise ApiError(500, "%s %s not running" % (what, vmid))
    if action == "reboot":
        def reboot():
            stop()
            start()
        return new_task(user, prefix + "reboot", vmid, reboot)
    return new_task(user, prefix + action, vmid, stop)


def destroy(user, kind, vmid, params):
    guest = Guest(kind, vmid)
    what = "CT" if kind == "lxc" else "VM"
    if parse_boolean(guest.conf.get("protection", "0")) == "1":
        raise ApiError(500, "can't remove %s %s - protection mode enabled" % (what, vmid))
    if is_running(vmid) and not (kind == "lxc" and parse_boolean(params.get("force", "0")) == "1"):
        raise ApiError(500, "%s %s is running - destroy failed" % (what, vmid))  # recorded (Qemu.pm destroy_vm)

    def remove():
        set_running(vmid, False)
        vols = volumes()
        for storage in vols:
            for name in [n for n, v in vols[storage].items() if v.get("vmid") == int(vmid)]:
                del vols[storage][name]
        save_volumes(vols)
        os.remove(conf_path(kind, vmid))

    return new_task(user, "vzdestroy" if kind == "lxc" else "qmdestroy", vmid, remove)


def clone_vm(user, vmid, params):
    """qemu-server API2/Qemu.pm clone_vm."""
    newid = int(params["newid"])
    src = Guest("qemu", vmid)
    if newid in all_guests():
        raise ApiError(500, "unable to create VM %s: config file already exists" % newid)
    is_template = parse_boolean(src.conf.get("template", "0")) == "1"
    full = parse_boolean(params["full"]) == "1" if "full" in params else not is_template
    storage = params.get("storage")
    if storage and not full:
        raise ApiError(500, "parameter 'storage' not allowed for linked clones")
    if not full and not is_template:
        raise ApiError(500, "Linked clone feature is not supported for '%s' (scsi0)" % src.conf.get("scsi0", ""))
    with LOCK:
        with open(conf_path("qemu", newid), "w", encoding="utf-8") as fh:
            fh.write("# qmclone temporary file\nlock: clone\n")

    def finish():
        new = {}
        for opt, value in sorted(src.conf.items()):
            if opt in ("parent", "snaptime", "vmstate", "snapstate", "runningcpu", "runningmachine",
                       "running-nets-host-mtu", "template") or opt.startswith("unused"):
                continue
            if re.match(r"^net\d+$", opt):  # "always change MAC! address"
                net = parse_value("qemu", opt, value)
                net["macaddr"] = random_mac()
                value = ",".join(["%s=%s" % (net.pop("model"), net.pop("macaddr"))] + ["%s=%s" % kv for kv in net.items()])
            elif re.match(r"^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$", opt):
                file_ = value.split(",")[0]
                rest = value[len(file_):]
                src_storage, _sep, volname = file_.partition(":")
                if "cloudinit" in volname:
                    value = alloc_volume(storage or src_storage, newid, "0.004", name="vm-%s-cloudinit" % newid) + rest
                elif "media=cdrom" in value:
                    pass
                elif full:
                    size = re.search(r"size=(\d+)G", value)
                    value = alloc_volume(storage or src_storage, newid, size.group(1) if size else "0") + rest
                else:
                    value = "%s:%s/%s" % (src_storage, volname, alloc_volume(src_storage, newid, "0").split(":")[1]) + rest
            new[opt] = value
        new["smbios1"] = "uuid=%08x-2222-4222-8222-%012x" % (newid, random.getrandbits(48))
        if "vmgenid" in new:
            new["vmgenid"] = "%08x-3333-4333-8333-%012x" % (newid, random.getrandbits(48))
        new["name"] = params.get("name") or "Copy-of-VM-%s" % src.conf.get("name", vmid)
        main = new_section()
        main["_keys"] = new
        main["_desc"] = [params["description"]] if params.get("description") else list(src.main["_desc"])
        with open(conf_path("qemu", newid), "w", encoding="utf-8") as fh:
            fh.write(render_conf(main, []))
        return ["create full clone of drive scsi0" if full else "create linked clone of drive scsi0"]

    return new_task(user, "qmclone", vmid, finish)


def resize_disk(user, kind, vmid, params):
    """API2/LXC.pm resize_vm / Qemu.pm resize_vm: grow only, '+N' or absolute; a task (vzresize / resize)."""
    guest = Guest(kind, vmid)
    disk = params["disk"]
    if disk not in guest.conf:
        raise ApiError(500, "no such disk '%s'" % disk)
    current = re.search(r"size=(\d+(?:\.\d+)?)([KMGT]?)", guest.conf[disk])
    factor = {"K": 1.0 / 1048576, "M": 1.0 / 1024, "G": 1.0, "T": 1024.0, "": 1.0}
    have = float(current.group(1)) * factor[current.group(2)] if current else 0.0
    match = re.match(r"^(\+)?(\d+(?:\.\d+)?)([KMGT]?)$", params["size"])
    if not match:
        raise ApiError(400, "Parameter verification failed.", {"size": "value does not match the regex pattern"})
    want = float(match.group(2)) * factor[match.group(3) or "G"] + (have if match.group(1) else 0)
    if want < have:
        raise ApiError(500, "unable to shrink disk size")  # both resize_vm implementations refuse to shrink

    def grow():
        g = Guest(kind, vmid)
        g.conf[disk] = re.sub(r"size=[^,]+", "size=%sG" % ("%g" % want), g.conf[disk])
        g.save()

    return new_task(user, "vzresize" if kind == "lxc" else "resize", vmid, grow)


def resources(rtype=None):
    out = []
    if rtype in (None, "vm"):
        for vmid, kind in sorted(all_guests().items()):
            view = Guest(kind, vmid).view()
            memory = re.sub(r"^current=", "", str(view.get("memory", 512))).split(",")[0]
            out.append({"id": "%s/%s" % (kind, vmid), "type": kind, "node": NODE, "vmid": vmid,
                        "name": view.get("hostname" if kind == "lxc" else "name", "%s%s" % (kind, vmid)),
                        "status": "running" if is_running(vmid) else "stopped",
                        "template": 1 if view.get("template") == "1" else 0, "tags": view.get("tags", ""),
                        "maxmem": int(memory) * 1048576, "maxcpu": int(view.get("cores", 1)), "uptime": 0})
    if rtype in (None, "node"):
        out.append({"id": "node/%s" % NODE, "type": "node", "node": NODE, "status": "online",
                    "maxcpu": 8, "maxmem": 34359738368, "level": ""})
    if rtype in (None, "storage"):
        for storage in CONF.get("storages", []):
            out.append({"id": "storage/%s/%s" % (NODE, storage["storage"]), "type": "storage", "node": NODE,
                        "storage": storage["storage"], "status": "available",
                        "content": ",".join(sorted(storage.get("content", {})))})
    return out


def guest_status(kind, vmid):
    view = Guest(kind, vmid).view(current=True)
    memory = re.sub(r"^current=", "", str(view.get("memory", 512))).split(",")[0]
    out = {"vmid": int(vmid), "status": "running" if is_running(vmid) else "stopped",
           "name": view.get("hostname" if kind == "lxc" else "name"), "cpus": int(view.get("cores", 1)),
           "maxmem": int(memory) * 1048576, "mem": 0, "cpu": 0, "disk": 0, "maxdisk": 0, "uptime": 0,
           "ha": {"managed": 0}, "type": kind}
    if view.get("tags"):
        out["tags"] = view["tags"]
    if view.get("lock"):
        out["lock"] = view["lock"]
    if kind == "qemu":
        out["qmpstatus"] = out["status"]
    return out


# LXC config keys the schema types as integer come back as JSON numbers; qemu 'memory' is a
# property string ([current=]<integer>) and comes back as a string (qemu-server QemuServer.pm $confdesc).
def typed_view(kind, view):
    props = config_schema(kind).get("parameters", {}).get("properties", {})
    for name in list(view):
        spec = schema_prop(props, name) or {}
        if spec.get("type") in ("integer", "boolean") and re.match(r"^-?\d+$", str(view[name])):
            view[name] = int(view[name])
        elif spec.get("type") == "number":
            try:
                view[name] = float(view[name]) if "." in str(view[name]) else int(view[name])
            except ValueError:
                pass
    return view


def pending_list(kind, vmid):
    """GuestHelpers.pm config_with_pending_array (cipassword masked, Qemu.pm vm_pending)."""
    guest = Guest(kind, vmid)
    pend = {k: v for k, v in guest.pending.items() if k != "delete"}
    dels = guest.pending_delete()
    out = []
    conf = dict(guest.conf)
    if guest.main["_desc"]:
        conf["description"] = "\n".join(guest.main["_desc"])
    for key, value in conf.items():
        item = {"key": key, "value": value}
        if key in pend:
            item["pending"] = pend.pop(key)
        if key in dels:
            item["delete"] = 1
            dels.remove(key)
        out.append(item)
    out += [{"key": k, "pending": v} for k, v in pend.items()]
    out += [{"key": k, "delete": 1} for k in dels]
    for item in out:
        if item["key"] == "cipassword":
            item["value"] = "**********"
    return out


def cloudinit_pending(vmid):
    """Qemu.pm cloudinit_pending: GET /nodes/{node}/qemu/{vmid}/cloudinit."""
    guest = Guest("qemu", vmid)
    sec = guest.section(CLOUDINIT)
    ci = dict(sec["_keys"]) if sec else {}
    added = [a for a in ci.pop("added", "").split(",") if a]
    out = [{"key": k, "pending": guest.conf.get(k)} for k in added]
    for opt in QEMU_CLOUDINIT[:8]:  # Qemu.pm $cloudinitoptions (ipconfigN only when added)
        if opt not in guest.conf or opt in added:
            continue
        item = {"key": opt, "value": ci[opt], "pending": guest.conf[opt]} if opt in ci else {"key": opt, "value": guest.conf[opt]}
        out.append(item)
    for item in out:
        if item["key"] == "cipassword":
            item.update({k: "**********" for k in ("value", "pending") if k in item})
    return out


# --------------------------------------------------------------------------- routing

def dispatch(user, method, template, uri, params):
    node = uri.get("node")
    if node is not None and node != NODE:
        # pve-http-server proxyto: an unknown/offline node answers 595 (AnyEvent), FACTS 2.1
        raise ApiError(595, "No route to host")
    vmid = uri.get("vmid")
    kind = "lxc" if "/lxc" in template else ("qemu" if "/qemu" in template else None)
    if vmid is not None and all_guests().get(int(vmid)) != kind:
        raise ApiError(500, "Configuration file 'nodes/%s/%s/%s.conf' does not exist"
                       % (NODE, "lxc" if kind == "lxc" else "qemu-server", vmid))
    key = (method, template)
    if key == ("GET", "/version"):
        return {"version": CONF.get("version", "9.1.3"), "release": CONF.get("version", "9.1.3").rsplit(".", 1)[0],
                "repoid": "standin0"}
    if key == ("GET", "/nodes"):
        return [{"node": NODE, "status": "online", "cpu": 0.01, "maxcpu": 8, "mem": 1, "maxmem": 34359738368,
                 "uptime": 1000, "level": "", "ssl_fingerprint": "", "id": "node/%s" % NODE, "type": "node"}]
    if key == ("GET", "/cluster/nextid"):
        used = set(all_guests())
        if "vmid" in params:
            if int(params["vmid"]) in used:  # Cluster.pm nextid: "VM $vmid already exists"
                raise ApiError(400, "Parameter verification failed.", {"vmid": "VM %s already exists" % params["vmid"]})
            return params["vmid"]
        candidate = 100
        while candidate in used:
            candidate += 1
        return str(candidate)
    if key == ("GET", "/cluster/resources"):
        return resources(params.get("type"))
    if key == ("GET", "/cluster/mapping/pci"):
        return CONF.get("pci_mappings", [])
    if method == "GET" and template in ("/nodes/{node}/lxc", "/nodes/{node}/qemu"):
        return [guest_status(k, v) for v, k in sorted(all_guests().items()) if k == kind]
    if method == "POST" and template in ("/nodes/{node}/lxc", "/nodes/{node}/qemu"):
        return create_guest(user, kind, dict(params))
    if template.endswith("/config"):
        if method == "GET":
            guest = Guest(kind, vmid)
            view = guest.view(current=parse_boolean(params.get("current", "0")) == "1")
            if guest.main["_desc"]:
                view["description"] = "\n".join(guest.main["_desc"]) + "\n"
            if kind == "lxc" and guest.main["_lxc"]:
                view["lxc"] = [list(x) for x in guest.main["_lxc"]]
            if "cipassword" in view:
                view["cipassword"] = "**********"
            view = typed_view(kind, view)
            view["digest"] = guest.digest
            return view
        with LOCK:
            if method == "POST":  # qemu async config: a qmconfig task (Qemu.pm update_vm_api, background_delay)
                Guest(kind, vmid)
                write_config(user, kind, vmid, dict(params))
                return new_task(user, "qmconfig", vmid, None)
            write_config(user, kind, vmid, dict(params))
        return None
    if template.endswith("/pending"):
        return pending_list(kind, vmid)
    if key == ("GET", "/nodes/{node}/qemu/{vmid}/cloudinit"):
        return cloudinit_pending(vmid)
    if key == ("PUT", "/nodes/{node}/qemu/{vmid}/cloudinit"):
        guest = Guest(kind, vmid)  # Qemu.pm cloudinit_update: regenerate the drive now
        sec = guest.section(CLOUDINIT)
        if sec is not None:
            sec["_keys"].clear()
        guest.save()
        return None
    if method == "PUT" and template.endswith("/resize"):
        return resize_disk(user, kind, vmid, params)
    if template.endswith("/status/current"):
        return guest_status(kind, vmid)
    match = re.match(r".*/status/(start|stop|shutdown|reboot)$", template)
    if match and method == "POST":
        return change_status(user, kind, vmid, match.group(1))
    if method == "DELETE" and template in ("/nodes/{node}/lxc/{vmid}", "/nodes/{node}/qemu/{vmid}"):
        return destroy(user, kind, vmid, params)
    if key == ("POST", "/nodes/{node}/qemu/{vmid}/clone"):
        return clone_vm(user, vmid, params)
    if template == "/nodes/{node}/tasks/{upid}/status":
        return task_status(user, uri["upid"])
    if template == "/nodes/{node}/tasks/{upid}/log":
        task = TASKS.get(uri["upid"])
        if task is None:
            raise ApiError(500, "no such task")
        return [{"n": i + 1, "t": t} for i, t in enumerate(task["log"])]
    if template == "/nodes/{node}/storage/{storage}/content":
        storage = storage_conf(uri["storage"])
        out = []
        for content, volids in storage.get("content", {}).items():
            if params.get("content") in (None, content):
                out += [{"volid": v, "content": content, "format": "tzst" if content == "vztmpl" else "raw",
                         "size": 123456789, "ctime": 1700000000} for v in volids]
        if params.get("content") in (None, "images", "rootdir"):
            for name, vol in volumes().get(uri["storage"], {}).items():
                out.append({"volid": "%s:%s" % (uri["storage"], name), "content": "images", "format": "raw",
                            "vmid": vol["vmid"], "size": int(float(vol["size"]) * 1073741824)})
        return out
    raise ApiError(501, "Method '%s %s' not implemented" % (method, template))


def handle(method, raw_path, headers, params):
    """One request -> (status, body dict, reason). Shared by the HTTP server and the contract tests."""
    path = urllib.parse.urlsplit(raw_path).path
    try:
        if not path.startswith("/api2/json/"):
            raise ApiError(501, "Unsupported format or path")
        api_path = path[len("/api2/json"):].rstrip("/") or "/"
        template, methods, uri = schema_for(api_path)
        info = (methods or {}).get(method)
        if info is None:
            raise ApiError(501, "Method '%s %s' not implemented" % (method, api_path))
        if template == "/access/ticket" and method == "POST":
            validate(info, params, uri)
            user = params["username"]
            if "@" not in user and params.get("realm"):
                user = "%s@%s" % (user, params["realm"])
            password = params["password"]
            checked = check_ticket(password) if password.startswith("PVE:") else None
            if not (checked and checked[0] == user) and CONF.get("users", {}).get(user) != password:
                raise ApiError(401, "authentication failure")
            ticket = make_ticket(user)
            return 200, {"data": {"ticket": ticket, "CSRFPreventionToken": make_csrf(user, ticket.split(":")[2]),
                                  "username": user, "cap": {}}}, None
        user = authenticate(headers, method)
        if "!" in user and not info.get("allowtoken", 1):
            raise perm_exc("API tokens are not allowed here")
        validate(info, params, uri)
        return 200, {"data": dispatch(user, method, template, uri, params)}, None
    except ApiError as exc:
        body = {"data": None, "message": exc.message + "\n"}
        if exc.errors:
            body["errors"] = exc.errors
        return exc.status, body, exc.message.split("\n", maxsplit=1)[0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pve-api-daemon/3.0"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    def _params(self, method):
        pairs = urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        if method in ("POST", "PUT"):
            length = int(self.headers.get("Content-Length", 0) or 0)
            body = self.rfile.read(length).decode() if length else ""
            if body and "json" in self.headers.get("Content-Type", ""):
                pairs += [(k, str(v)) for k, v in json.loads(body).items()]
            elif body:
                pairs += urllib.parse.parse_qsl(body, keep_blank_values=True)
        return dict(pairs)

    def _handle(self, method):
        try:
            status, body, reason = handle(method, self.path, self.headers, self._params(method))
        except Exception as exc:  # pylint: disable=broad-except
            status, body, reason = 500, {"data": None, "message": "%s\n" % exc}, str(exc).split("\n", maxsplit=1)[0][:200]
        data = json.dumps(body).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=0")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    def do_PUT(self):  # noqa: N802
        self._handle("PUT")

    def do_DELETE(self):  # noqa: N802
        self._handle("DELETE")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(conf):
    """Start the server (TLS when cert/key are set); returns it (tests run it in a thread)."""
    configure(conf)
    for kind in ("lxc", "qemu"):
        link = os.path.join(PVE_ROOT, "lxc" if kind == "lxc" else "qemu-server")
        if not os.path.lexists(link):
            os.symlink(os.path.join("nodes", NODE, "lxc" if kind == "lxc" else "qemu-server"), link)
    server = Server((conf.get("listen", "0.0.0.0"), int(conf.get("port", 8006))), Handler)
    if conf.get("cert"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(conf["cert"], conf["key"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def main():
    with open(os.environ.get("PVE_STANDIN_CONFIG", "/etc/pve-standin/config.json"), encoding="utf-8") as fh:
        serve(json.load(fh)).serve_forever()


if __name__ == "__main__":
    main()
