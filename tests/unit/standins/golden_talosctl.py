"""Replays the real `talosctl gen` output recorded in ../shared/reference/k8s/talos/golden.

Used by the tests as $TALOSCTL_REAL only when the real talosctl has not been built on this machine
(the build scripts put it under .build/bin). The golden files are Talos's own config-generator
stability data (see the reference's SOURCES.md): what `talosctl gen config --with-secrets
secrets.yaml --talos-version <minor>` prints, plus the install disk and installer image that the CLI
adds from its flags (cmd/talosctl/cmd/mgmt/gen/config.go). Cluster name, endpoint and secrets are
the golden ones whatever is asked: only the commands the tests need are here.
"""

import os
import shutil
import sys
from pathlib import Path

import yaml

REFERENCE = Path(os.environ.get("MEDIASTACK_REFERENCE", Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"))
GOLDEN = REFERENCE / "k8s" / "talos" / "golden"
CLIENT = os.environ.get("GOLDEN_TALOSCTL_VERSION", "v1.13.9")  # the client version it claims


def flag(argv, name, default=None):
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def folder(version):
    minor = ".".join(version.lstrip("v").split(".")[:2])
    found = sorted(GOLDEN.glob("v%s.*" % minor))
    if not found:
        sys.exit("golden_talosctl: no golden output for Talos %s" % version)
    return found[0]


def write(out, text, force):
    if out == "-":
        sys.stdout.write(text)
        return
    if os.path.exists(out) and not force:
        sys.exit("%s already exists, use --force to overwrite" % out)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(out, 0o600)


def main(argv):
    if argv[:1] == ["version"]:
        print("Client:\n\tTalos %s" % CLIENT if "--short" in argv else "Client:\n\tTag:         %s" % CLIENT)
        return
    if argv[:2] == ["gen", "secrets"]:
        out = flag(argv, "-o", flag(argv, "--output-file", "secrets.yaml"))
        if os.path.exists(out) and "--force" not in argv:
            sys.exit("file %r already exists, use --force to overwrite" % out)
        shutil.copyfile(folder(CLIENT) / "secrets.yaml", out)
        os.chmod(out, 0o600)
        return
    if argv[:2] == ["gen", "config"]:
        version = flag(argv, "--talos-version", CLIENT)
        kind = flag(argv, "--output-types", flag(argv, "-t", ""))
        out = flag(argv, "-o", flag(argv, "--output", "-"))
        if kind == "talosconfig":
            secrets = yaml.safe_load((folder(version) / "secrets.yaml").read_text())
            name = argv[2]
            text = yaml.safe_dump({"context": name, "contexts": {name: {
                "endpoints": ["127.0.0.1"], "ca": secrets["certs"]["os"]["crt"],
                "crt": "golden-admin-crt", "key": "golden-admin-key"}}}, sort_keys=False)
            write(out, text, "--force" in argv)
            return
        if kind not in ("controlplane", "worker"):
            sys.exit("golden_talosctl: --output-types controlplane|worker|talosconfig only")
        docs = list(yaml.safe_load_all((folder(version) / ("base-%s.yaml" % kind)).read_text()))
        docs[0]["machine"]["install"]["disk"] = flag(argv, "--install-disk", "/dev/sda")
        docs[0]["machine"]["install"]["image"] = "ghcr.io/siderolabs/installer:%s" % CLIENT
        kubernetes = flag(argv, "--kubernetes-version")
        if kubernetes:  # the generator puts the version into every image tag
            text = yaml.safe_dump_all(docs, sort_keys=False).replace(":v1.28.0", ":v" + kubernetes.lstrip("v"))
            docs = list(yaml.safe_load_all(text))
        write(out, yaml.safe_dump_all(docs, sort_keys=False), "--force" in argv)
        return
    sys.exit("golden_talosctl: %s is not recorded" % " ".join(argv[:2]))


if __name__ == "__main__":
    main(sys.argv[1:])
