# Stand-in for the Talos NODES that talosctl talks to (homelab.mediastack test equipment; no Talos
# node can run here). It answers only the calls that need a node: apply-config, bootstrap, health,
# etcd members, get disks/discoveredvolumes/machineconfig/machinestatus, read (boot id), version
# (server part), kubeconfig, upgrade, upgrade-k8s, and the maintenance-mode (--insecure) answers.
# Everything that needs no node (gen secrets, gen config, validate, config, version --client) is
# handed to the real talosctl named by $TALOSCTL_REAL (built from siderolabs/talos by the project's
# scripts); the stand-in never generates a machine config itself.
#
# Each behaviour rule names the upstream file it follows (siderolabs/talos at tag v1.13.9 unless
# said otherwise; read with the search tools, never copied). Nodes are records in
# $TALOS_STANDIN_STATE/nodes.json, added with `talosctl __standin add-node`; every node call is
# logged to $TALOS_STANDIN_STATE/calls.log. tests/standins/talos/release.yml makes a test release
# of this file (python3 shebang, talosctl-linux-amd64, sha256sum.txt). Needs PyYAML (as Ansible).
"""talosctl node stand-in (see the header comment)."""

import fcntl
import hashlib
import json
import os
import sys
import time
import uuid

import yaml

STATE_DIR = os.environ.get("TALOS_STANDIN_STATE", os.path.expanduser("~/.talos-standin"))
REFERENCE = os.environ.get("MEDIASTACK_REFERENCE", "")
# Seconds a node spends installing after a maintenance-mode apply (the insecure API still answers),
# rebooting (nothing answers), and booting before bootstrap is allowed and time is in sync.
INSTALL_SECONDS = float(os.environ.get("TALOS_STANDIN_INSTALL_SECONDS", "1"))
REBOOT_SECONDS = float(os.environ.get("TALOS_STANDIN_REBOOT_SECONDS", "1"))
BOOT_SECONDS = float(os.environ.get("TALOS_STANDIN_BOOT_SECONDS", "1"))

# gRPC transport errors as talosctl prints them (google.golang.org/grpc status formatting; the TLS
# texts are crypto/tls's alerts: a configured node's apid verifies client certificates,
# internal/app/machined/pkg/controllers/runtime/api_service_config.go SkipVerifyingClientCert=false).
CERT_REQUIRED = ('rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake '
                 'failed: remote error: tls: certificate required"')
UNKNOWN_CA = ('rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake '
              'failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"')
REFUSED = ('rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: '
           'dial tcp %s:50000: connect: connection refused"')
# internal/app/machined/pkg/system/services/machined.go: the maintenance API runs in read-only role
# mode (api_service_config.go ReadonlyRoleMode); /machine.MachineService/Read needs os:admin.
DENIED = "rpc error: code = PermissionDenied desc = not authorized"


def die(msg, code=1):
    sys.stderr.write(msg.rstrip("\n") + "\n")
    sys.exit(code)


# --- state ---------------------------------------------------------------------------------------------

def state_path():
    return os.path.join(STATE_DIR, "nodes.json")


def load_state():
    if not os.path.exists(state_path()):
        return {"nodes": {}, "etcd_clusters": 0}
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


def console(node, text):
    """What the node's screen shows (the tests read it as a person would)."""
    node.setdefault("console", []).append(text)


def boot(node, now):
    """A (re)boot finishes: which media it boots and what it runs then."""
    node["boot_id"] = str(uuid.uuid4())
    node["boots"] = node.get("boots", 0) + 1
    node["booted_at"] = now
    node["reboot_until"] = 0
    usb_first = node.get("usb_boot_first") and any(d.get("transport") == "usb" for d in node["disks"])
    if node.get("pending_version"):
        node["version"] = node.pop("pending_version")
    if usb_first and node.get("installed"):
        if node.get("halt_if_installed", True):
            # pkg/imager/imager.go: ISOs carry talos.halt_if_installed=1 (since 1.8, CHANGELOG.md);
            # internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer.go halts before LoadConfig
            # (no API at all) and v1alpha1_sequencer_tasks.go haltIfInstalled prints this.
            node["mode"] = "halted"
            console(node, "Talos is already installed to disk but booted from another media and "
                          "talos.halt_if_installed kernel parameter is set. Please reboot from the disk.")
            return
        node["mode"] = "maintenance"  # an old ISO without the parameter: maintenance again, config unused
        return
    node["mode"] = "configured" if node.get("installed") else "maintenance"


def settle(node, now=None):
    """Move a node along the install and reboot timeline."""
    now = time.time() if now is None else now
    if node["mode"] == "installing" and now >= node.get("install_until", 0):
        node["mode"] = "rebooting"
        node["reboot_until"] = node["install_until"] + REBOOT_SECONDS
    if node["mode"] == "rebooting" and now >= node.get("reboot_until", 0):
        boot(node, node["reboot_until"])


def settle_all(state):
    now = time.time()
    for node in state["nodes"].values():
        settle(node, now)
    # A control plane that comes up with an empty etcd joins the cluster its peers run (etcd
    # service: internal/app/machined/pkg/system/services/etcd.go, join via discovered members).
    running = [n for n in state["nodes"].values() if n["mode"] == "configured" and n.get("etcd")]
    for node in state["nodes"].values():
        if (node["mode"] == "configured" and _is_controlplane(node) and not node.get("etcd") and running
                and now - node.get("booted_at", 0) >= BOOT_SECONDS):
            node["etcd"] = running[0]["etcd"]


def _is_controlplane(node):
    main = _main_doc(node.get("config") or [])
    return bool(main) and main.get("machine", {}).get("type") in ("controlplane", "init")


def _main_doc(docs):
    for doc in docs:
        if isinstance(doc, dict) and "kind" not in doc and ("version" in doc or "machine" in doc):
            return doc
    return {}


# --- argument parsing ---------------------------------------------------------------------------------

VALUE_FLAGS = {"-n": "nodes", "--nodes": "nodes", "-e": "endpoints", "--endpoints": "endpoints",
               "--talosconfig": "talosconfig", "-o": "output", "--output": "output", "-f": "file", "--file": "file",
               "--wait-timeout": "wait_timeout", "-m": "mode", "--mode": "mode",
               "--control-plane-nodes": "control_plane_nodes", "--worker-nodes": "worker_nodes",
               "--hostname": "hostname", "--disk": "disk", "--version": "version", "-i": "image", "--image": "image",
               "--to": "to", "--from": "from", "--endpoint": "endpoint", "--wait": "wait",
               "--reboot-mode": "reboot_mode", "--timeout": "timeout", "--halt-if-installed": "halt_if_installed"}
FLAGS = {"--insecure": "insecure", "--force": "force", "--usb-boot-first": "usb_boot_first", "--dry-run": "dry_run",
         "--preserve": "preserve", "--stage": "stage", "--merge": "merge", "--client": "client", "--short": "short"}


def parse(argv):
    opts = {"args": [], "disk": []}
    i = 0
    while i < len(argv):
        arg = argv[i]
        key, sep, inline = arg.partition("=")
        if key == "--insecure" and arg not in FLAGS:
            opts["insecure"] = inline != "false"
        elif key in VALUE_FLAGS and not (key == "-i" and opts["args"][:1] != ["upgrade"]):
            value = inline if sep else argv[i + 1]
            i += 0 if sep else 1
            if VALUE_FLAGS[key] == "disk":
                opts["disk"].append(value)
            else:
                opts[VALUE_FLAGS[key]] = value
        elif key == "-i":
            opts["insecure"] = True
        elif key in FLAGS:
            opts[FLAGS[key]] = inline != "false" if sep else True
        elif arg.startswith("-"):
            opts.setdefault("unknown", []).append(key)
        else:
            opts["args"].append(arg)
        i += 1
    return opts


# --- node access ----------------------------------------------------------------------------------------

def target(opts):
    if not opts.get("nodes") and not opts.get("endpoints"):
        die("error constructing client: failed to determine endpoints")
    return (opts.get("nodes") or opts.get("endpoints")).split(",")[0]


def connect(state, opts, prefix, allow_insecure=True):
    """The node a call goes to, after the TLS rules of the real API."""
    address = target(opts)
    node = state["nodes"].get(address)
    if node is None or node["mode"] in ("rebooting", "halted", "off"):
        die("%s: %s" % (prefix, REFUSED % address))
    if opts.get("insecure"):
        if not allow_insecure:
            die("%s: %s" % (prefix, DENIED))
        # maintenance (and installing, still the maintenance service) skips client verification.
        if node["mode"] == "configured":
            die("%s: %s" % (prefix, CERT_REQUIRED))
        return address, node
    if node["mode"] != "configured":
        die("%s: %s" % (prefix, UNKNOWN_CA))  # the maintenance service's own CA, not the cluster's
    path = opts.get("talosconfig") or os.environ.get("TALOSCONFIG") or os.path.expanduser("~/.talos/config")
    if not os.path.exists(path):
        die('failed to open config file "%s"' % path)
    with open(path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    context = (config.get("contexts") or {}).get(config.get("context"), {})
    if context.get("ca") != _main_doc(node["config"]).get("machine", {}).get("ca", {}).get("crt"):
        die("%s: %s" % (prefix, UNKNOWN_CA))
    return address, node


def metadata(namespace, rtype, rid, version=1):
    # COSI resource metadata as `talosctl get -o yaml` prints it (cmd/talosctl/cmd/talos/output/yaml.go).
    return {"namespace": namespace, "type": rtype, "id": rid, "version": version, "owner": "", "phase": "running"}


def print_yaml(address, items):
    # cmd/talosctl/cmd/talos/output/yaml.go: "---" between resources, then "node: <address>".
    out = []
    for meta, spec in items:
        out.append("node: %s\n%s" % (address, yaml.safe_dump({"metadata": meta, "spec": spec}, sort_keys=False,
                                                             default_flow_style=False)))
    sys.stdout.write("---\n".join(out))


# --- commands -------------------------------------------------------------------------------------------

def cmd_version(opts, state):
    address, node = connect(state, opts, "error getting version")
    # cmd/talosctl/cmd/talos/version.go: the client part (short or long), then "Server:", the node
    # and the server's long version (PrintLongVersionFromExisting) even with --short.
    real = real_talosctl(["version", "--client"] + (["--short"] if opts.get("short") else []), capture=True)
    sys.stdout.write(real)
    print("Server:\n\tNODE:        %s\n\tTag:         %s\n\tOS/Arch:     linux/amd64" % (address, node["version"]))


def cmd_get(opts, state):
    what = opts["args"][1] if len(opts["args"]) > 1 else ""
    address, node = connect(state, opts, "error getting resource")
    if opts.get("output", "table") != "yaml":
        die("the stand-in prints resources as -o yaml only")
    items = []
    if what in ("disks", "disk"):
        for disk in node["disks"]:
            # pkg/machinery/resources/block/disk.go: DiskSpec; model/serial/transport/... are omitempty,
            # so loop devices (no transport) print none.
            spec = {"dev_path": "/dev/" + disk["name"], "size": disk["size"],
                    "pretty_size": "%d GB" % (disk["size"] // 10**9), "io_size": 512, "sector_size": 512,
                    "readonly": bool(disk.get("readonly")), "cdrom": bool(disk.get("cdrom"))}
            for key in ("model", "serial", "sub_system", "transport"):
                if disk.get(key):
                    spec[key] = disk[key]
            items.append((metadata("runtime", "Disks.block.talos.dev", disk["name"]), spec))
    elif what in ("discoveredvolumes", "dv"):
        for disk in node["disks"]:
            for number, label in enumerate(disk.get("partitions", []), start=1):
                part = disk["name"] + ("p%d" % number if disk["name"][-1].isdigit() else "%d" % number)
                items.append((metadata("runtime", "DiscoveredVolumes.block.talos.dev", part), {
                    "type": "partition", "dev_path": "/dev/" + part, "parent_dev_path": "/dev/" + disk["name"],
                    "partition_label": label, "name": "xfs" if label in ("STATE", "EPHEMERAL") else "vfat"}))
    elif what in ("machinestatus", "machinestatuses"):
        # pkg/machinery/resources/runtime/machine_status.go + machinestage.go (stage names).
        stage = {"maintenance": "maintenance", "installing": "installing", "configured": "running"}[node["mode"]]
        booting = node["mode"] == "configured" and time.time() - node.get("booted_at", 0) < BOOT_SECONDS
        items.append((metadata("runtime", "MachineStatuses.runtime.talos.dev", "machine"), {
            "stage": "booting" if booting else stage,
            "status": {"ready": stage == "running" and not booting,
                       "unmetConditions": [{"name": "nodeReady", "reason": "node is not ready"}] if booting else []}}))
    elif what in ("machineconfig", "mc", "machineconfigs"):
        if opts.get("insecure"):
            die("error getting resource: %s" % DENIED)  # config is sensitive: not for the read-only role
        items.append((metadata("config", "MachineConfigs.config.talos.dev", "v1alpha1"), node["config_text"]))
    else:
        die("error getting resource: the stand-in does not know resource type %r" % what)
    print_yaml(address, items)


def cmd_read(opts, state):
    path = opts["args"][1] if len(opts["args"]) > 1 else ""
    _address, node = connect(state, opts, "error reading file", allow_insecure=False)
    if path != "/proc/sys/kernel/random/boot_id":
        die("the stand-in reads only /proc/sys/kernel/random/boot_id")
    # cmd/talosctl/pkg/talos/action/tracker.go getBootID reads this file to see a reboot happened.
    print(node["boot_id"])


def _schema_kinds(version):
    """Document kinds a Talos release knows: its config.schema.json (../shared/reference/k8s/talos)."""
    minor = ".".join(version.lstrip("v").split(".")[:2])
    base = os.path.join(REFERENCE, "k8s", "talos")
    folders = [f for f in os.listdir(base) if f.startswith("v" + minor + ".")] if os.path.isdir(base) else []
    if not folders:
        die("stand-in: no schema for Talos %s under %s (set MEDIASTACK_REFERENCE)" % (version, base))
    with open(os.path.join(base, folders[0], "config.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    return {e for d in schema["$defs"].values() for e in (d.get("properties", {}).get("kind", {}).get("enum") or [])}


def load_config(text, version):
    """The node's config loader: the errors it gives, or the documents."""
    # pkg/machinery/config/configloader/internal/decoder/decoder.go: documents by (apiVersion, kind, name);
    # a second one is refused; an unknown kind is "not registered" (pkg/machinery/config/internal/registry).
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    seen = set()
    known = _schema_kinds(version)
    for doc in docs:
        kind = doc.get("kind") or "v1alpha1"
        key = (doc.get("apiVersion", "") if "kind" in doc else "", kind, doc.get("name", ""))
        if key in seen:
            where = "" if version.startswith("v1.11.") else " (line %d)" % (text.count("\n", 0, text.rfind(kind)) + 1)
            return None, "duplicate document %s/%s/%s is not allowed%s" % (key[0], key[1], key[2], where)
        seen.add(key)
        if "kind" in doc and doc["kind"] not in known:
            return None, '"%s" "%s": not registered' % (doc["kind"], doc.get("apiVersion", ""))
    main = _main_doc(docs)
    if not main:
        # internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go ApplyConfiguration
        return None, ("the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch "
                      "the machine config instead?")
    for doc in docs:
        if doc.get("kind") == "HostnameConfig":
            # pkg/machinery/config/types/network/hostname.go Validate and V1Alpha1ConflictValidate.
            if doc.get("hostname") and doc.get("auto", "off") != "off":
                return None, "1 error occurred:\n\t* 'auto' and 'hostname' cannot be set at the same time"
            if main.get("machine", {}).get("network", {}).get("hostname"):
                return None, "static hostname is already set in v1alpha1 config"
    return docs, None


def cmd_apply(opts, state):
    prefix = "error applying new configuration"
    address, node = connect(state, opts, prefix)
    if not opts.get("file"):
        die("no filename supplied for configuration")
    with open(opts["file"], encoding="utf-8") as handle:
        text = handle.read()
    docs, error = load_config(text, node["version"])
    if error:
        die("%s: rpc error: code = InvalidArgument desc = %s" % (prefix, error))
    disk = _main_doc(docs).get("machine", {}).get("install", {}).get("disk", "")
    maintenance = node["mode"] in ("maintenance", "installing")
    if maintenance and disk.rpartition("/")[2] not in [d["name"] for d in node["disks"]]:
        # pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go (install disk checked in metal mode)
        die("%s: rpc error: code = InvalidArgument desc = configuration validation failed: 1 error occurred:\n"
            "\t* specified install disk does not exist: \"%s\"" % (prefix, disk))
    if opts.get("dry_run"):
        print("Dry run summary:\nApplied configuration %s (skipped in dry-run)." % (
            "with a reboot" if maintenance else "without a reboot"))
        return
    node["config"], node["config_text"] = docs, text
    node["applies"] = node.get("applies", 0) + 1
    if maintenance:
        # The maintenance service takes the config, installs to the disk (the insecure API keeps
        # answering meanwhile), then reboots into the install.
        node["installed"], node["installed_disk"] = True, disk
        # The installer image of the config is what gets installed (machine.install.image; the
        # maintenance service runs it), so the node boots that release afterwards.
        tag = _main_doc(docs).get("machine", {}).get("install", {}).get("image", "").rpartition(":")[2]
        if tag.startswith("v1."):
            node["pending_version"] = tag
        for item in node["disks"]:
            if "/dev/" + item["name"] == disk:
                item["partitions"] = ["EFI", "META", "STATE", "EPHEMERAL"]
        node["etcd"] = None  # a (re)install starts with an empty etcd data directory
        node["mode"] = "installing"
        node["install_until"] = time.time() + INSTALL_SECONDS
        print("Applied configuration with a reboot")
        return
    print("Applied configuration without a reboot")


def cmd_bootstrap(opts, state):
    prefix = "error executing bootstrap"
    _address, node = connect(state, opts, prefix, allow_insecure=False)
    # internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go Bootstrap, in its order.
    age = time.time() - node.get("booted_at", 0)
    if age < BOOT_SECONDS:
        die("%s: rpc error: code = FailedPrecondition desc = bootstrap is not available yet" % prefix)
    if not _is_controlplane(node):
        # internal/pkg/machinehelper CheckControlplane
        die("%s: rpc error: code = FailedPrecondition desc = bootstrap is only supported on control plane nodes"
            % prefix)
    if age < 2 * BOOT_SECONDS:
        die("%s: rpc error: code = FailedPrecondition desc = time is not in sync yet" % prefix)
    if node.get("etcd"):
        die("%s: rpc error: code = AlreadyExists desc = etcd data directory is not empty" % prefix)
    state["etcd_clusters"] = state.get("etcd_clusters", 0) + 1
    node["etcd"] = "etcd-cluster-%d" % state["etcd_clusters"]
    node["bootstraps"] = node.get("bootstraps", 0) + 1


def _members(state, cluster):
    return sorted(a for a, n in state["nodes"].items() if n["mode"] == "configured" and n.get("etcd") == cluster)


def cmd_etcd(opts, state):
    address, node = connect(state, opts, "error getting members", allow_insecure=False)
    if opts["args"][1:2] != ["members"]:
        die("the stand-in knows only `etcd members`")
    if not _is_controlplane(node):
        die("error getting members: 1 error occurred:\n\t* %s: rpc error: code = Unimplemented desc = "
            "etcd is not available on worker nodes" % address)
    if not node.get("etcd"):
        die("error getting members: 1 error occurred:\n\t* %s: rpc error: code = Unknown desc = failed to create "
            "etcd client: error building etcd client TLS config: open /system/secrets/etcd/admin.crt: "
            "no such file or directory" % address)
    # cmd/talosctl/cmd/talos/etcd.go: tab-separated columns, NODE first when the node is known.
    print("NODE\tID\tHOSTNAME\tPEER URLS\tCLIENT URLS\tLEARNER")
    for member in _members(state, node["etcd"]):
        print("%s\t%s\t%s\thttps://%s:2380\thttps://%s:2379\tfalse" % (
            address, hashlib.sha256(member.encode()).hexdigest()[:16], state["nodes"][member].get("hostname", ""),
            member, member))


def _seconds(text):
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text or 0)


def cmd_health(opts):
    prefix = "healthcheck error"
    deadline = time.time() + _seconds(opts.get("wait_timeout", "20m"))
    wanted = [a for a in (opts.get("control_plane_nodes", "") + "," + opts.get("worker_nodes", "")).split(",") if a]
    while True:
        with StateLock():
            state = load_state()
            settle_all(state)
            save_state(state)
            connect(state, opts, prefix, allow_insecure=False)
        nodes = state["nodes"]
        clusters = {nodes[a].get("etcd") for a in wanted if a in nodes and _is_controlplane(nodes[a])}
        missing = [a for a in wanted if a not in nodes or nodes[a]["mode"] != "configured"
                   or time.time() - nodes[a].get("booted_at", 0) < BOOT_SECONDS]
        if clusters and None not in clusters and len(clusters) == 1 and not missing:
            break
        if time.time() > deadline:
            # internal/pkg/cluster/check/default.go: the etcd checks come first.
            if None in clusters or not clusters:
                reason = "waiting for etcd to be healthy: etcd is not bootstrapped on every control plane"
            elif len(clusters) > 1:
                reason = "waiting for etcd members to be consistent across nodes: etcd member lists differ"
            else:
                reason = "waiting for all nodes to finish boot sequence: nodes not ready: %s" % ", ".join(missing)
            die("%s\n%s: context deadline exceeded" % (reason, prefix))
        time.sleep(0.5)
    # internal/pkg/cluster/check/default.go DefaultClusterChecks, in order.
    for line in ("waiting for etcd to be healthy: OK", "waiting for etcd members to be consistent across nodes: OK",
                 "waiting for etcd members to be control plane nodes: OK", "waiting for apid to be ready: OK",
                 "waiting for all nodes memory sizes: OK", "waiting for all nodes disk sizes: OK",
                 "waiting for no diagnostics: OK", "waiting for kubelet to be healthy: OK",
                 "waiting for all nodes to finish boot sequence: OK", "waiting for all k8s nodes to report: OK",
                 "waiting for all control plane static pods to be running: OK",
                 "waiting for all control plane components to be ready: OK",
                 "waiting for all k8s nodes to report ready: OK", "waiting for kube-proxy to report ready: OK",
                 "waiting for coredns to report ready: OK", "waiting for all k8s nodes to report schedulable: OK"):
        print(line)


def cmd_kubeconfig(opts, state):
    address, node = connect(state, opts, "error retrieving kubeconfig", allow_insecure=False)
    if not node.get("etcd"):
        die("error retrieving kubeconfig: rpc error: code = Unavailable desc = kubeconfig is not available yet")
    cluster = _main_doc(node["config"])["cluster"]
    path = opts["args"][1] if len(opts["args"]) > 1 else "kubeconfig"
    if os.path.exists(path) and not opts.get("force") and not opts.get("merge"):
        die("%s already exists, use --force to overwrite or --merge" % path)
    name = cluster["clusterName"]
    text = yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": cluster["controlPlane"]["endpoint"],
                                                "certificate-authority-data": cluster["ca"]["crt"]}}],
        "contexts": [{"name": "admin@" + name,
                      "context": {"cluster": name, "namespace": "default", "user": "admin@" + name}}],
        "current-context": "admin@" + name,
        "users": [{"name": "admin@" + name, "user": dict(zip(
            ("client-certificate-data", "client-key-data"), admin_certificate(cluster["ca"])))}]}, sort_keys=False)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def admin_certificate(cluster_ca):
    """An admin client certificate signed by the cluster CA (pkg/kubeconfig/generate.go), valid
    KubernetesAdminCertDefaultLifetime (pkg/machinery/constants: one year) unless the test says."""
    import base64  # pylint: disable=import-outside-toplevel
    import datetime  # pylint: disable=import-outside-toplevel
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    ca_cert = x509.load_pem_x509_certificate(base64.b64decode(cluster_ca["crt"]))
    ca_key = serialization.load_pem_private_key(base64.b64decode(cluster_ca["key"]), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    days = float(os.environ.get("TALOS_STANDIN_KUBECONFIG_DAYS", "365"))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                                     x509.NameAttribute(NameOID.COMMON_NAME, "admin")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(days=days))
            .sign(ca_key, hashes.SHA256()))
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return (base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode(), base64.b64encode(pem_key).decode())


def cmd_upgrade(opts, state):
    prefix = "error during upgrade"
    address, node = connect(state, opts, prefix, allow_insecure=False)
    image = opts.get("image", "")
    tag = image.rpartition(":")[2]
    if not tag.startswith("v1."):
        die('%s: rpc error: code = InvalidArgument desc = image "%s" has no Talos version tag' % (prefix, image))
    # cmd/talosctl/cmd/talos/upgrade.go: the node installs the new image and reboots; talosctl waits
    # for the new boot id (action.BootIDChangedPostCheckFn) unless --wait=false.
    node["pending_version"] = tag
    node["mode"] = "rebooting"
    node["reboot_until"] = time.time() + REBOOT_SECONDS
    node["upgrades"] = node.get("upgrades", 0) + 1
    print("watching nodes: [%s]" % address)


def cmd_upgrade_k8s(opts, state):
    prefix = "error upgrading Kubernetes"
    _address, node = connect(state, opts, prefix, allow_insecure=False)
    if not _is_controlplane(node):
        die("%s: upgrade-k8s needs a control plane node" % prefix)
    to = opts.get("to", "").lstrip("v")
    # pkg/cluster/kubernetes/talos_managed.go: every node's machine config gets the new images.
    for peer in state["nodes"].values():
        if peer["mode"] != "configured" or peer.get("etcd") != node.get("etcd") and _is_controlplane(peer):
            continue
        for doc in peer["config"]:
            kubelet = doc.get("machine", {}).get("kubelet") if isinstance(doc, dict) else None
            if kubelet and "image" in kubelet:
                kubelet["image"] = kubelet["image"].rpartition(":")[0] + ":v" + to
            for comp in ("apiServer", "controllerManager", "scheduler", "proxy"):
                section = doc.get("cluster", {}).get(comp) if isinstance(doc, dict) else None
                if section and "image" in section:
                    section["image"] = section["image"].rpartition(":")[0] + ":v" + to
        peer["config_text"] = yaml.safe_dump_all(peer["config"], sort_keys=False)
        peer["k8s_upgrades"] = peer.get("k8s_upgrades", 0) + 1
    print("upgrading to %s: done" % to)


def cmd_standin(opts, state):
    """`__standin add-node ADDRESS --version v1.11.6 --hostname H --disk name[:transport]:size_gb[:talos]`,
    `__standin set ADDRESS key=value` (test set-up: power, boot order), `__standin show ADDRESS`."""
    action = opts["args"][1] if len(opts["args"]) > 1 else ""
    address = opts["args"][2] if len(opts["args"]) > 2 else ""
    if action == "add-node" and address:
        disks = []
        for spec in opts["disk"] or ["nvme0n1:nvme:512"]:
            parts = spec.split(":")
            if len(parts) >= 3 and not parts[1].isdigit():
                name, transport, size, rest = parts[0], parts[1], parts[2], parts[3:]
            else:
                name, transport, size, rest = parts[0], "", parts[1], parts[2:]
            disks.append({"name": name, "transport": transport, "size": int(size) * 10**9,
                          "partitions": ["EFI", "META", "STATE", "EPHEMERAL"] if rest == ["talos"] else []})
        state["nodes"][address] = {
            "mode": "maintenance", "version": opts.get("version", "v1.13.9"), "disks": disks, "config": [],
            "config_text": "", "boot_id": str(uuid.uuid4()), "boots": 1, "booted_at": 0, "hostname":
            opts.get("hostname", ""), "usb_boot_first": bool(opts.get("usb_boot_first")), "installed": False,
            "halt_if_installed": opts.get("halt_if_installed", "1") != "0", "applies": 0, "etcd": None}
        return
    if action == "set" and address in state["nodes"]:
        node = state["nodes"][address]
        for pair in opts["args"][3:]:
            key, _sep, value = pair.partition("=")
            if key == "power" and value == "cycle":
                node["mode"] = "rebooting"
                node["reboot_until"] = time.time() + REBOOT_SECONDS
            else:
                node[key] = json.loads(value)
        return
    if action == "show" and address in state["nodes"]:
        print(json.dumps(state["nodes"][address], indent=1, sort_keys=True))
        return
    die("usage: talosctl __standin add-node|set|show ADDRESS ...")


NODE_COMMANDS = {"get": cmd_get, "apply-config": cmd_apply, "apply": cmd_apply, "bootstrap": cmd_bootstrap,
                 "etcd": cmd_etcd, "kubeconfig": cmd_kubeconfig, "read": cmd_read, "upgrade": cmd_upgrade,
                 "upgrade-k8s": cmd_upgrade_k8s, "version": cmd_version, "__standin": cmd_standin}


def real_talosctl(argv, capture=False):
    """Hand a call that needs no node to the real talosctl."""
    real = os.environ.get("TALOSCTL_REAL", "")
    if not real or not os.access(real, os.X_OK):
        die("talosctl stand-in: `%s` needs no node; it runs the real talosctl, which TALOSCTL_REAL must name "
            "(got %r)" % (" ".join(argv[:2]), real))
    if capture:
        import subprocess  # pylint: disable=import-outside-toplevel
        return subprocess.run([real] + argv, capture_output=True, text=True, check=True).stdout
    os.execv(real, [real] + argv)
    return ""


def main(argv):
    opts = parse(argv)
    command = opts["args"][0] if opts["args"] else ""
    if command not in NODE_COMMANDS and command != "health" or (command == "version" and opts.get("client")):
        real_talosctl(argv)
        return
    if opts.get("unknown"):
        die("Error: unknown flag: %s" % opts["unknown"][0])
    if command != "__standin":
        log_call(argv)
    if command == "health":
        cmd_health(opts)
        return
    with StateLock():
        state = load_state()
        settle_all(state)
        try:
            NODE_COMMANDS[command](opts, state)
        finally:
            save_state(state)


if __name__ == "__main__":
    main(sys.argv[1:])
