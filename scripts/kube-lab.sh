#!/usr/bin/env bash
# A local Kubernetes control plane for the tests and the lab, from the upstream programs that
# scripts/build-tools.sh builds: etcd, kube-apiserver, kube-controller-manager, kube-scheduler on
# 127.0.0.1, and kwok playing the kubelets (nodes Ready, scheduled pods Running, no containers).
#
#   scripts/kube-lab.sh up    [STATE_DIR] [NODES_FILE]  start (or keep running), then create the nodes
#   scripts/kube-lab.sh nodes [STATE_DIR] NODES_FILE    create/update kwok nodes (labels, taints, allocatable)
#   scripts/kube-lab.sh env   [STATE_DIR]               print `export KUBECONFIG=...` (eval it)
#   scripts/kube-lab.sh status [STATE_DIR]              exit 0 when every component runs and the API is ready
#   scripts/kube-lab.sh down  [STATE_DIR]               stop every component (the state dir is kept)
#   scripts/kube-lab.sh purge [STATE_DIR]               down, then remove the state dir
#
# STATE_DIR (default $KUBE_LAB_DIR or <repo>/.build/kube-lab) holds certificates, the etcd data,
# logs (<component>.log), pids and the admin kubeconfig (STATE_DIR/kubeconfig). Ports are chosen
# free at the first `up` and kept in STATE_DIR/ports, so several control planes (one per state dir)
# run side by side. NODES_FILE: JSON or YAML, a list of nodes (or {"nodes": [...]}):
#   - name: talos-w-3                      # required
#     address: 192.0.2.23                  # InternalIP (optional)
#     control_plane: false                 # adds node-role.kubernetes.io/control-plane label
#     labels: {gpu: "true"}
#     taints: [{key: gpu, value: "true", effect: NoSchedule}]   # or "gpu=true:NoSchedule" strings
#     allocatable: {cpu: "4", memory: 16Gi, pods: "110", gpu.intel.com/i915: "1"}
# Nodes the file no longer lists are deleted (with their pods, as a node removed from a cluster).
#
# What a real cluster has and this one has too: the API server's default admission plugins
# (PodSecurity, LimitRanger, ServiceAccount, DefaultStorageClass, ResourceQuota, the webhook
# plugins, ...) plus NodeRestriction, RBAC, service-account token signing, CRDs, server-side
# apply; the controller manager (namespaces, deployments, statefulsets, daemonsets, the PV binder,
# garbage collector, endpoints); the scheduler (taints, node selectors, affinity, extended
# resources). What it lacks: containers, networking (pod IPs are kwok's; webhooks whose pods run
# nowhere cannot answer), volume provisioners and CSI drivers.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MEDIASTACK_TOOLS:-$ROOT/.build/bin}
CMD=${1:-}
[[ $# -gt 0 ]] && shift
DIR=${1:-${KUBE_LAB_DIR:-$ROOT/.build/kube-lab}}
[[ $# -gt 0 ]] && shift
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
KUBECONFIG_FILE=$DIR/kubeconfig
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
SERVICE_CIDR=10.96.0.0/12
POD_CIDR=10.244.0.0/16
WAIT=${KUBE_LAB_TIMEOUT:-180}

log() { echo "kube-lab: $*" >&2; }
die() {
  echo "kube-lab: $*" >&2
  exit 1
}

need_tools() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwok-stages.yaml; do
    [[ -e $BIN/$b ]] || die "$BIN/$b is missing: run 'make tools' (scripts/build-tools.sh) first"
  done
  command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
}

kubectl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

ports() {
  if [[ ! -s $DIR/ports ]]; then
    {
      echo "ETCD_PORT=$(free_port)"
      echo "ETCD_PEER_PORT=$(free_port)"
      echo "API_PORT=$(free_port)"
      echo "KWOK_PORT=$(free_port)"
    } >"$DIR/ports"
  fi
  # shellcheck disable=SC1091
  . "$DIR/ports"
}

# cert NAME SUBJECT [SAN]: a key and a certificate signed by the lab CA.
cert() {
  local name=$1 subj=$2 san=${3:-} ext
  [[ -s $DIR/pki/$name.crt ]] && return
  ext=$DIR/pki/$name.ext
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n $san ]]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$DIR/pki/$name.key" -subj "$subj" \
    -out "$DIR/pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$DIR/pki/$name.csr" -CA "$DIR/pki/ca.crt" -CAkey "$DIR/pki/ca.key" \
    -CAcreateserial -days 3650 -extfile "$ext" -out "$DIR/pki/$name.crt" 2>/dev/null
  rm -f "$DIR/pki/$name.csr" "$ext"
}

pki() {
  mkdir -p "$DIR/pki"
  chmod 700 "$DIR/pki"
  if [[ ! -s $DIR/pki/ca.crt ]]; then
    openssl req -x509 -new -newkey rsa:2048 -nodes -days 3650 -keyout "$DIR/pki/ca.key" \
      -subj "/CN=kube-lab-ca" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" -out "$DIR/pki/ca.crt" 2>/dev/null
  fi
  cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin "/O=system:masters/CN=kubernetes-admin"
  cert controller-manager "/CN=system:kube-controller-manager"
  cert scheduler "/CN=system:kube-scheduler"
  cert kwok "/O=system:masters/CN=kwok"
  if [[ ! -s $DIR/pki/sa.key ]]; then
    openssl genrsa -out "$DIR/pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$DIR/pki/sa.key" -pubout -out "$DIR/pki/sa.pub" 2>/dev/null
  fi
}

# kubeconfig FILE USER: a kubeconfig for the lab API with that user's client certificate.
kubeconfig() {
  local file=$1 user=$2
  cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kube-lab
    cluster:
      server: https://127.0.0.1:$API_PORT
      certificate-authority-data: $(base64 -w0 <"$DIR/pki/ca.crt")
users:
  - name: $user
    user:
      client-certificate-data: $(base64 -w0 <"$DIR/pki/$user.crt")
      client-key-data: $(base64 -w0 <"$DIR/pki/$user.key")
contexts:
  - name: kube-lab
    context: {cluster: kube-lab, user: $user}
current-context: kube-lab
EOF
  chmod 600 "$file.tmp"
  mv -f "$file.tmp" "$file"
}

running() {
  local pid
  [[ -s $DIR/$1.pid ]] || return 1
  pid=$(cat "$DIR/$1.pid")
  kill -0 "$pid" 2>/dev/null
}

start() {
  local name=$1
  shift
  if running "$name"; then
    return
  fi
  log "starting $name (log: $DIR/$name.log)"
  # Own session, so `down` stops exactly the processes it started.
  setsid "$BIN/$name" "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

wait_for() {
  local what=$1 deadline=$((SECONDS + WAIT))
  shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      die "$what not ready after ${WAIT}s; see the logs in $DIR"
    fi
    sleep 1
  done
}

api_ready() { [[ $(kubectl get --raw /readyz 2>/dev/null) == ok ]]; }

up() {
  need_tools
  ports
  pki
  kubeconfig "$KUBECONFIG_FILE" admin
  kubeconfig "$DIR/controller-manager.kubeconfig" controller-manager
  kubeconfig "$DIR/scheduler.kubeconfig" scheduler
  kubeconfig "$DIR/kwok.kubeconfig" kwok
  mkdir -p "$DIR/etcd"
  chmod 700 "$DIR/etcd"
  start etcd --name kube-lab --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "kube-lab=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" \
    --unsafe-no-fsync --snapshot-count 10000 --log-level warn
  start kube-apiserver --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --client-ca-file "$DIR/pki/ca.crt" --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$DIR/pki/sa.pub" --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true --profiling=false \
    --endpoint-reconciler-type none --v 0
  wait_for "etcd" curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
  wait_for "kube-apiserver" api_ready
  start kube-controller-manager --kubeconfig "$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false \
    --service-account-private-key-file "$DIR/pki/sa.key" --root-ca-file "$DIR/pki/ca.crt" \
    --use-service-account-credentials=true --service-cluster-ip-range "$SERVICE_CIDR" \
    --cluster-cidr "$POD_CIDR" --allocate-node-cidrs=true \
    --cluster-signing-cert-file "$DIR/pki/ca.crt" --cluster-signing-key-file "$DIR/pki/ca.key" \
    --profiling=false --v 0
  start kube-scheduler --kubeconfig "$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --profiling=false --v 0
  start kwok --kubeconfig "$DIR/kwok.kubeconfig" --config "$BIN/kwok-stages.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds 40 --cidr 10.244.0.1/16 --node-ip 127.0.0.1 \
    --server-address "127.0.0.1:$KWOK_PORT"
  # The controller manager is up when it has made the default service account of a namespace.
  wait_for "kube-controller-manager" kubectl -n default get serviceaccount default
  for c in kube-controller-manager kube-scheduler kwok; do
    sleep 0.2
    running "$c" || die "$c exited; see $DIR/$c.log"
  done
  log "API https://127.0.0.1:$API_PORT ready; export KUBECONFIG=$KUBECONFIG_FILE"
}

nodes() {
  local file=$1
  [[ -f $file ]] || die "nodes file $file not found"
  api_ready || die "the control plane in $DIR is not running: scripts/kube-lab.sh up $DIR"
  python3 - "$file" "$DIR/nodes.json" <<'PY'
import json, sys

with open(sys.argv[1], encoding="utf-8") as handle:
    text = handle.read()
try:
    data = json.loads(text)
except ValueError:
    import yaml  # YAML node lists need PyYAML (Ansible's dependency)
    data = yaml.safe_load(text)
data = data or []
if isinstance(data, dict):
    data = data.get("nodes", [])
items = []
for node in data:
    if not isinstance(node, dict) or not node.get("name"):
        sys.exit("kube-lab: every node needs a name: %r" % (node,))
    labels = {"kubernetes.io/hostname": node["name"], "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64", "type": "kwok"}
    if node.get("control_plane"):
        labels["node-role.kubernetes.io/control-plane"] = ""
    labels.update({str(k): str(v) for k, v in (node.get("labels") or {}).items()})
    taints = []
    for taint in node.get("taints") or []:
        if isinstance(taint, str):
            # key[=value]:Effect, the kubectl / k3s --node-taint form
            keyvalue, _, effect = taint.rpartition(":")
            key, _, value = keyvalue.partition("=")
            taint = {"key": key, "value": value, "effect": effect}
        if taint.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            sys.exit("kube-lab: node %s: taint %r needs an effect NoSchedule, PreferNoSchedule or NoExecute"
                     % (node["name"], taint))
        taints.append({k: str(v) for k, v in taint.items() if v not in (None, "")})
    allocatable = {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    allocatable.update({str(k): str(v) for k, v in (node.get("allocatable") or {}).items()})
    status = {"allocatable": allocatable, "capacity": allocatable}
    if node.get("address"):
        status["addresses"] = [{"type": "InternalIP", "address": str(node["address"])},
                               {"type": "Hostname", "address": node["name"]}]
    items.append({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": node["name"], "labels": labels,
                     "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"}},
        "spec": {"taints": taints},
        "status": status,
    })
with open(sys.argv[2], "w", encoding="utf-8") as handle:
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, handle, indent=1)
PY
  # Server-side apply owns labels, annotations and taints; status (allocatable) is set with a patch
  # of the status subresource, as the kubelet does.
  kubectl apply --server-side --force-conflicts --field-manager kube-lab -f "$DIR/nodes.json" >/dev/null
  python3 -c '
import json, sys
for item in json.load(open(sys.argv[1]))["items"]:
    print(item["metadata"]["name"], json.dumps({"status": item["status"]}))' "$DIR/nodes.json" |
    while read -r name patch; do
      kubectl patch node "$name" --subresource status --type merge -p "$patch" >/dev/null
    done
  local want have n
  want=$(python3 -c 'import json,sys; print(" ".join(sorted(i["metadata"]["name"] for i in json.load(open(sys.argv[1]))["items"])))' "$DIR/nodes.json")
  have=$(kubectl get nodes -l type=kwok -o jsonpath='{.items[*].metadata.name}')
  for n in $have; do
    [[ " $want " == *" $n "* ]] || kubectl delete node "$n" --wait=false >/dev/null
  done
  for n in $want; do
    wait_for "node $n" bash -c "[[ \$('$BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' get node '$n' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}') == True ]]"
  done
  log "nodes Ready: $want"
}

down() {
  local i pid c
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    c=${COMPONENTS[i]}
    if running "$c"; then
      pid=$(cat "$DIR/$c.pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
      done
      kill -KILL "$pid" 2>/dev/null || true
      log "stopped $c"
    fi
    rm -f "$DIR/$c.pid"
  done
}

status() {
  local c ok=0
  for c in "${COMPONENTS[@]}"; do
    if running "$c"; then echo "$c: running (pid $(cat "$DIR/$c.pid"))"; else
      echo "$c: stopped"
      ok=1
    fi
  done
  if [[ -s $DIR/ports ]]; then
    ports
    if api_ready; then echo "api: ready at https://127.0.0.1:$API_PORT"; else
      echo "api: not ready"
      ok=1
    fi
  fi
  return $ok
}

case $CMD in
  up)
    up
    [[ $# -eq 0 ]] || nodes "$1"
    ;;
  nodes)
    [[ $# -eq 1 ]] || die "usage: $0 nodes STATE_DIR NODES_FILE"
    ports
    nodes "$1"
    ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_FILE" ;;
  status) status ;;
  down) down ;;
  purge)
    down
    rm -rf "$DIR"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
