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


def admin_certificate(os_ca):
    """An os:admin client certificate from the Talos API CA, valid one year
    (TalosAPIDefaultCertificateValidityDuration, pkg/machinery/constants) or GOLDEN_TALOSCTL_CERT_DAYS."""
    import base64  # pylint: disable=import-outside-toplevel
    import datetime  # pylint: disable=import-outside-toplevel
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ed25519  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    ca_cert = x509.load_pem_x509_certificate(base64.b64decode(os_ca["crt"]))
    # Talos labels its Ed25519 PKCS#8 keys "ED25519 PRIVATE KEY".
    ca_key = serialization.load_pem_private_key(
        base64.b64decode(os_ca["key"]).replace(b"ED25519 PRIVATE KEY", b"PRIVATE KEY"), password=None)
    key = ed25519.Ed25519PrivateKey.generate()
    now = datetime.datetime.now(datetime.timezone.utc)
    days = float(os.environ.get("GOLDEN_TALOSCTL_CERT_DAYS", "365"))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "os:admin")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(days=days))
            .sign(ca_key, None))
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).replace(b"PRIVATE KEY", b"ED25519 PRIVATE KEY")
    return (base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode(), base64.b64encode(pem_key).decode())


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
        print("Client:\nTalos %s" % CLIENT if "--short" in argv else "Client:\n\tTag:         %s" % CLIENT)
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
            crt, key = admin_certificate(secrets["certs"]["os"])
            text = yaml.safe_dump({"context": name, "contexts": {name: {
                "endpoints": ["127.0.0.1"], "ca": secrets["certs"]["os"]["crt"], "crt": crt, "key": key}}},
                sort_keys=False)
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
