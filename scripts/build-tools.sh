#!/usr/bin/env bash
# Build the pinned upstream tools (scripts/tools.env) from their published Go modules through the
# Go module proxy: no binary download, no source checkout. Each binary is built once per machine
# into ${XDG_CACHE_HOME:-$HOME/.cache}/homelab-mediastack/bin/<tool>-<version> (a fresh clone
# reuses it) and linked into .build/bin/<tool> (and .build/bin/<tool>-<version>).
#
#   scripts/build-tools.sh [tool ...]   tools: talosctl talosctl-oldest kube etcd kwok (default: all)
#
# Upstream main modules carry `replace` lines (forks, and nested modules such as Kubernetes'
# staging/src/k8s.io/*) that `go install module@version` refuses; so each tool is built from a
# throw-away module of our own that requires the upstream module and repeats its replace lines,
# a nested (./...) one pointing at the published module of the same release.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/tools.env
. "$ROOT/scripts/tools.env"

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
if [[ ! -x $GO ]]; then
  echo "build-tools: no Go toolchain (looked for go in PATH and /usr/local/go/bin/go); install Go >= 1.26" >&2
  exit 1
fi
CACHE=${MEDIASTACK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/homelab-mediastack/bin}
LINKS=${MEDIASTACK_TOOLS:-$ROOT/.build/bin}
mkdir -p "$CACHE" "$LINKS"
# -trimpath and no DWARF at all (the compiler's -dwarf=false saves compile time, the linker's -w
# and -s drop the tables): nothing here runs a debugger on these binaries.
export GOFLAGS="-trimpath ${GOFLAGS:-}" CGO_ENABLED=0 GOTOOLCHAIN=local
GCFLAGS="all=-dwarf=false"

log() { echo "build-tools: $*" >&2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Two phases: `prepare` makes each tool's build module and downloads what it needs (network-bound,
# all tools at once), `compile` builds them one module after another (CPU-bound; one `go build`
# per module compiles the packages its binaries share once and links them side by side).
PHASE=prepare
PREPARING=()

# replace_args MODFILE NESTED_VERSION: `go mod edit` arguments repeating the module's replace lines.
replace_args() {
  "$GO" mod edit -json "$1" | NESTED="$2" python3 -c '
import json, os, sys
mod = json.load(sys.stdin)
required = {r["Path"] for r in mod.get("Require") or []}
for r in mod.get("Replace") or []:
    old, new = r["Old"], r["New"]
    lhs = old["Path"] + ("@" + old["Version"] if old.get("Version") else "")
    if new["Path"].startswith("."):
        # nested module of the same release; guards such as ./FORBIDDEN_DEPENDENCY are dropped
        if old["Path"] in required:
            print("-replace=%s=%s@%s" % (lhs, old["Path"], os.environ["NESTED"]))
    else:
        print("-replace=%s=%s@%s" % (lhs, new["Path"], new["Version"]))
'
}

# prepare_module WORK NAME MODULE MODULE_VERSION NESTED_VERSION SUBSTITUTES PACKAGE...: the build
# module of our own in WORK, its dependencies downloaded.
prepare_module() {
  local work=$1 name=$2 module=$3 modver=$4 nested=$5 subst=$6
  shift 6
  local info modfile moddir s reps
  info=$(cd "$work" && "$GO" mod download -json "$module@$modver" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") else print(d["GoMod"], d["Dir"])')
  read -r modfile moddir <<<"$info"
  cd "$work"
  "$GO" mod init "mediastack.build/$name" >/dev/null 2>&1
  # The checksums upstream recorded: modules the checksum database does not list (forks at
  # pseudo-versions) are verified against them.
  [[ ! -f $moddir/go.sum ]] || cp "$moddir/go.sum" go.sum
  mapfile -t reps < <(replace_args "$modfile" "$nested")
  for s in $subst; do reps+=("-replace=$s"); done
  "$GO" mod edit -go="$("$GO" mod edit -json "$modfile" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Go"])')" \
    -require="$module@$modver" "${reps[@]}"
  # downloads every module the packages import
  "$GO" get "${@/%/@$modver}"
}

# build NAME VERSION MODULE MODULE_VERSION NESTED_VERSION SUBSTITUTES LDFLAGS PACKAGE...
# Builds every PACKAGE (a main package of MODULE) into $CACHE/<last path element>-VERSION (NAME-VERSION
# for the module's own root package).
# SUBSTITUTES: space-separated `module=module@version` replacements for dependency versions the
# module proxy does not serve (see tools.env); they override the upstream replace lines.
build() {
  local name=$1 version=$2 module=$3 modver=$4 nested=$5 subst=$6 ldflags=$7
  shift 7
  local pkg bin missing=()
  binname() { if [[ $1 == "$module" ]]; then echo "$name"; else basename "$1"; fi; }
  for pkg in "$@"; do
    [[ -x $CACHE/$(binname "$pkg")-$version ]] || missing+=("$pkg")
  done
  local work=$WORK/$name-$version
  if [[ $PHASE == prepare ]]; then
    if ((${#missing[@]})); then
      mkdir -p "$work"
      log "preparing $name $version (${missing[*]##*/}) from $module@$modver"
      (
        start=$(date +%s)
        prepare_module "$work" "$name" "$module" "$modver" "$nested" "$subst" "${missing[@]}" >"$work/prepare.log" 2>&1 ||
          { cat "$work/prepare.log" >&2; exit 1; }
        echo "$(($(date +%s) - start))" >"$work/prepared"
      ) &
      PREPARING+=("$!:$name $version")
    fi
    return
  fi
  if ((${#missing[@]})); then
    [[ -f $work/prepared ]] || { log "$name $version was not prepared"; exit 1; }
    local start out=$work/out
    start=$(date +%s)
    log "compiling $name $version (${missing[*]##*/}; downloads took $(cat "$work/prepared") s)"
    mkdir -p "$out"
    if ((${#missing[@]} == 1)); then
      (cd "$work" && nice -n 10 "$GO" build -gcflags="$GCFLAGS" -ldflags="-s -w $ldflags" -o "$out/$(binname "${missing[0]}")" "${missing[0]}")
    else
      # go build -o DIR with several main packages writes each one's binary under its last path element
      (cd "$work" && nice -n 10 "$GO" build -gcflags="$GCFLAGS" -ldflags="-s -w $ldflags" -o "$out/" "${missing[@]}")
    fi
    for pkg in "${missing[@]}"; do
      bin=$(binname "$pkg")
      mv -f "$out/$bin" "$CACHE/$bin-$version.tmp.$$"
      mv -f "$CACHE/$bin-$version.tmp.$$" "$CACHE/$bin-$version"
    done
    rm -rf "$work"
    log "built $name $version in $(($(date +%s) - start)) s"
  fi
  for pkg in "$@"; do
    bin=$(binname "$pkg")
    ln -sfn "$CACHE/$bin-$version" "$LINKS/$bin-$version"
  done
}

link() { [[ $PHASE == prepare ]] || ln -sfn "$CACHE/$1-$2" "$LINKS/$1"; }

tool_talosctl() {
  # The release data (tag, registry) is embedded from pkg/machinery/gendata/data in the module.
  build talosctl "$TALOS_VERSION" github.com/siderolabs/talos "$TALOS_VERSION" "$TALOS_VERSION" "$TALOS_SUBSTITUTES" "" \
    github.com/siderolabs/talos/cmd/talosctl
  link talosctl "$TALOS_VERSION"
}

tool_talosctl_oldest() {
  build talosctl "$TALOS_OLDEST_VERSION" github.com/siderolabs/talos "$TALOS_OLDEST_VERSION" "$TALOS_OLDEST_VERSION" "$TALOS_OLDEST_SUBSTITUTES" "" \
    github.com/siderolabs/talos/cmd/talosctl
}

tool_kube() {
  local v=$KUBERNETES_VERSION minor=${KUBERNETES_VERSION#v1.} pkgver=k8s.io/component-base/version
  minor=${minor%%.*}
  build kubernetes "$v" k8s.io/kubernetes "$v" "v0.${v#v1.}" "$KUBERNETES_SUBSTITUTES" \
    "-X $pkgver.gitVersion=$v -X $pkgver.gitMajor=1 -X $pkgver.gitMinor=$minor -X $pkgver.gitTreeState=clean -X $pkgver.buildDate=1970-01-01T00:00:00Z" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  local b
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do link "$b" "$v"; done
}

tool_etcd() {
  build etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" "$ETCD_SUBSTITUTES" "" go.etcd.io/etcd/server/v3
  link etcd "$ETCD_VERSION"
}

tool_kwok() {
  build kwok "$KWOK_VERSION" sigs.k8s.io/kwok "$KWOK_VERSION" "$KWOK_VERSION" "$KWOK_SUBSTITUTES" \
    "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
  link kwok "$KWOK_VERSION"
  [[ $PHASE == compile ]] || return 0
  # The kwok binary needs its Stages in a config file: the same set kwokctl passes by default
  # (kustomize/stage/fast of the release: node-initialize, node-heartbeat-with-lease, pod-ready,
  # pod-complete, pod-delete), taken from the module as published, unmodified.
  local stages=$CACHE/kwok-stages-$KWOK_VERSION.yaml
  if [[ ! -s $stages ]]; then
    local dir f
    dir=$(cd /tmp && "$GO" mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    for f in "$dir"/kustomize/stage/node/fast/node-initialize.yaml "$dir"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             "$dir"/kustomize/stage/pod/fast/pod-{ready,complete,delete}.yaml; do
      echo "---"
      cat "$f"
    done >"$stages.tmp.$$"
    mv -f "$stages.tmp.$$" "$stages"
  fi
  ln -sfn "$stages" "$LINKS/kwok-stages.yaml"
}

tools=("$@")
((${#tools[@]})) || tools=(talosctl etcd kwok kube talosctl-oldest)
for t in "${tools[@]}"; do
  case $t in
    talosctl | talosctl-oldest | kube | etcd | kwok) ;;
    *) echo "build-tools: unknown tool $t (talosctl talosctl-oldest kube etcd kwok)" >&2; exit 2 ;;
  esac
done
run() {
  local t
  for t in "${tools[@]}"; do "tool_${t//-/_}"; done
}
# One builder per machine at a time (several checkouts share the cache).
exec 9>"$CACHE/.lock"
flock 9
begin=$(date +%s)
PHASE=prepare
run
failed=0
for job in "${PREPARING[@]}"; do
  wait "${job%%:*}" || { log "downloading for ${job#*:} failed (output above)"; failed=1; }
done
((failed == 0)) || exit 1
PHASE=compile
run
((${#PREPARING[@]} == 0)) || log "all tools built in $(($(date +%s) - begin)) s"
