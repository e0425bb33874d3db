"""What the unit tests share to run the collection as a user does: ansible-playbook on localhost
with this checkout as homelab.mediastack, and the stand-ins loaded from their files."""

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STANDINS = ROOT / "tests" / "standins"


def load_standin(name, relative_path):
    """A stand-in's file as a module (the stand-ins are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, STANDINS / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on (for a stand-in, or an app that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(standin, **kwargs):
    """A stand-in module's server (its ``serve(port, **kwargs)``) on a free local port, for the block:
    yields (its base URL, its state)."""
    port = free_port()
    server, state = standin.serve(port, **kwargs)
    try:
        yield "http://127.0.0.1:%d" % port, state
    finally:
        server.shutdown()


def ansible_env(**overrides):
    """The environment ansible-playbook and ansible-inventory run with: the project's ansible.cfg,
    this checkout as homelab.mediastack, no colour, no localhost/unparsed-inventory warnings, and
    ``overrides`` (ANSIBLE_STDOUT_CALLBACK=..., say)."""
    # PYTHONUNBUFFERED: a play's lines reach a test that reads them while it runs (a pipe is
    # block-buffered otherwise; found on a new machine, whose environment does not set it).
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               PYTHONUNBUFFERED="1")
    env.update(overrides)
    return env


def ansible_command(name):
    """The path of an Ansible command (ansible-playbook, ansible-inventory) of this interpreter's venv."""
    return str(Path(sys.executable).parent / name)


def role_play(role, tasks_from=None):
    """A play that includes one role (``tasks_from`` its task file) on localhost, for run_playbook."""
    return ("- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
            "    - ansible.builtin.include_role:\n        name: %s\n" % role
            + ("        tasks_from: %s\n" % tasks_from if tasks_from else ""))


def run_playbook(play, *args, timeout=300, env=None):
    """ansible-playbook ``play`` (a path) with ansible_env(**env) and the test's interpreter; extra
    command-line ``args`` (``-e @vars.json``, ``-i hosts``, ``--check``). Returns the CompletedProcess."""
    command = [ansible_command("ansible-playbook"), str(play),
               "-e", "ansible_python_interpreter=%s" % sys.executable] + [str(a) for a in args]
    return subprocess.run(command, capture_output=True, text=True, env=ansible_env(**(env or {})), check=False,
                          timeout=timeout)
