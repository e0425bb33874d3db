"""GuestManager against a scripted API: the exact calls for update (digest sent), check mode
(no write), root@pam refusal before any write, pending reporting, and destroy confirmation."""

import pytest

from ansible_collections.homelab.mediastack.plugins.module_utils import _proxmox_guest as pg

CONFIG = {"hostname": "jellyfin", "memory": 4096, "digest": "d1" * 20,
          "net0": "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=192.0.2.56/24,type=veth"}


class Done(Exception):
    pass


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False, **params):
        self.check_mode = check_mode
        self.params = dict(node="pve", vmid=156, kind="lxc", state="present", running=None, config={}, create={},
                           password=None, clone=None, clone_full=True, storage=None, absent_keys=[], owned_keys=[], restart=False,
                           confirm_destroy=False, timeout=5)
        self.params.update(params)
        self.warnings = []

    def exit_json(self, **kwargs):
        raise Done(kwargs)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)

    def warn(self, msg):
        self.warnings.append(msg)


class Node:
    """Records every call made under /nodes/pve/lxc/156 and answers from a script."""

    def __init__(self, calls, config, pending, status="running"):
        self.calls, self.config, self.pending, self.status_value = calls, config, pending, status

    def __call__(self, *args):
        return self

    def __getattr__(self, name):
        return Path(self, [name])


class Path:
    def __init__(self, node, parts):
        self.node, self.parts = node, parts

    def __call__(self, *args):
        return self

    def __getattr__(self, name):
        if name in ("get", "put", "post"):
            return lambda **kw: self.node.answer(name, "/".join(self.parts), kw)
        return Path(self.node, self.parts + [name])


def answer(self, method, path, kwargs):
    self.calls.append((method, path, kwargs))
    if path.endswith("resources"):
        return [{"vmid": 156, "type": "lxc", "node": "pve", "name": "jellyfin", "status": self.status_value}]
    if path.endswith("config") and method == "get":
        return dict(self.config)
    if path.endswith("pending"):
        return self.pending
    if path.endswith("status/current"):
        return {"status": self.status_value}
    return None


Node.answer = answer


class FakeClient:
    effective_user = "root@pam"
    is_root_pam = True

    def __init__(self, module):
        self.api = FakeClient.node


def run(monkeypatch, module, config=None, pending=None, user="root@pam"):
    calls = []
    node = Node(calls, config or CONFIG, pending or [])
    monkeypatch.setattr(pg, "ProxmoxClient", FakeClient)
    FakeClient.node = node
    FakeClient.effective_user = user
    FakeClient.is_root_pam = user == "root@pam"
    with pytest.raises((Done, Failed)) as info:
        pg.GuestManager(module).run()
    return info, [(m, p) for m, p, _kw in calls], calls


def test_update_sends_digest_and_keeps_hwaddr(monkeypatch):
    module = FakeModule(config={"memory": 2048, "net0": "name=eth0,bridge=vmbr0,ip=192.0.2.57/24"})
    info, _paths, calls = run(monkeypatch, module)
    puts = [kw for m, _p, kw in calls if m == "put"]
    assert len(puts) == 1
    assert puts[0]["digest"] == CONFIG["digest"]
    assert puts[0]["memory"] == "2048"
    assert "hwaddr=BC:24:11:AA:BB:CC" in puts[0]["net0"] and "ip=192.0.2.57/24" in puts[0]["net0"]
    result = info.value.args[0]
    assert info.type is Done and result["changed"] is True
    assert result["diff"]["before"]["memory"] == "4096" and result["diff"]["after"]["memory"] == "2048"


def test_no_change_means_no_write(monkeypatch):
    module = FakeModule(config={"memory": 4096, "net0": {"ip": "192.0.2.56/24"}})
    info, _paths, calls = run(monkeypatch, module)
    assert [c for c in calls if c[0] != "get"] == []
    assert info.value.args[0]["changed"] is False


def test_check_mode_reads_only(monkeypatch):
    module = FakeModule(check_mode=True, config={"memory": 1024})
    info, _paths, calls = run(monkeypatch, module)
    assert all(method == "get" for method, _p, _kw in calls)
    assert info.value.args[0]["changed"] is True


def test_token_is_refused_before_any_write(monkeypatch):
    module = FakeModule(config={"dev0": "/dev/dri/renderD128,gid=104", "memory": 1024})
    info, _paths, calls = run(monkeypatch, module, user="automation@pve!ansible")
    assert info.type is Failed
    assert "root@pam" in info.value.args[0]["msg"] and "api_password" in info.value.args[0]["msg"]
    assert all(method == "get" for method, _p, _kw in calls)


def test_pending_keys_are_reported(monkeypatch):
    pending = [{"key": "dev0", "pending": "/dev/dri/renderD128,gid=104"}, {"key": "memory", "value": "4096"}]
    module = FakeModule(config={"memory": 4096})
    info, _paths, _calls = run(monkeypatch, module, pending=pending)
    result = info.value.args[0]
    assert result["pending"] == ["dev0"] and result["restart_needed"] is True
    assert module.warnings and "dev0" in module.warnings[0]


def test_absent_needs_confirmation(monkeypatch):
    module = FakeModule(state="absent")
    info, _paths, calls = run(monkeypatch, module)
    assert info.type is Failed and "confirm_destroy" in info.value.args[0]["msg"]
    assert all(method == "get" for method, _p, _kw in calls)


def test_restart_only_when_allowed(monkeypatch):
    pending = [{"key": "dev0", "pending": "/dev/dri/renderD128,gid=104"}]
    monkeypatch.setattr(pg.GuestManager, "wait", lambda self, upid, verb: None)
    _info, paths, _calls = run(monkeypatch, FakeModule(config={"memory": 4096}), pending=pending)
    assert ("post", "nodes/lxc/status/shutdown") not in paths
    _info, paths, _calls = run(monkeypatch, FakeModule(config={"memory": 4096}, restart=True), pending=pending)
    posts = [p for m, p in paths if m == "post"]
    assert posts == ["nodes/lxc/status/shutdown", "nodes/lxc/status/start"]
