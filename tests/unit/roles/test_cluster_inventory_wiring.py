"""The cluster and storage layers read the inventory the way issue 13 asks, run by Ansible on localhost.

- cluster_addons checks the LoadBalancer IPs of every host with the kubernetes runtime by address;
- the storage class names come from mediastack_storage_classes, for both layers;
- nas_storage exports the media tree to the cluster nodes when the cluster uses it;
- the apps layer finds the kubeconfig the cluster layer wrote.
"""

import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playbook_harness import ROOT, run_playbook  # noqa: E402  pylint: disable=wrong-import-position


def _run(tmp_path, inventory, play, extra=None):
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "play.yml").write_text(play)
    args = ["-i", tmp_path / "hosts.yml"]
    for key, value in (extra or {}).items():
        args += ["-e", json.dumps({key: value})]
    return run_playbook(tmp_path / "play.yml", *args,
                        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})


def _cluster_inventory(apps_hosts):
    return {"all": {"vars": {"mediastack_metallb_addresses": ["192.0.2.150-192.0.2.165"],
                             "ansible_connection": "local"},
                    "children": {
                        "talos_nodes": {"children": {"talos_controlplane": {"hosts": {"talos-cp-1": {}}}}},
                        "app_hosts": {"children": {"cluster_apps": {"hosts": apps_hosts}}}}}}


ADDONS_PLAY = """
- hosts: talos_controlplane[0]
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: homelab.mediastack.cluster_addons
      vars:
        cluster_addons_apply: false
"""


def test_pool_check_sees_every_address_an_app_asks_for(tmp_path):
    # Two clusters' worth of apps hosts; sonarr asks .200 (outside) on the first and .157 on the
    # second. Collapsed by app name (items2dict), the outside address vanished.
    inventory = _cluster_inventory({
        "media-a": {"media_apps_runtime": "kubernetes", "media_apps_overrides": {"sonarr": {"lb_ip": "192.0.2.200"}}},
        "media-b": {"media_apps_runtime": "kubernetes", "media_apps_overrides": {"sonarr": {"lb_ip": "192.0.2.157"}}},
        # a compose host's lb_ip means nothing to the cluster
        "docker-vm": {"media_apps_runtime": "compose", "media_apps_overrides": {"radarr": {"lb_ip": "203.0.113.9"}}},
    })
    result = _run(tmp_path, inventory, ADDONS_PLAY)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "outside the pool: ['192.0.2.200']" in " ".join(out.split()), out
    assert "203.0.113.9" not in out


def test_pool_check_passes_and_the_storage_class_names_are_one_variable(tmp_path):
    inventory = _cluster_inventory({
        "media": {"media_apps_runtime": "kubernetes", "media_apps_overrides": {"sonarr": {"lb_ip": "192.0.2.157"}}}})
    inventory["all"]["vars"]["mediastack_storage_classes"] = {"config": "fast-local", "media": "nas-media"}
    inventory["all"]["vars"]["mediastack_nfs_server"] = "192.0.2.20"
    play = ADDONS_PLAY.replace("cluster_addons_apply: false", "cluster_addons_apply: false\n        cluster_addons_render_dir: " + str(tmp_path / "render"))
    result = _run(tmp_path, inventory, play)
    assert result.returncode == 0, result.stdout + result.stderr
    docs = [d for d in yaml.safe_load_all((tmp_path / "render" / "addons.yaml").read_text()) if d]
    classes = {d["metadata"]["name"]: d["provisioner"] for d in docs if d["kind"] == "StorageClass"}
    # Talos: the local class is installed (local-path-provisioner), named from the one variable
    assert classes == {"fast-local": "rancher.io/local-path", "nas-media": "nfs.csi.k8s.io"}
    pool = next(d for d in docs if d["kind"] == "IPAddressPool")
    assert pool["spec"]["autoAssign"] is False
    # the apps layer reads the same names and the cluster layer's kubeconfig
    defaults = yaml.safe_load((ROOT / "roles" / "media_apps" / "defaults" / "main.yml").read_text())
    play = """
- hosts: media
  gather_facts: false
  vars_files: [%s]
  tasks:
    - ansible.builtin.debug:
        msg: "{{ [media_apps_k8s_config_storage_class, media_apps_k8s_media_storage_class, media_apps_k8s_kubeconfig,
                  media_apps_vpn_outbound_subnets] }}"
""" % (ROOT / "roles" / "media_apps" / "defaults" / "main.yml")
    assert "media_apps_k8s_kubeconfig" in defaults
    # (role defaults loaded as vars_files outrank the inventory: the runtime is given as an extra var)
    result = _run(tmp_path, inventory, play, {"media_apps_runtime": "kubernetes"})
    assert result.returncode == 0, result.stdout + result.stderr
    msg = _debug_msgs(result.stdout)[0]
    assert msg[:2] == ["fast-local", "nas-media"]
    assert msg[2] == str(tmp_path / "artifacts" / "mediastack-kubeconfig.yaml")  # talos_cluster's default path
    assert msg[3] == ["10.244.0.0/16", "10.96.0.0/12"]  # Talos's pod and service networks for Gluetun


def _debug_msgs(stdout):
    data = json.loads(stdout[stdout.index("{"):])
    msgs = []
    for play in data["plays"]:
        for task in play["tasks"]:
            for host in task["hosts"].values():
                if "msg" in host and task["task"]["name"].startswith("ansible.builtin.debug") or "msg" in host:
                    msgs.append(host["msg"])
    return msgs


def test_nas_exports_to_the_cluster_nodes_when_the_cluster_uses_it(tmp_path):
    inventory = {"all": {"vars": {"ansible_connection": "local"}, "children": {
        "nas_hosts": {"hosts": {"nas": {}}},
        "app_hosts": {"children": {"download_hosts": {"hosts": {"vm": {"ansible_host": "192.0.2.31"}}},
                                   "cluster_apps": {"hosts": {"media": {"media_apps_runtime": "kubernetes"}}}}},
        "k3s_nodes": {"children": {"k3s_servers": {"hosts": {"k3s-s1": {"ansible_host": "192.0.2.41"}}},
                                   "k3s_agents": {"hosts": {"k3s-w1": {"ansible_host": "192.0.2.42"}}}}}}}}
    play = """
- hosts: nas
  gather_facts: false
  vars_files: [%s, %s]
  tasks:
    - ansible.builtin.debug:
        msg: "{{ _nas_storage_export_table }}"
""" % (ROOT / "roles" / "nas_storage" / "defaults" / "main.yml", ROOT / "roles" / "nas_storage" / "vars" / "main.yml")
    extra = {"nas_storage_exports": [{"path": "/data"}]}
    result = _run(tmp_path, inventory, play, extra)
    assert result.returncode == 0, result.stdout + result.stderr
    clients = _debug_msgs(result.stdout)[0][0]["clients"]
    assert sorted(c["host"] for c in clients) == ["192.0.2.31", "192.0.2.41", "192.0.2.42"]
    assert all(c["options"][0] == "rw" for c in clients)
    # no cluster app host: only the download VM
    del inventory["all"]["children"]["app_hosts"]["children"]["cluster_apps"]
    result = _run(tmp_path, inventory, play, extra)
    assert [c["host"] for c in _debug_msgs(result.stdout)[0][0]["clients"]] == ["192.0.2.31"]
