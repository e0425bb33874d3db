"""Proxmox VE API stand-in (test equipment, never imported by the collection).

Serves the subset of /api2/json that homelab.mediastack uses, over HTTPS on port 8006, the way
a PVE 9.1 node answers (see /work/shared/reference/proxmox/FACTS.md):

* token auth (``Authorization: PVEAPIToken=user@realm!id=secret``) and ticket auth
  (``POST /access/ticket``, cookie ``PVEAuthCookie`` + ``CSRFPreventionToken`` on writes);
* the ``{"data": ...}`` envelope; errors carry the message in the HTTP reason phrase and a body
  ``{"data": null, "message": ..., "errors": {param: msg}}``;
* every request's parameters validated against the official schema (pve-api-schema-subset.json,
  vendored next to this file): unknown keys, types, enums, patterns, property-string sub-keys;
* guest configs as real files in Proxmox's format under /etc/pve/nodes/<node>/{lxc,qemu-server}
  (with /etc/pve/lxc and /etc/pve/qemu-server links), snapshot sections ``[name]`` and the
  ``[PENDING]`` section, ``digest`` = SHA1 of the file, so an edit over SSH and one through the
  API meet in the same file;
* UPID tasks that stay ``running`` for a moment, then ``stopped`` with an ``exitstatus``;
* the root@pam-only rules of pve-container / qemu-server for bind mounts, devN, features,
  hookscript and raw hostpciN.

Python 3 standard library only. Settings: /etc/pve-standin/config.json (see deploy.yml).
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

CONFIG_FILE = os.environ.get("PVE_STANDIN_CONFIG", "/etc/pve-standin/config.json")
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_FILE = os.path.join(HERE, "pve-api-schema-subset.json")
TASK_SECONDS = 1.5
LOCK = threading.RLock()

with open(SCHEMA_FILE, encoding="utf-8") as _fh:
    SCHEMA = json.load(_fh)["paths"]
with open(CONFIG_FILE, encoding="utf-8") as _fh:
    CONF = json.load(_fh)

NODE = CONF.get("node", "pve")
PVE_ROOT = CONF.get("pve_root", "/etc/pve")
STATE_DIR = CONF.get("state_dir", "/var/lib/pve-standin")
TICKET_SECRET = secrets.token_hex(16)
TASKS = {}


class ApiError(Exception):
    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


# --------------------------------------------------------------------------- config files

def conf_dir(kind):
    return os.path.join(PVE_ROOT, "nodes", NODE, "lxc" if kind == "lxc" else "qemu-server")


def conf_path(kind, vmid):
    return os.path.join(conf_dir(kind), "%s.conf" % vmid)


def parse_conf(text):
    """Proxmox guest config: leading '#' lines = description, 'key: value' lines, sections."""
    main = {"_order": [], "_desc": [], "_lxc": []}
    sections = []
    current = main
    for raw in text.splitlines():
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        match = re.match(r"^\[([^\]]+)\]\s*$", line)
        if match:
            current = {"_order": [], "_desc": [], "_lxc": [], "_name": match.group(1)}
            sections.append(current)
            continue
        if line.startswith("#"):
            current["_desc"].append(urllib.parse.unquote(line[1:]))
            continue
        key, _sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key.startswith("lxc."):
            current["_lxc"].append([key, value])
            continue
        if key not in current:
            current["_order"].append(key)
        current[key] = value
    return main, sections


def render_section(sec):
    lines = ["#" + urllib.parse.quote(d, safe=" !\"$&'()*+,-./:;<=>?@[\\]^_`{|}~") for d in sec["_desc"]]
    for key in sorted(sec["_order"]):  # PVE writes keys sorted, raw lxc.* lines last
        if key in sec:
            lines.append("%s: %s" % (key, sec[key]))
    for key, value in sec["_lxc"]:
        lines.append("%s: %s" % (key, value))
    return lines


def render_conf(main, sections):
    lines = render_section(main)
    for sec in sections:
        lines.append("")
        lines.append("[%s]" % sec["_name"])
        lines.extend(render_section(sec))
    return "\n".join(lines) + "\n"


def load_guest(kind, vmid):
    path = conf_path(kind, vmid)
    if not os.path.exists(path):
        raise ApiError(500, "Configuration file 'nodes/%s/%s/%s.conf' does not exist"
                       % (NODE, "lxc" if kind == "lxc" else "qemu-server", vmid))
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    main, sections = parse_conf(text)
    return main, sections, hashlib.sha1(text.encode()).hexdigest()


def save_guest(kind, vmid, main, sections):
    os.makedirs(conf_dir(kind), exist_ok=True)
    # pmxcfs semantics: write in place, no temp file + rename
    with open(conf_path(kind, vmid), "w", encoding="utf-8") as fh:
        fh.write(render_conf(main, sections))


def all_guests():
    found = {}
    for kind in ("lxc", "qemu"):
        folder = conf_dir(kind)
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            match = re.match(r"^(\d+)\.conf$", name)
            if match:
                found[int(match.group(1))] = kind
    return found


def guest_kind(vmid):
    return all_guests().get(int(vmid))


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


PENDING_NAMES = ("PENDING", "pve:pending")  # qemu-server / pve-container


def pending_section(sections):
    for sec in sections:
        if sec["_name"] in PENDING_NAMES:
            return sec
    return None


def apply_pending(main, sections):
    pend = pending_section(sections)
    if not pend:
        return
    for key in pend["_order"]:
        if key == "delete":
            continue
        if key not in main:
            main["_order"].append(key)
        main[key] = pend[key]
    for key in [k for k in pend.get("delete", "").split(",") if k]:
        main.pop(key.lstrip("!"), None)
    if pend["_desc"]:
        main["_desc"] = pend["_desc"]
    sections.remove(pend)


def config_with_pending(main, sections):
    """What GET .../config returns by default: values with pending changes applied."""
    view = {k: v for k, v in main.items() if not k.startswith("_")}
    pend = pending_section(sections)
    if pend:
        for key in pend["_order"]:
            if key != "delete":
                view[key] = pend[key]
        for key in [k for k in pend.get("delete", "").split(",") if k]:
            view.pop(key.lstrip("!"), None)
    return view


# --------------------------------------------------------------------------- schema checks

def schema_for(path):
    """Match a concrete path against the schema's templated paths."""
    for template, methods in SCHEMA.items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"([^/]+)", re.escape(template)) + "$"
        match = re.match(pattern, path)
        if match:
            names = re.findall(r"\{([^}]+)\}", template)
            return template, methods, dict(zip(names, [urllib.parse.unquote(g) for g in match.groups()]))
    return None, None, None


BOOL_TRUE = ("1", "on", "yes", "true")
BOOL_FALSE = ("0", "off", "no", "false")


def schema_prop(props, name):
    if name in props:
        return props[name]
    match = re.match(r"^([a-z]+)(\d+)$", name)
    if match and match.group(1) + "[n]" in props:
        return props[match.group(1) + "[n]"]
    return None


def check_simple(spec, value):
    kind = spec.get("type", "string")
    if kind == "boolean":
        if str(value).lower() not in BOOL_TRUE + BOOL_FALSE:
            return "type check ('boolean') failed - got '%s'" % value
    elif kind == "integer":
        if not re.match(r"^-?\d+$", str(value)):
            return "type check ('integer') failed - got '%s'" % value
        if "minimum" in spec and int(value) < spec["minimum"]:
            return "value must have a minimum value of %s" % spec["minimum"]
        if "maximum" in spec and int(value) > spec["maximum"]:
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
            pattern = spec["pattern"].replace("(?^:", "(?:")
            try:
                if not re.match("^(?:" + pattern + ")$", str(value)):
                    return "value does not match the regex pattern"
            except re.error:
                pass
        if "maxLength" in spec and len(str(value)) > spec["maxLength"]:
            return "value may only be %s characters long" % spec["maxLength"]
    return None


def split_property_string(value, fmt):
    """Parse 'a=1,b=2' with an optional default key; returns dict or raises ValueError."""
    default_key = next((k for k, s in fmt.items() if s.get("default_key")), None)
    result = {}
    for part in [p for p in value.split(",") if p != ""]:
        if "=" in part:
            key, val = part.split("=", 1)
        elif default_key and default_key not in result:
            key, val = default_key, part
        else:
            key, val = part, None
        if key in result:
            raise ValueError("duplicate key in comma-separated list property: %s" % key)
        result[key] = val
    return result


def check_property_string(name, spec, value):
    fmt = spec.get("format")
    if not isinstance(fmt, dict):
        return check_simple(spec, value)
    try:
        parsed = split_property_string(value, fmt)
    except ValueError as exc:
        return "invalid format - %s" % exc
    for key, val in parsed.items():
        sub = fmt.get(key)
        if sub is None:
            return "invalid format - format error\n%s.%s: property is not defined in schema" % (name, key)
        if "alias" in sub:  # e.g. qemu net 'virtio=<mac>'
            continue
        if val is None:
            if sub.get("type") == "boolean":
                continue
            return "invalid format - format error\n%s.%s: value missing" % (name, key)
        err = check_simple(sub, val)
        if err:
            return "invalid format - format error\n%s.%s: %s" % (name, key, err)
    for key, sub in fmt.items():
        if not sub.get("optional") and "alias" not in sub and "keyAlias" not in sub and key not in parsed:
            if sub.get("default_key") or "default" not in sub:
                return "invalid format - format error\n%s.%s: property is missing and it is not optional" % (name, key)
    return None


def validate(info, params, uri_params):
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


# --------------------------------------------------------------------------- auth

def make_ticket(user):
    stamp = "%08X" % int(time.time())
    sig = hashlib.sha256(("%s:%s:%s" % (user, stamp, TICKET_SECRET)).encode()).hexdigest()
    return "PVE:%s:%s::%s" % (user, stamp, sig), "%s:%s" % (stamp, hashlib.sha256((stamp + user + TICKET_SECRET).encode()).hexdigest()[:43])


def check_ticket(ticket):
    parts = ticket.split(":")
    if len(parts) < 5 or parts[0] != "PVE":
        return None
    user, stamp = parts[1], parts[2]
    sig = hashlib.sha256(("%s:%s:%s" % (user, stamp, TICKET_SECRET)).encode()).hexdigest()
    if parts[-1] != sig or time.time() - int(stamp, 16) > 7200:
        return None
    return user, stamp


def authenticate(handler, method, path):
    header = handler.headers.get("Authorization", "")
    if header.startswith("PVEAPIToken="):
        match = re.match(r"^PVEAPIToken=([^!]+)!([^=]+)=(.+)$", header)
        if not match:
            raise ApiError(401, "authentication failure")
        tokenid = "%s!%s" % (match.group(1), match.group(2))
        if CONF.get("tokens", {}).get(tokenid) != match.group(3):
            raise ApiError(401, "authentication failure")
        return tokenid
    cookie = handler.headers.get("Cookie", "")
    match = re.search(r"PVEAuthCookie=([^;]+)", cookie)
    if not match:
        raise ApiError(401, "No ticket")
    checked = check_ticket(urllib.parse.unquote(match.group(1)))
    if not checked:
        raise ApiError(401, "authentication failure")
    user, stamp = checked
    if method != "GET":
        csrf = handler.headers.get("CSRFPreventionToken", "")
        if csrf != make_ticket_csrf(user, stamp):
            raise ApiError(401, "Permission denied - invalid csrf token")
    return user


def make_ticket_csrf(user, stamp):
    return "%s:%s" % (stamp, hashlib.sha256((stamp + user + TICKET_SECRET).encode()).hexdigest()[:43])


# --------------------------------------------------------------------------- root@pam rules

def root_only_reason(kind, key, value, conf):
    """pve-container check_ct_modify_config_perm / qemu-server check_vm_modify_config_perm."""
    if kind == "lxc":
        if re.match(r"^(mp\d+|rootfs)$", key):
            volume = value.split(",")[0]
            if volume.startswith("volume="):
                volume = volume[len("volume="):]
            if volume.startswith("/dev/"):
                return "mount point type device is only allowed for root@pam"
            if volume.startswith("/"):
                return "mount point type bind is only allowed for root@pam"
        if re.match(r"^dev\d+$", key):
            return "configuring device passthrough is only allowed for root@pam"
        if key == "features":
            if str(conf.get("unprivileged", "0")) not in ("1",):
                return "changing feature flags for privileged container is only allowed for root@pam"
            flags = {k for k, v in (p.split("=", 1) if "=" in p else (p, "1") for p in value.split(",") if p) if v not in ("0",)}
            if flags - {"nesting"}:
                return "changing feature flags (except nesting) is only allowed for root@pam"
        if key == "hookscript":
            return "changing the hookscript is only allowed for root@pam"
    else:
        if re.match(r"^hostpci\d+$", key) and "mapping=" not in value:
            return "only root can set '%s' config for non-mapped devices" % key
        if re.match(r"^usb\d+$", key) and "mapping=" not in value and value.split(",")[0] not in ("spice",):
            return "only root can set '%s' config for real devices" % key
        if key == "args":
            return "only root can set 'args' config"
    return None


def enforce_root(user, kind, params, conf):
    if user == "root@pam":
        return
    for key, value in params.items():
        reason = root_only_reason(kind, key, str(value), conf)
        if reason:
            raise ApiError(403, "Permission check failed (%s)" % reason)


# --------------------------------------------------------------------------- tasks

def new_task(user, ttype, ident, action=None, fail=None):
    pid = os.getpid() & 0xFFFF
    pstart = random.randint(0x100000, 0xFFFFFF)
    start = int(time.time())
    upid = "UPID:%s:%08X:%08X:%08X:%s:%s:%s:" % (NODE, pid, pstart, start, ttype, ident, user)
    TASKS[upid] = {"upid": upid, "node": NODE, "pid": pid, "pstart": pstart, "starttime": start,
                   "type": ttype, "id": str(ident), "user": user, "t0": time.time(), "action": action,
                   "fail": fail, "done": False, "log": ["starting %s %s" % (ttype, ident)]}
    return upid


def task_status(upid):
    task = TASKS.get(upid)
    if task is None:
        raise ApiError(500, "unable to parse worker upid '%s'" % upid if upid.count(":") != 9 else "no such task")
    if not task["done"] and time.time() - task["t0"] >= TASK_SECONDS:
        with LOCK:
            try:
                if task["action"]:
                    task["action"]()
                task["exitstatus"] = task["fail"] or "OK"
            except ApiError as exc:
                task["exitstatus"] = exc.message
            task["log"].append("TASK " + ("OK" if task["exitstatus"] == "OK" else "ERROR: " + task["exitstatus"]))
            task["done"] = True
    out = {k: task[k] for k in ("upid", "node", "pid", "pstart", "starttime", "type", "id", "user")}
    out["status"] = "stopped" if task["done"] else "running"
    if task["done"]:
        out["exitstatus"] = task["exitstatus"]
    return out


# --------------------------------------------------------------------------- guests

def random_mac():
    return "BC:24:11:%02X:%02X:%02X" % (random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))


def normalise_tags(value):
    return ";".join(t for t in re.split(r"[;, ]+", value) if t)


def lxc_normalise(key, value, vmid, current=None):
    """Server-side defaults a real node adds on write."""
    if re.match(r"^net\d+$", key):
        parts = [p for p in value.split(",") if p]
        keys = {p.split("=", 1)[0] for p in parts}
        if "hwaddr" not in keys:
            old = dict(p.split("=", 1) for p in (current or "").split(",") if "=" in p)
            parts.append("hwaddr=%s" % old.get("hwaddr", random_mac()))
        if "type" not in keys:
            parts.append("type=veth")
        return ",".join(parts)
    if key in ("rootfs",) or re.match(r"^mp\d+$", key):
        first, _sep, rest = value.partition(",")
        if first.startswith("volume="):
            first = first[len("volume="):]
        match = re.match(r"^([\w.-]+):(\d+(?:\.\d+)?)$", first)
        if match:
            disk = 0 if key == "rootfs" else int(key[2:]) + 1
            first = "%s:vm-%s-disk-%d" % (match.group(1), vmid, disk)
            rest = ",".join([r for r in [rest, "size=%sG" % match.group(2)] if r])
        return first + ("," + rest if rest else "")
    if key == "tags":
        return normalise_tags(value)
    return value


def qemu_normalise(key, value, vmid, current=None):
    if re.match(r"^net\d+$", key):
        parts = [p for p in value.split(",") if p]
        model = parts[0].split("=", 1)
        if len(model) == 1 and model[0] in ("virtio", "e1000", "rtl8139", "vmxnet3", "e1000e"):
            old = dict(p.split("=", 1) for p in (current or "").split(",") if "=" in p)
            parts[0] = "%s=%s" % (model[0], old.get(model[0], random_mac()))
        return ",".join(parts)
    if re.match(r"^(scsi|virtio|sata|ide)\d+$", key):
        first, _sep, rest = value.partition(",")
        match = re.match(r"^([\w.-]+):(\d+)$", first)
        if match:
            first = "%s:vm-%s-disk-%s" % (match.group(1), vmid, key[-1])
            rest = ",".join([r for r in [rest, "size=%sG" % match.group(2)] if r])
        return first + ("," + rest if rest else "")
    if key == "tags":
        return normalise_tags(value)
    return value


LXC_HOT = {"memory", "swap", "cores", "cpulimit", "cpuunits", "description", "onboot", "startup",
           "tags", "protection", "hostname", "nameserver", "searchdomain", "timezone"}
QEMU_HOT = {"description", "onboot", "startup", "tags", "protection", "name", "agent", "boot",
            "ciuser", "sshkeys", "nameserver", "searchdomain"}


def hot_pluggable(kind, key):
    if kind == "lxc":
        return key in LXC_HOT or re.match(r"^net\d+$", key) is not None
    return key in QEMU_HOT or re.match(r"^(net|ipconfig)\d+$", key) is not None


def write_config(user, kind, vmid, params, creating=False):
    """Shared by create and PUT config: root checks, delete, digest, pending."""
    main, sections, digest = load_guest(kind, vmid)
    sent_digest = params.pop("digest", None)
    if sent_digest is not None and sent_digest != digest:
        raise ApiError(500, "detected modified configuration - file changed by other user? Try again.")
    deletes = [k for k in re.split(r"[,;\s]+", params.pop("delete", "")) if k]
    revert = [k for k in re.split(r"[,;\s]+", params.pop("revert", "")) if k]
    for key in deletes:
        if key in params:
            raise ApiError(400, "Parameter verification failed.", {"delete": "conflicting values: cannot set and delete '%s'" % key})
    merged = config_with_pending(main, sections)
    enforce_root(user, kind, params, {**merged, **params})
    if "unprivileged" in params and not creating and str(params["unprivileged"]) != merged.get("unprivileged", "0"):
        raise ApiError(500, "unable to modify read-only option: 'unprivileged'")
    norm = lxc_normalise if kind == "lxc" else qemu_normalise
    running = is_running(vmid)
    pend = pending_section(sections)
    for key, value in params.items():
        if key in ("node", "vmid"):
            continue
        value = str(value)
        if kind == "lxc" and key in ("onboot", "unprivileged", "protection", "template", "console", "tty") or \
                kind == "qemu" and key in ("onboot", "agent", "protection", "template"):
            value = "1" if value.lower() in BOOL_TRUE else ("0" if value.lower() in BOOL_FALSE else value)
        value = norm(key, value, vmid, merged.get(key))
        if key == "description":
            target = main
            if running and not hot_pluggable(kind, key):
                target = pend
            target["_desc"] = value.split("\n")
            continue
        if running and not hot_pluggable(kind, key):
            if pend is None:
                pend = {"_order": [], "_desc": [], "_lxc": [], "_name": "pve:pending" if kind == "lxc" else "PENDING"}
                sections.insert(0, pend)
            if key not in pend:
                pend["_order"].append(key)
            pend[key] = value
            continue
        if key not in main:
            main["_order"].append(key)
        main[key] = value
    for key in deletes:
        if key == "description":
            main["_desc"] = []
            continue
        if running and not hot_pluggable(kind, key):
            if pend is None:
                pend = {"_order": [], "_desc": [], "_lxc": [], "_name": "pve:pending" if kind == "lxc" else "PENDING"}
                sections.insert(0, pend)
            pend.setdefault("delete", "")
            if "delete" not in pend["_order"]:
                pend["_order"].append("delete")
            pend["delete"] = ",".join([d for d in pend["delete"].split(",") if d] + [key])
        else:
            main.pop(key, None)
    for key in revert:
        if pend:
            pend.pop(key, None)
    if pend is not None and not [k for k in pend["_order"] if k in pend] and not pend["_desc"]:
        sections.remove(pend)
    save_guest(kind, vmid, main, sections)


def create_guest(user, kind, params):
    vmid = int(params["vmid"])
    with LOCK:
        existing = guest_kind(vmid)
        if existing:
            what = "CT" if kind == "lxc" else "VM"
            raise ApiError(500, "%s %s already exists on node '%s'" % (what, vmid, NODE))
        if kind == "lxc":
            template = params.get("ostemplate", "")
            if template not in storage_volids("vztmpl"):
                raise ApiError(500, "volume '%s' does not exist" % template)
            if str(params.get("unprivileged", "0")).lower() in BOOL_FALSE and user != "root@pam" and "root@pam" not in user:
                pass  # privileged CT needs Sys.Modify on /; our tokens have it (PVEAdmin-like)
        enforce_root(user, kind, {k: v for k, v in params.items() if k not in ("vmid", "node")}, params)
        ostype = "debian"
        create_only = ("ostemplate", "password", "ssh-public-keys", "storage", "start", "pool",
                       "unique", "restore", "force", "ignore-unpack-errors", "bwlimit")
        main = {"_order": [], "_desc": [], "_lxc": []}
        if kind == "lxc":
            main.update({"arch": "amd64", "ostype": ostype})
            main["_order"] += ["arch", "ostype"]
            if "rootfs" not in params:
                params["rootfs"] = "%s:4" % params.get("storage", "local")
        else:
            main.update({"meta": "creation-qemu=9.2.0,ctime=%d" % int(time.time()),
                         "smbios1": "uuid=%08x-0000-4000-8000-%012x" % (vmid, random.getrandbits(48)),
                         "vmgenid": "%08x-1111-4111-8111-%012x" % (vmid, random.getrandbits(48))})
            main["_order"] += ["meta", "smbios1", "vmgenid"]
        save_guest(kind, vmid, main, [])
        main["lock"] = "create"
        main["_order"].append("lock")
        save_guest(kind, vmid, main, [])
    start = str(params.get("start", "0")).lower() in BOOL_TRUE
    settings = {k: v for k, v in params.items() if k not in create_only and k not in ("vmid", "node")}

    def finish():
        write_config(user, kind, vmid, dict(settings), creating=True)
        main2, sections2, _digest = load_guest(kind, vmid)
        main2.pop("lock", None)
        save_guest(kind, vmid, main2, sections2)
        if start:
            set_running(vmid, True)

    return new_task(user, "vzcreate" if kind == "lxc" else "qmcreate", vmid, finish)


def storage_volids(content):
    out = []
    for storage in CONF.get("storages", []):
        for volid in storage.get("content", {}).get(content, []):
            out.append(volid)
    return out


def resources(rtype=None):
    out = []
    if rtype in (None, "vm"):
        for vmid, kind in sorted(all_guests().items()):
            main, sections, _d = load_guest(kind, vmid)
            view = config_with_pending(main, sections)
            out.append({"id": "%s/%s" % (kind, vmid), "type": kind, "node": NODE, "vmid": vmid,
                        "name": view.get("hostname" if kind == "lxc" else "name", "%s%s" % (kind, vmid)),
                        "status": "running" if is_running(vmid) else "stopped",
                        "template": 1 if view.get("template") == "1" else 0,
                        "tags": view.get("tags", ""), "maxmem": int(view.get("memory", 512)) * 1048576,
                        "maxcpu": int(view.get("cores", 1)), "uptime": 0})
    if rtype in (None, "node"):
        out.append({"id": "node/%s" % NODE, "type": "node", "node": NODE, "status": "online",
                    "maxcpu": 8, "maxmem": 34359738368, "level": ""})
    if rtype in (None, "storage"):
        for storage in CONF.get("storages", []):
            out.append({"id": "storage/%s/%s" % (NODE, storage["storage"]), "type": "storage",
                        "node": NODE, "storage": storage["storage"], "status": "available",
                        "content": ",".join(sorted(storage.get("content", {})))})
    return out


def guest_status(kind, vmid):
    main, sections, _d = load_guest(kind, vmid)
    view = config_with_pending(main, sections)
    running = is_running(vmid)
    return {"vmid": int(vmid), "status": "running" if running else "stopped",
            "name": view.get("hostname" if kind == "lxc" else "name"), "cpus": int(view.get("cores", 1)),
            "maxmem": int(view.get("memory", 512)) * 1048576, "mem": 0, "cpu": 0, "disk": 0, "maxdisk": 0,
            "uptime": 0, "ha": {"managed": 0}, "tags": view.get("tags", ""),
            "lock": main.get("lock", "") or None, "type": kind}


def change_status(user, kind, vmid, action):
    main, sections, _d = load_guest(kind, vmid)
    if main.get("lock"):
        raise ApiError(500, "%s is locked (%s)" % ("CT %s" % vmid if kind == "lxc" else "VM %s" % vmid, main["lock"]))
    prefix = "vz" if kind == "lxc" else "qm"

    def start():
        if is_running(vmid):
            raise ApiError(500, "%s %s already running" % ("CT" if kind == "lxc" else "VM", vmid))
        main2, sections2, _d2 = load_guest(kind, vmid)
        for key, value in main2.items():
            if kind == "lxc" and re.match(r"^dev\d+$", key):
                path = value.split(",")[0].replace("path=", "")
                if not os.path.exists(path):
                    raise ApiError(500, "Device %s does not exist" % path)
        apply_pending(main2, sections2)
        save_guest(kind, vmid, main2, sections2)
        set_running(vmid, True)

    def stop():
        set_running(vmid, False)
        main2, sections2, _d2 = load_guest(kind, vmid)
        apply_pending(main2, sections2)
        save_guest(kind, vmid, main2, sections2)

    if action == "start":
        return new_task(user, prefix + "start", vmid, start)
    if not is_running(vmid):
        raise ApiError(500, "%s %s not running" % ("CT" if kind == "lxc" else "VM", vmid))
    return new_task(user, prefix + action, vmid, stop)


def destroy(user, kind, vmid, params):
    main, sections, _d = load_guest(kind, vmid)
    what = "CT" if kind == "lxc" else "VM"
    if main.get("protection") == "1":
        raise ApiError(500, "can't remove %s %s - protection mode enabled" % (what, vmid))
    if is_running(vmid) and not (kind == "lxc" and str(params.get("force", "0")) in BOOL_TRUE):
        raise ApiError(500, "%s %s is running - destroy failed" % (what, vmid))

    def remove():
        set_running(vmid, False)
        os.remove(conf_path(kind, vmid))

    return new_task(user, "vzdestroy" if kind == "lxc" else "qmdestroy", vmid, remove)


def clone_vm(user, vmid, params):
    newid = int(params["newid"])
    if guest_kind(newid):
        raise ApiError(500, "VM %s already exists on node '%s'" % (newid, NODE))
    main, _sections, _d = load_guest("qemu", vmid)
    main = dict(main, _order=list(main["_order"]), _desc=list(main["_desc"]), _lxc=[])
    main["lock"] = "clone"
    main["_order"].append("lock")
    save_guest("qemu", newid, main, [])

    def finish():
        main2, _s, _d2 = load_guest("qemu", newid)
        for key in list(main2["_order"]):
            if key == "template" or key == "lock":
                main2.pop(key, None)
            elif re.match(r"^net\d+$", key):
                main2[key] = re.sub(r"^(\w+)=[0-9A-Fa-f:]{17}", lambda m: "%s=%s" % (m.group(1), random_mac()), main2[key])
            elif re.match(r"^(scsi|virtio|sata|ide)\d+$", key) and "base-" in main2[key]:
                main2[key] = re.sub(r"base-%s-disk-(\d+)" % vmid, r"vm-%s-disk-\1" % newid, main2[key])
        if params.get("name"):
            if "name" not in main2:
                main2["_order"].append("name")
            main2["name"] = params["name"]
        save_guest("qemu", newid, main2, [])

    return new_task(user, "qmclone", vmid, finish)


# --------------------------------------------------------------------------- routing

def dispatch(user, method, template, uri, params):
    node = uri.get("node")
    if node is not None and node != NODE:
        raise ApiError(595, "no such cluster node '%s'" % node)
    vmid = uri.get("vmid")
    kind = None
    if "/lxc" in template:
        kind = "lxc"
    elif "/qemu" in template:
        kind = "qemu"
    if vmid is not None:
        actual = guest_kind(vmid)
        if actual != kind:
            raise ApiError(500, "Configuration file 'nodes/%s/%s/%s.conf' does not exist"
                           % (NODE, "lxc" if kind == "lxc" else "qemu-server", vmid))
    key = (method, template)
    if key == ("GET", "/version"):
        return {"version": "9.1.3", "release": "9.1", "repoid": "standin"}
    if key == ("GET", "/nodes"):
        return [{"node": NODE, "status": "online", "cpu": 0.01, "maxcpu": 8, "mem": 1, "maxmem": 34359738368,
                 "uptime": 1000, "level": "", "ssl_fingerprint": ""}]
    if key == ("GET", "/cluster/nextid"):
        used = set(all_guests())
        if "vmid" in params:
            if int(params["vmid"]) in used:
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
        return [dict(guest_status(k, v)) for v, k in sorted(all_guests().items()) if k == kind]
    if method == "POST" and template in ("/nodes/{node}/lxc", "/nodes/{node}/qemu"):
        return create_guest(user, kind, params)
    if template.endswith("/config"):
        if method == "GET":
            main, sections, digest = load_guest(kind, vmid)
            if str(params.get("current", "0")) in BOOL_TRUE:
                view = {k: v for k, v in main.items() if not k.startswith("_")}
            else:
                view = config_with_pending(main, sections)
            if main["_desc"]:
                view["description"] = "\n".join(main["_desc"]) + "\n"
            if kind == "lxc" and main["_lxc"]:
                view["lxc"] = [list(x) for x in main["_lxc"]]
            for name in list(view):
                if re.match(r"^(cores|memory|swap|sockets|cpuunits|onboot|unprivileged|protection|template|agent)$", name):
                    try:
                        view[name] = int(view[name])
                    except ValueError:
                        pass
            view["digest"] = digest
            return view
        with LOCK:
            write_config(user, kind, vmid, params)
        return None
    if template.endswith("/pending"):
        main, sections, _d = load_guest(kind, vmid)
        pend = pending_section(sections) or {"_order": []}
        out = []
        names = [k for k in main if not k.startswith("_")] + [k for k in pend["_order"] if k != "delete"]
        for name in dict.fromkeys(names):
            item = {"key": name}
            if name in main:
                item["value"] = main[name]
            if name in pend and name != "delete":
                item["pending"] = pend[name]
            out.append(item)
        for name in [k for k in pend.get("delete", "").split(",") if k]:
            out.append({"key": name, "value": main.get(name), "delete": 1})
        return out
    if template.endswith("/status/current"):
        return guest_status(kind, vmid)
    match = re.match(r".*/status/(start|stop|shutdown)$", template)
    if match and method == "POST":
        return change_status(user, kind, vmid, match.group(1))
    if method == "DELETE" and template in ("/nodes/{node}/lxc/{vmid}", "/nodes/{node}/qemu/{vmid}"):
        return destroy(user, kind, vmid, params)
    if key == ("POST", "/nodes/{node}/qemu/{vmid}/clone"):
        return clone_vm(user, vmid, params)
    if template == "/nodes/{node}/tasks/{upid}/status":
        return task_status(uri["upid"])
    if template == "/nodes/{node}/tasks/{upid}/log":
        task = TASKS.get(uri["upid"])
        if task is None:
            raise ApiError(500, "no such task")
        return [{"n": i + 1, "t": t} for i, t in enumerate(task["log"])]
    if template == "/nodes/{node}/storage/{storage}/content":
        for storage in CONF.get("storages", []):
            if storage["storage"] == uri["storage"]:
                out = []
                for content, volids in storage.get("content", {}).items():
                    if params.get("content") in (None, content):
                        out += [{"volid": v, "content": content, "format": "tzst" if content == "vztmpl" else "raw",
                                 "size": 123456789, "ctime": 1700000000} for v in volids]
                return out
        raise ApiError(500, "storage '%s' does not exist" % uri["storage"])
    raise ApiError(501, "Method '%s %s' not implemented" % (method, template))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pve-api-daemon/3.0"
    sys_version = ""

    def log_message(self, fmt, *args):  # one line per request in the journal
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _send(self, status, body, reason=None):
        data = json.dumps(body).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=0")
        self.end_headers()
        self.wfile.write(data)

    def _params(self, method):
        query = urllib.parse.urlsplit(self.path).query
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if method in ("POST", "PUT"):
            length = int(self.headers.get("Content-Length", 0) or 0)
            body = self.rfile.read(length).decode() if length else ""
            ctype = self.headers.get("Content-Type", "")
            if body and "json" in ctype:
                pairs += [(k, str(v)) for k, v in json.loads(body).items()]
            elif body:
                pairs += urllib.parse.parse_qsl(body, keep_blank_values=True)
        params = {}
        for key, value in pairs:
            params[key] = value
        return params

    def _handle(self, method):
        path = urllib.parse.urlsplit(self.path).path
        try:
            params = self._params(method)
            if not path.startswith("/api2/json/"):
                raise ApiError(501, "Unsupported format or path")
            api_path = path[len("/api2/json"):].rstrip("/") or "/"
            template, methods, uri = schema_for(api_path)
            if template is None:
                raise ApiError(501, "Method '%s %s' not implemented" % (method, api_path))
            info = methods.get(method)
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
                ticket, _csrf = make_ticket(user)
                stamp = ticket.split(":")[2]
                self._send(200, {"data": {"ticket": ticket, "CSRFPreventionToken": make_ticket_csrf(user, stamp),
                                          "username": user, "cap": {}}})
                return
            user = authenticate(self, method, api_path)
            if "!" in user and not info.get("allowtoken", 1):
                raise ApiError(403, "Permission check failed (API tokens are not allowed here)")
            validate(info, params, uri)
            data = dispatch(user, method, template, uri, params)
            self._send(200, {"data": data})
        except ApiError as exc:
            body = {"data": None, "message": exc.message + "\n"}
            if exc.errors:
                body["errors"] = exc.errors
            self._send(exc.status, body, exc.message.split("\n", maxsplit=1)[0])
        except Exception as exc:  # pylint: disable=broad-except
            self._send(500, {"data": None, "message": "%s\n" % exc}, str(exc).split("\n", maxsplit=1)[0][:200])

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


def main():
    for kind in ("lxc", "qemu"):
        os.makedirs(conf_dir(kind), exist_ok=True)
        link = os.path.join(PVE_ROOT, "lxc" if kind == "lxc" else "qemu-server")
        if not os.path.lexists(link):
            os.symlink(os.path.join("nodes", NODE, "lxc" if kind == "lxc" else "qemu-server"), link)
    server = Server((CONF.get("listen", "0.0.0.0"), int(CONF.get("port", 8006))), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CONF["cert"], CONF["key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
