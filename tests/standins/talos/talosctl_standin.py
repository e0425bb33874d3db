# Stand-in for talosctl and the Talos nodes it talks to (homelab.mediastack test equipment; no Talos
# node can run here). tests/standins/talos/release.yml makes a test release of it: a python3 shebang
# added, named talosctl-linux-amd64, with a sha256sum.txt.
# Nodes are records in $TALOS_STANDIN_STATE/nodes.json (added with `talosctl __standin add-node`),
# each in maintenance mode (insecure API only) or configured (mutual TLS: a talosconfig whose CA is
# the node's). As the real ones: --insecure against a configured node fails with the TLS
# "certificate required" error; a secure call to a node in maintenance fails with the unknown
# authority error; apply-config to a node in maintenance installs and reboots it (calls fail with
# "connection refused" while it reboots; a node whose installer USB is still first in boot order
# comes back in maintenance mode, seed 000's failure); a second bootstrap answers AlreadyExists.
# Every call is logged to $TALOS_STANDIN_STATE/calls.log. Output formats follow talosctl's (-o yaml).
"""talosctl stand-in (see the header comment)."""

import base64
import fcntl
import hashlib
import json
import os
import sys
import time

VERSION = "v1.13.9"
STATE_DIR = os.environ.get("TALOS_STANDIN_STATE", os.path.expanduser("~/.talos-standin"))
REBOOT_SECONDS = float(os.environ.get("TALOS_STANDIN_REBOOT_SECONDS", "2"))

CERT_REQUIRED = ('rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake '
                 'failed: tls: certificate required"')
UNKNOWN_CA = ('rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake '
              'failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"')
REFUSED = ('rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: '
           'dial tcp %s:50000: connect: connection refused"')


def die(msg, code=1):
    sys.stderr.write(msg.rstrip("\n") + "\n")
    sys.exit(code)


# --- tiny YAML emitter/reader for the documents this stand-in writes and reads ----------------------

def dump_yaml(value, indent=0):
    pad = " " * indent
    out = []
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                out.append("%s%s:\n%s" % (pad, key, dump_yaml(item, indent + 4)))
            else:
                out.append("%s%s: %s\n" % (pad, key, _scalar(item)))
        return "".join(out)
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        for item in value:
            if isinstance(item, (dict, list)) and item:
                text = dump_yaml(item, indent + 2)
                out.append("%s- %s" % (pad, text[indent + 2:]))
            else:
                out.append("%s- %s\n" % (pad, _scalar(item)))
        return "".join(out)
    return pad + _scalar(value) + "\n"


def _scalar(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    return json.dumps(str(value))


def load_documents(text):
    """Documents as JSON (one per line, what the role sends) or YAML when PyYAML is there."""
    text = text.strip()
    if not text:
        return []
    try:
        import yaml  # pylint: disable=import-outside-toplevel
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except ImportError:
        return [json.loads(line) for line in text.splitlines() if line.strip() and line.strip() != "---"]


# --- state ---------------------------------------------------------------------------------------------

def state_path():
    return os.path.join(STATE_DIR, "nodes.json")


def load_state():
    if not os.path.exists(state_path()):
        return {"nodes": {}, "bootstrapped": False}
    with open(state_path(), encoding="utf-8") as handle:
        return json.load(handle)


def save_state(state):
    os.makedirs(STATE_DIR, exist_ok=True)
    tmp = state_path() + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(tmp, state_path())


class StateLock:
    """One command at a time changes the nodes (Ansible runs talosctl for several nodes at once)."""

    def __init__(self):
        self.handle = None

    def __enter__(self):
        os.makedirs(STATE_DIR, exist_ok=True)
        self.handle = open(os.path.join(STATE_DIR, "lock"), "w", encoding="utf-8")  # pylint: disable=consider-using-with
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def log_call(argv):
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(os.path.join(STATE_DIR, "calls.log"), "a", encoding="utf-8") as handle:
        handle.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), " ".join(argv)))


def settle(node):
    """Finish a reboot whose time has come."""
    if node.get("reboot_until") and time.time() >= node["reboot_until"]:
        node["reboot_until"] = 0
        node["boots"] = node.get("boots", 0) + 1
        if node.get("usb_boot_first") and any(d["transport"] == "usb" for d in node["disks"]):
            node["mode"] = "maintenance"  # booted the installer again: the config is not in use
        else:
            node["mode"] = "configured"


# --- secrets, configs ---------------------------------------------------------------------------------

def _det(seed, label, length=32):
    return hashlib.sha256(("%s/%s" % (seed, label)).encode()).hexdigest()[:length]


def _pem(seed, label):
    body = base64.b64encode(("stand-in %s %s" % (label, _det(seed, label, 48))).encode()).decode()
    return base64.b64encode(("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % body).encode()).decode()


def gen_secrets():
    seed = hashlib.sha256(os.urandom(32)).hexdigest()
    return {
        "cluster": {"id": _det(seed, "id", 43), "secret": _det(seed, "secret", 43)},
        "secrets": {"bootstraptoken": "%s.%s" % (_det(seed, "bt", 6), _det(seed, "bt2", 16)),
                    "secretboxencryptionsecret": _det(seed, "sbx", 43)},
        "trustdinfo": {"token": "%s.%s" % (_det(seed, "td", 6), _det(seed, "td2", 16))},
        "certs": {name: {"crt": _pem(seed, name + "crt"), "key": _pem(seed, name + "key")}
                  for name in ("etcd", "k8s", "k8saggregator", "os")},
    }


def read_secrets(path):
    with open(path, encoding="utf-8") as handle:
        docs = load_documents(handle.read())
    if not docs or "certs" not in docs[0]:
        die("failed to load secrets bundle: %s: not a secrets bundle" % path)
    return docs[0]


def machine_config(kind, name, endpoint, secrets, opts):
    certs = secrets["certs"]
    machine = {
        "type": kind,
        "token": secrets["trustdinfo"]["token"],
        "ca": {"crt": certs["os"]["crt"], "key": certs["os"]["key"] if kind == "controlplane" else ""},
        "certSANs": [],
        "kubelet": {"image": "ghcr.io/siderolabs/kubelet:%s" % opts["kubernetes_version"],
                    "defaultRuntimeSeccompProfileEnabled": True, "disableManifestsDirectory": True},
        "install": {"disk": opts.get("install_disk") or "/dev/sda",
                    "image": "ghcr.io/siderolabs/installer:%s" % opts["talos_version"], "wipe": False},
        "features": {"diskQuotaSupport": True, "kubePrism": {"enabled": True, "port": 7445},
                     "hostDNS": {"enabled": True, "forwardKubeDNSToHost": True}},
        "nodeLabels": {"node.kubernetes.io/exclude-from-external-load-balancers": ""} if kind == "controlplane" else {},
    }
    if not machine["nodeLabels"]:
        del machine["nodeLabels"]
    cluster = {
        "id": secrets["cluster"]["id"],
        "secret": secrets["cluster"]["secret"],
        "controlPlane": {"endpoint": endpoint},
        "clusterName": name,
        "network": {"dnsDomain": "cluster.local", "podSubnets": ["10.244.0.0/16"], "serviceSubnets": ["10.96.0.0/12"]},
        "token": secrets["secrets"]["bootstraptoken"],
        "ca": {"crt": certs["k8s"]["crt"], "key": certs["k8s"]["key"] if kind == "controlplane" else ""},
        "discovery": {"enabled": True, "registries": {"kubernetes": {"disabled": True}, "service": {}}},
    }
    if kind == "controlplane":
        cluster.update({
            "secretboxEncryptionSecret": secrets["secrets"]["secretboxencryptionsecret"],
            "aggregatorCA": {"crt": certs["k8saggregator"]["crt"], "key": certs["k8saggregator"]["key"]},
            "serviceAccount": {"key": certs["k8s"]["key"]},
            "apiServer": {"image": "registry.k8s.io/kube-apiserver:%s" % opts["kubernetes_version"], "certSANs": []},
            "controllerManager": {"image": "registry.k8s.io/kube-controller-manager:%s" % opts["kubernetes_version"]},
            "proxy": {"image": "registry.k8s.io/kube-proxy:%s" % opts["kubernetes_version"]},
            "scheduler": {"image": "registry.k8s.io/kube-scheduler:%s" % opts["kubernetes_version"]},
            "etcd": {"ca": {"crt": certs["etcd"]["crt"], "key": certs["etcd"]["key"]}},
        })
    return {"version": "v1alpha1", "debug": False, "machine": machine, "cluster": cluster}


def talosconfig(name, secrets):
    seed = secrets["cluster"]["id"]
    return {"context": name, "contexts": {name: {
        "endpoints": ["127.0.0.1"], "ca": secrets["certs"]["os"]["crt"],
        "crt": _pem(seed, "admin-crt"), "key": _pem(seed, "admin-key")}}}


# --- argument parsing ---------------------------------------------------------------------------------

GLOBAL_VALUE = {"-n": "nodes", "--nodes": "nodes", "-e": "endpoints", "--endpoints": "endpoints",
                "--talosconfig": "talosconfig", "-o": "output", "--output": "output", "-f": "file", "--file": "file",
                "--with-secrets": "with_secrets", "--output-types": "output_types", "-t": "output_types",
                "--kubernetes-version": "kubernetes_version", "--talos-version": "talos_version",
                "--install-disk": "install_disk", "--wait-timeout": "wait_timeout", "-m": "mode", "--mode": "mode",
                "--control-plane-nodes": "control_plane_nodes", "--worker-nodes": "worker_nodes",
                "--hostname": "hostname", "--disk": "disk"}
GLOBAL_FLAG = {"-i": "insecure", "--insecure": "insecure", "--force": "force", "--client": "client",
               "--short": "short", "--usb-boot-first": "usb_boot_first", "--dry-run": "dry_run"}


def parse(argv):
    opts = {"args": [], "disk": []}
    i = 0
    while i < len(argv):
        arg = argv[i]
        key, sep, inline = arg.partition("=")
        if key in GLOBAL_VALUE:
            value = inline if sep else argv[i + 1]
            i += 0 if sep else 1
            if GLOBAL_VALUE[key] == "disk":
                opts["disk"].append(value)
            else:
                opts[GLOBAL_VALUE[key]] = value
        elif arg in GLOBAL_FLAG:
            opts[GLOBAL_FLAG[arg]] = True
        elif arg.startswith("-"):
            die('unknown flag: %s' % arg)
        else:
            opts["args"].append(arg)
        i += 1
    return opts


# --- node access ----------------------------------------------------------------------------------------

def connect(state, opts, prefix, allow_insecure=True):
    """The node a call goes to, after the TLS rules of the real API."""
    if not opts.get("nodes") and not opts.get("endpoints"):
        die("%s: error constructing client: failed to determine endpoints" % prefix)
    address = (opts.get("nodes") or opts.get("endpoints")).split(",")[0]
    node = state["nodes"].get(address)
    if node is None:
        die("%s: %s" % (prefix, REFUSED % address))
    settle(node)
    save_state(state)
    if node.get("reboot_until"):
        die("%s: %s" % (prefix, REFUSED % address))
    if opts.get("insecure"):
        if not allow_insecure:
            die("%s: this command does not support --insecure" % prefix)
        if node["mode"] != "maintenance":
            die("%s: %s" % (prefix, CERT_REQUIRED))
        return address, node
    if node["mode"] == "maintenance":
        die("%s: %s" % (prefix, UNKNOWN_CA))
    path = opts.get("talosconfig") or os.environ.get("TALOSCONFIG") or os.path.expanduser("~/.talos/config")
    if not os.path.exists(path):
        die("%s: error constructing client: failed to determine endpoints" % prefix)
    with open(path, encoding="utf-8") as handle:
        config = load_documents(handle.read())[0]
    context = config["contexts"][config["context"]]
    node_ca = node["config"][0]["machine"]["ca"]["crt"]
    if context["ca"] != node_ca:
        die("%s: %s" % (prefix, UNKNOWN_CA))
    return address, node


def resource(address, rtype, namespace, rid, spec):
    return {"node": address, "metadata": {"namespace": namespace, "type": rtype, "id": rid, "version": 1,
                                          "owner": "", "phase": "running"}, "spec": spec}


def print_resources(items, output):
    if output in ("yaml", None, ""):
        sys.stdout.write("---\n".join(dump_yaml(item) for item in items))
    elif output == "json":
        for item in items:
            print(json.dumps(item, indent=4))
    else:
        die("output format %r is not supported by the stand-in" % output)


# --- commands -------------------------------------------------------------------------------------------

def cmd_version(opts):
    print("Client:\n\tTag:         %s" % VERSION if not opts.get("short") else "Client:\n\tTalos %s" % VERSION)
    if opts.get("client"):
        return
    state = load_state()
    address, _node = connect(state, opts, "error getting version")
    print("Server:\n\tNODE:        %s\n\tTag:         %s" % (address, VERSION))


def cmd_gen(opts):
    what = opts["args"][1] if len(opts["args"]) > 1 else ""
    if what == "secrets":
        out = opts.get("output", "secrets.yaml")
        if os.path.exists(out) and not opts.get("force"):
            die("file %r already exists, use --force to overwrite" % out)
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(dump_yaml(gen_secrets()))
        os.chmod(out, 0o600)
        return
    if what != "config" or len(opts["args"]) < 4:
        die("Error: accepts 2 arg(s): talosctl gen config <cluster name> <cluster endpoint>")
    name, endpoint = opts["args"][2], opts["args"][3]
    if not endpoint.startswith("https://"):
        endpoint = "https://%s:6443" % endpoint
    if not opts.get("with_secrets"):
        die("the stand-in needs --with-secrets (the role always passes it)")
    secrets = read_secrets(opts["with_secrets"])
    gen = {"kubernetes_version": opts.get("kubernetes_version", "v1.34.1"),
           "talos_version": opts.get("talos_version", VERSION), "install_disk": opts.get("install_disk")}
    types = opts.get("output_types", "controlplane,worker,talosconfig").split(",")
    out = opts.get("output", ".")
    docs = {}
    for kind in types:
        if kind in ("controlplane", "worker"):
            docs[kind] = dump_yaml(machine_config(kind, name, endpoint, secrets, gen))
        elif kind == "talosconfig":
            docs[kind] = dump_yaml(talosconfig(name, secrets))
        else:
            die("invalid output type: %r" % kind)
    if len(types) == 1:
        if out == "-":
            sys.stdout.write(docs[types[0]])
            return
        if os.path.exists(out) and not opts.get("force"):
            die("%s already exists, use --force to overwrite" % out)
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(docs[types[0]])
        os.chmod(out, 0o600)
        return
    os.makedirs(out, exist_ok=True)
    for kind, text in docs.items():
        path = os.path.join(out, kind if kind == "talosconfig" else kind + ".yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print("Created %s" % path)


def cmd_get(opts):
    state = load_state()
    what = opts["args"][1] if len(opts["args"]) > 1 else ""
    address, node = connect(state, opts, "error getting resource")
    if what in ("disks", "disk"):
        items = [resource(address, "Disks.block.talos.dev", "runtime", d["name"], {
            "dev_path": "/dev/" + d["name"], "size": d["size"], "pretty_size": "%d GB" % (d["size"] // 10**9),
            "model": d.get("model", "stand-in disk"), "transport": d["transport"], "readonly": False,
            "cdrom": False, "rotational": False}) for d in node["disks"]]
    elif what in ("discoveredvolumes", "dv"):
        items = []
        for disk in node["disks"]:
            for number, label in enumerate(disk.get("partitions", []), start=1):
                part = disk["name"] + ("p%d" % number if disk["name"][-1].isdigit() else "%d" % number)
                items.append(resource(address, "DiscoveredVolumes.block.talos.dev", "runtime", part, {
                    "type": "partition", "dev_path": "/dev/" + part, "parent_dev_path": "/dev/" + disk["name"],
                    "partition_label": label, "name": "xfs" if label in ("STATE", "EPHEMERAL") else "vfat"}))
    elif what in ("machineconfig", "mc", "machineconfigs"):
        if opts.get("insecure"):
            die("error getting resource: %s" % CERT_REQUIRED)
        text = "---\n".join(dump_yaml(doc) for doc in node["config"])
        items = [resource(address, "MachineConfigs.config.talos.dev", "config", "v1alpha1", text)]
    else:
        die("error getting resource: resource type %r is not known to the stand-in" % what)
    print_resources(items, opts.get("output", "yaml"))


def cmd_apply(opts):
    state = load_state()
    prefix = "error applying new configuration"
    address, node = connect(state, opts, prefix)
    if not opts.get("file"):
        die("no filename supplied for configuration")
    with open(opts["file"], encoding="utf-8") as handle:
        docs = load_documents(handle.read())
    main = [d for d in docs if d.get("version") == "v1alpha1"]
    if len(main) != 1:
        die("%s: rpc error: code = InvalidArgument desc = failed to parse config: no v1alpha1 document" % prefix)
    disk = main[0]["machine"]["install"]["disk"]
    if opts.get("dry_run"):
        print("Dry run summary:\nApplied configuration %s (skipped in dry-run)." % (
            "with a reboot" if node["mode"] == "maintenance" else "without a reboot"))
        return
    if node["mode"] == "maintenance":
        if disk.rpartition("/")[2] not in [d["name"] for d in node["disks"]]:
            die("%s: rpc error: code = InvalidArgument desc = configuration validation failed: 1 error occurred:\n"
                "\t* specified install disk does not exist: %r" % (prefix, disk))
        node["config"] = docs
        node["installed_disk"] = disk
        for item in node["disks"]:
            if "/dev/" + item["name"] == disk:
                item["partitions"] = ["EFI", "META", "STATE", "EPHEMERAL"]
        node["reboot_until"] = time.time() + REBOOT_SECONDS
        node["applies"] = node.get("applies", 0) + 1
        save_state(state)
        print("Applied configuration, the node will reboot (stand-in: %s)" % address)
        return
    if node["config"] == docs:
        print("Applied configuration without a reboot")
        return
    node["config"] = docs
    node["applies"] = node.get("applies", 0) + 1
    save_state(state)
    print("Applied configuration without a reboot")


def cmd_bootstrap(opts):
    state = load_state()
    prefix = "error executing bootstrap"
    address, node = connect(state, opts, prefix, allow_insecure=False)
    if node["config"][0]["machine"]["type"] != "controlplane":
        die("%s: rpc error: code = FailedPrecondition desc = bootstrap is not available on worker nodes" % prefix)
    if state.get("bootstrapped"):
        die("%s: rpc error: code = AlreadyExists desc = etcd data directory is not empty" % prefix)
    state["bootstrapped"] = True
    state["bootstrap_node"] = address
    state["bootstraps"] = state.get("bootstraps", 0) + 1
    save_state(state)


def _members(state):
    return sorted(a for a, n in state["nodes"].items()
                  if n["mode"] == "configured" and n["config"][0]["machine"]["type"] == "controlplane")


def cmd_etcd(opts):
    state = load_state()
    address, node = connect(state, opts, "error getting members", allow_insecure=False)
    if len(opts["args"]) < 2 or opts["args"][1] != "members":
        die("the stand-in knows only `etcd members`")
    if node["config"][0]["machine"]["type"] != "controlplane":
        die("error getting members: 1 error occurred:\n\t* %s: rpc error: code = Unimplemented desc = "
            "etcd is not available on worker nodes" % address)
    if not state.get("bootstrapped"):
        die("error getting members: 1 error occurred:\n\t* %s: rpc error: code = Unknown desc = failed to create "
            "etcd client: error building etcd client TLS config: open /system/secrets/etcd/admin.crt: "
            "no such file or directory" % address)
    print("NODE         ID                 HOSTNAME   PEER URLS                   CLIENT URLS                 LEARNER")
    for member in _members(state):
        print("%-12s %-18s %-10s https://%s:2380   https://%s:2379   false" % (
            address, hashlib.sha256(member.encode()).hexdigest()[:16], state["nodes"][member].get("hostname", ""),
            member, member))


def cmd_health(opts):
    prefix = "healthcheck error"
    deadline = time.time() + _seconds(opts.get("wait_timeout", "20m"))
    wanted = [a for a in (opts.get("control_plane_nodes", "") + "," + opts.get("worker_nodes", "")).split(",") if a]
    while True:
        with StateLock():
            state = load_state()
            connect(state, opts, prefix, allow_insecure=False)
            for node in state["nodes"].values():
                settle(node)
            save_state(state)
        missing = [a for a in wanted if a not in state["nodes"] or state["nodes"][a]["mode"] != "configured"
                   or state["nodes"][a].get("reboot_until")]
        if state.get("bootstrapped") and not missing:
            break
        if time.time() > deadline:
            reason = "etcd is not bootstrapped" if not state.get("bootstrapped") else "nodes not ready: %s" % missing
            die("waiting for etcd to be healthy: %s\n%s: context deadline exceeded" % (reason, prefix))
        time.sleep(1)
    for line in ("waiting for etcd to be healthy: OK", "waiting for etcd members to be consistent across nodes: OK",
                 "waiting for etcd members to be control plane nodes: OK", "waiting for apid to be ready: OK",
                 "waiting for all nodes memory sizes: OK", "waiting for all nodes disk sizes: OK",
                 "waiting for kubelet to be healthy: OK", "waiting for all nodes to finish boot sequence: OK",
                 "waiting for all k8s nodes to report: OK", "waiting for all k8s nodes to report ready: OK",
                 "waiting for all control plane static pods to be running: OK",
                 "waiting for all control plane components to be ready: OK", "waiting for kube-proxy to report ready: OK",
                 "waiting for coredns to report ready: OK", "waiting for all k8s nodes to report schedulable: OK"):
        print(line)


def _seconds(text):
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text or 0)


def cmd_kubeconfig(opts):
    state = load_state()
    address, node = connect(state, opts, "error retrieving kubeconfig", allow_insecure=False)
    if not state.get("bootstrapped"):
        die("error retrieving kubeconfig: rpc error: code = Unavailable desc = kubeconfig is not available yet")
    cluster = node["config"][0]["cluster"]
    path = opts["args"][1] if len(opts["args"]) > 1 else "kubeconfig"
    if os.path.exists(path) and not opts.get("force"):
        die("%s already exists, use --force to overwrite or --merge" % path)
    text = ("apiVersion: v1\nkind: Config\nclusters:\n- name: %(n)s\n  cluster:\n    server: %(e)s\n"
            "    certificate-authority-data: %(ca)s\ncontexts:\n- name: admin@%(n)s\n  context:\n    cluster: %(n)s\n"
            "    user: admin@%(n)s\n    namespace: default\ncurrent-context: admin@%(n)s\nusers:\n- name: admin@%(n)s\n"
            "  user:\n    client-certificate-data: %(crt)s\n    client-key-data: %(crt)s\n") % {
                "n": cluster["clusterName"], "e": cluster["controlPlane"]["endpoint"], "ca": cluster["ca"]["crt"],
                "crt": _pem(address + str(time.time()), "admin")}
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def cmd_standin(opts):
    """`__standin add-node ADDRESS --hostname H --disk name:transport:size_gb[:talos]` (test set-up)."""
    if opts["args"][1:2] != ["add-node"] or len(opts["args"]) < 3:
        die("usage: talosctl __standin add-node ADDRESS [--hostname H] [--disk name:transport:size_gb[:talos]]...")
    state = load_state()
    disks = []
    for spec in opts["disk"] or ["nvme0n1:nvme:512"]:
        parts = spec.split(":")
        disks.append({"name": parts[0], "transport": parts[1], "size": int(parts[2]) * 10**9,
                      "partitions": ["EFI", "META", "STATE", "EPHEMERAL"] if parts[3:] == ["talos"] else []})
    state["nodes"][opts["args"][2]] = {"mode": "maintenance", "disks": disks, "config": [], "boots": 1,
                                       "hostname": opts.get("hostname", ""), "usb_boot_first":
                                       bool(opts.get("usb_boot_first")), "applies": 0, "reboot_until": 0}
    save_state(state)


COMMANDS = {"version": cmd_version, "gen": cmd_gen, "get": cmd_get, "apply-config": cmd_apply, "apply": cmd_apply,
            "bootstrap": cmd_bootstrap, "etcd": cmd_etcd, "health": cmd_health, "kubeconfig": cmd_kubeconfig,
            "__standin": cmd_standin}


def main(argv):
    opts = parse(argv)
    if not opts["args"]:
        die("Usage: talosctl [command] (stand-in: %s)" % ", ".join(sorted(COMMANDS)))
    command = opts["args"][0]
    if command not in COMMANDS:
        die('Error: unknown command "%s" for "talosctl"' % command)
    if command == "health":
        log_call(argv)
        cmd_health(opts)
        return
    with StateLock():
        if command not in ("version", "__standin"):
            log_call(argv)
        COMMANDS[command](opts)


if __name__ == "__main__":
    main(sys.argv[1:])
