# Stand-in for the k3s binary (homelab.mediastack test equipment; k3s cannot run in a container here).
# tests/standins/k3s/release.yml makes a test release of it: a python3 shebang added, named k3s.
# It is installed where the real binary goes and the systemd unit runs it: `k3s server` and
# `k3s agent` read /etc/rancher/k3s/config.yaml, check the join token against the server, register
# the node (name, labels, taints: at registration only, as k3s does), tell systemd READY=1 and keep
# running. `k3s --version` reports the version built into this file (STANDIN_VERSION below, set by
# the release the test makes). `k3s kubectl get nodes [NAME] [-o json]` lists the registered nodes.
# The API is plain HTTP on the server port (no TLS, test only); messages follow k3s's own.
# Rules and the upstream they follow (k3s-io/k3s):
# - memory cgroup: install.sh service_enable_and_start checks "memory" in
#   /sys/fs/cgroup/cgroup.controllers (or enabled in /proc/cgroups); without it the k3s agent stops
#   with "failed to find memory cgroup (v2)" (the message users of Raspberry Pi OS report).
# - certificate names: the serving certificate holds the local names and addresses plus tls-san;
#   with tls-san-security (default true, pkg/cli/cmds/server.go) other names are refused, so a node
#   that joins, or a kubeconfig that points, through a name outside them fails the TLS check.
# - HA: `server:` on a server joins the embedded etcd of the cluster it names (token checked).
"""k3s stand-in (see the header comment)."""

import base64
import hashlib
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STANDIN_VERSION = "v1.33.4+k3s1"
STANDIN_COMMIT = "148243c4"
GO_VERSION = "go1.24.5"

CONFIG = os.environ.get("K3S_STANDIN_CONFIG", "/etc/rancher/k3s/config.yaml")
CGROUP_CONTROLLERS = os.environ.get("K3S_STANDIN_CGROUP_CONTROLLERS", "/sys/fs/cgroup/cgroup.controllers")
PROC_CGROUPS = os.environ.get("K3S_STANDIN_PROC_CGROUPS", "/proc/cgroups")
DATA_DIR = os.environ.get("K3S_STANDIN_DATA_DIR", "/var/lib/rancher/k3s")
KUBECONFIG = os.environ.get("K3S_STANDIN_KUBECONFIG", "/etc/rancher/k3s/k3s.yaml")


def log(level, msg):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sys.stderr.write('time="%s" level=%s msg="%s"\n' % (stamp, level, msg.replace('"', '\\"')))
    sys.stderr.flush()


def fatal(msg):
    log("fatal", msg)
    sys.exit(1)


def parse_config(path):
    """Read the flat YAML subset k3s config files use (scalars and lists of scalars)."""
    config = {}
    if not os.path.exists(path):
        return config
    key = None
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.split(" #")[0].rstrip()
            if not line.strip() or line.lstrip().startswith("#") or line.strip() == "---":
                continue
            if line.startswith((" ", "-")) and line.strip().startswith("- ") and key:
                config.setdefault(key, [])
                config[key].append(_scalar(line.strip()[2:]))
                continue
            if ":" not in line:
                fatal("failed to parse %s: line %r" % (path, line))
            key, _sep, value = line.partition(":")
            key = key.strip()
            value = value.strip()
            if value == "":
                config[key] = []
            elif value.startswith("["):
                config[key] = [_scalar(v) for v in value.strip("[]").split(",") if v.strip()]
            else:
                config[key] = _scalar(value)
    return config


def _scalar(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value in ("true", "false"):
        return value == "true"
    return value


def config_value(config, name, default=None):
    env = "K3S_" + name.upper().replace("-", "_")
    if env in os.environ:
        return os.environ[env]
    return config.get(name, default)


def read_token(config):
    token = config_value(config, "token", "")
    token_file = config_value(config, "token-file", "")
    if not token and token_file:
        with open(token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    return token


def token_password(token):
    """The secret part of a token: K10<ca-hash>::server:<password> or a short token."""
    if token.startswith("K10") and "::" in token:
        return token.split("::", 1)[1].split(":", 1)[-1]
    return token


def sd_notify(message):
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    if path.startswith("@"):
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(path)
        sock.sendall(message.encode())


def node_entry(config, roles):
    name = config_value(config, "node-name") or socket.gethostname()
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    for item in _as_list(config.get("node-label")):
        key, _sep, value = str(item).partition("=")
        labels[key] = value
    for role in roles:
        labels["node-role.kubernetes.io/%s" % role] = "true"
    taints = []
    for item in _as_list(config.get("node-taint")):
        keyvalue, _sep, effect = str(item).partition(":")
        key, _sep, value = keyvalue.partition("=")
        taints.append({"key": key, "value": value, "effect": effect})
    return {"name": name, "labels": labels, "taints": taints, "roles": roles, "version": STANDIN_VERSION}


def _as_list(value):
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


class Registry:
    """Nodes known to the cluster, kept by the server that initialised it."""

    def __init__(self, path):
        self.path = path

    def load(self):
        if not os.path.exists(self.path):
            return {}
        with open(self.path, encoding="utf-8") as handle:
            return json.load(handle)

    def register(self, entry):
        nodes = self.load()
        known = nodes.get(entry["name"])
        if known:
            # Labels and taints from the config apply at registration only (as in k3s).
            known["version"] = entry["version"]
            known["registrations"] = known.get("registrations", 1)
        else:
            entry["registrations"] = 1
            nodes[entry["name"]] = entry
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(nodes, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
        return nodes[entry["name"]]


def make_handler(password, registry, upstream, sans):
    class Handler(BaseHTTPRequestHandler):
        server_version = "k3s-standin"

        def log_message(self, fmt, *args):  # pylint: disable=arguments-differ
            log("info", "api: " + (fmt % args))

        def _authorised(self):
            header = self.headers.get("Authorization", "")
            given = ""
            if header.startswith("Bearer "):
                given = token_password(header[7:].strip())
            elif header.startswith("Basic "):
                given = base64.b64decode(header[6:]).decode().partition(":")[2]
            if given != password:
                log("error", "Failed to authenticate request from %s: invalid username/password combination"
                    % self.client_address[0])
                self._send(401, {"kind": "Status", "status": "Failure", "message": "Unauthorized",
                                 "reason": "Unauthorized", "code": 401})
                return False
            return True

        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # pylint: disable=invalid-name
            if not self._authorised():
                return
            if self.path == "/cacerts":
                self._send(200, {"ca": "k3s-standin-ca"})
            elif self.path == "/v1-k3s/standin/sans":
                self._send(200, sans)
            elif self.path == "/v1-k3s/standin/nodes":
                if upstream:
                    self._send(200, remote(upstream, password, "GET", "/v1-k3s/standin/nodes"))
                else:
                    self._send(200, registry.load())
            else:
                self._send(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})

        def do_POST(self):  # pylint: disable=invalid-name
            if not self._authorised():
                return
            length = int(self.headers.get("Content-Length", "0"))
            entry = json.loads(self.rfile.read(length) or b"{}")
            if self.path in ("/v1-k3s/standin/register", "/v1-k3s/server-bootstrap"):
                if upstream:
                    self._send(200, remote(upstream, password, "POST", self.path, entry))
                else:
                    self._send(200, registry.register(entry))
            else:
                self._send(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})

    return Handler


def remote(url, token, method, path, body=None):
    base = url.rstrip("/").replace("https://", "http://", 1)
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def check_memory_cgroup():
    """install.sh's check; the agent stops without the memory cgroup."""
    def read(path):
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    v2 = "memory" in read(CGROUP_CONTROLLERS).split()
    v1 = any(line.split()[:1] == ["memory"] and line.split()[3:4] == ["1"] for line in read(PROC_CGROUPS).splitlines())
    if not (v2 or v1):
        fatal("failed to find memory cgroup (v2)")


def serving_names(config):
    """Names and addresses in the serving certificate: local ones, the node's, tls-san."""
    names = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
             "localhost", "127.0.0.1", "::1", "10.43.0.1", socket.gethostname()]
    try:
        names += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    for key in ("node-ip", "advertise-address", "bind-address", "node-external-ip"):
        names += [str(v) for v in _as_list(config_value(config, key))]
    names += [str(v) for v in _as_list(config.get("tls-san"))]
    return sorted(set(names))


def check_name(url, password):
    """The TLS check a joining node makes: the name it dials must be in the server's certificate."""
    host = url.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    names = remote(url, password, "GET", "/v1-k3s/standin/sans")
    if host not in names:
        raise OSError('Get "%s/cacerts": tls: failed to verify certificate: x509: certificate is valid for %s, not %s'
                      % (url.rstrip("/"), ", ".join(names), host))


def write_private(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def server(config):
    token = read_token(config)
    upstream = config_value(config, "server", "")
    cluster_init = bool(config_value(config, "cluster-init", False))
    port = int(config_value(config, "https-listen-port", 6443))
    server_dir = os.path.join(DATA_DIR, "server")
    os.makedirs(os.path.join(server_dir, "db"), exist_ok=True)
    token_path = os.path.join(server_dir, "token")
    if os.path.exists(token_path):
        with open(token_path, encoding="utf-8") as handle:
            stored = token_password(handle.read().strip())
        if token and token_password(token) != stored:
            fatal("starting kubernetes: preparing server: bootstrap data already found and encrypted with "
                  "different token")
        password = stored
    else:
        password = token_password(token) if token else hashlib.sha256(os.urandom(16)).hexdigest()[:32]
    entry = node_entry(config, ["control-plane", "master"] + (["etcd"] if cluster_init or upstream else []))
    registry = Registry(os.path.join(server_dir, "db", "standin-nodes.json"))
    if upstream:
        log("info", "Joining etcd cluster through %s" % upstream)
        try:
            check_name(upstream, password)
            remote(upstream, password, "POST", "/v1-k3s/server-bootstrap", entry)
        except urllib.error.HTTPError as err:
            fatal("starting kubernetes: preparing server: %s/v1-k3s/server-bootstrap: %s %s"
                  % (upstream.rstrip("/"), err.code, err.reason))
        except OSError as err:
            fatal("starting kubernetes: preparing server: %s" % err)
    else:
        if cluster_init:
            log("info", "Managed etcd cluster initializing")
        registry.register(entry)
    ca_hash = hashlib.sha256(b"k3s-standin-ca").hexdigest()
    full = "K10%s::server:%s\n" % (ca_hash, password)
    write_private(token_path, full)
    node_token = os.path.join(server_dir, "node-token")
    if not os.path.lexists(node_token):
        os.symlink(token_path, node_token)
    mode = int(str(config_value(config, "write-kubeconfig-mode", "0600")), 8)
    write_private(KUBECONFIG, KUBECONFIG_TEMPLATE % {"port": port, "token": password}, mode)
    httpd = ThreadingHTTPServer(("0.0.0.0", port), make_handler(password, registry, upstream, serving_names(config)))
    log("info", "k3s is up and running (stand-in %s)" % STANDIN_VERSION)
    sd_notify("READY=1")
    httpd.serve_forever()


KUBECONFIG_TEMPLATE = """apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: azNzLXN0YW5kaW4tY2E=
    server: https://127.0.0.1:%(port)s
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    token: %(token)s
"""


def agent(config):
    upstream = config_value(config, "server", "")
    token = read_token(config)
    if not upstream:
        fatal("--server is required")
    if not token:
        fatal("--token is required")
    entry = node_entry(config, [])
    while True:
        try:
            remote(upstream, token_password(token), "GET", "/cacerts")
            check_name(upstream, token_password(token))
            remote(upstream, token_password(token), "POST", "/v1-k3s/standin/register", entry)
            break
        except urllib.error.HTTPError as err:
            log("error", "failed to get CA certs: %s/cacerts: %s %s" % (upstream.rstrip("/"), err.code, err.reason))
        except OSError as err:
            log("error", "failed to get CA certs: %s/cacerts: %s" % (upstream.rstrip("/"), err))
        time.sleep(2)
    log("info", "Node %s registered with %s" % (entry["name"], upstream))
    sd_notify("READY=1")
    while True:
        time.sleep(3600)


def kubectl(args):
    config = parse_config(CONFIG)
    token_path = os.path.join(DATA_DIR, "server", "token")
    if not os.path.exists(token_path):
        fatal("The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?")
    with open(token_path, encoding="utf-8") as handle:
        password = token_password(handle.read().strip())
    port = int(config_value(config, "https-listen-port", 6443))
    if args[:2] not in (["get", "nodes"], ["get", "node"]):
        sys.stderr.write("error: the k3s stand-in's kubectl knows only 'get nodes'\n")
        sys.exit(1)
    rest = args[2:]
    output = ""
    if "-o" in rest:
        output = rest[rest.index("-o") + 1]
        rest = rest[:rest.index("-o")] + rest[rest.index("-o") + 2:]
    try:
        nodes = remote("http://127.0.0.1:%d" % port, password, "GET", "/v1-k3s/standin/nodes")
    except OSError:
        sys.stderr.write("The connection to the server 127.0.0.1:%d was refused - did you specify the right "
                         "host or port?\n" % port)
        sys.exit(1)
    items = [_node_object(n) for _k, n in sorted(nodes.items())]
    if rest:
        items = [i for i in items if i["metadata"]["name"] == rest[0]]
        if not items:
            sys.stderr.write('Error from server (NotFound): nodes "%s" not found\n' % rest[0])
            sys.exit(1)
    if output == "json":
        doc = items[0] if rest else {"apiVersion": "v1", "kind": "List", "items": items}
        print(json.dumps(doc, indent=4))
        return
    print("%-24s %-8s %-28s %-6s %s" % ("NAME", "STATUS", "ROLES", "AGE", "VERSION"))
    for item in items:
        roles = sorted(k.split("/", 1)[1] for k in item["metadata"]["labels"] if k.startswith("node-role."))
        print("%-24s %-8s %-28s %-6s %s" % (item["metadata"]["name"], "Ready", ",".join(roles) or "<none>",
                                            "1m", item["status"]["nodeInfo"]["kubeletVersion"]))


def _node_object(node):
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": node["name"], "labels": node["labels"]},
        "spec": {"taints": node["taints"]} if node["taints"] else {},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                   "nodeInfo": {"kubeletVersion": node["version"]}},
    }


def main(argv):
    if not argv or argv[0] in ("--version", "-v", "version"):
        print("k3s version %s (%s)" % (STANDIN_VERSION, STANDIN_COMMIT))
        print("go version %s" % GO_VERSION)
        return
    command = argv[0]
    options = argv[1:]
    config_path = CONFIG
    if "--config" in options:
        config_path = options[options.index("--config") + 1]
    if command == "server":
        check_memory_cgroup()
        server(parse_config(config_path))
    elif command == "agent":
        check_memory_cgroup()
        agent(parse_config(config_path))
    elif command == "kubectl":
        kubectl(options)
    else:
        sys.stderr.write('Incorrect Usage: the k3s stand-in knows server, agent, kubectl, --version (got "%s")\n'
                         % command)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
