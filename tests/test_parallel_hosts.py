"""Two hosts on one machine: DDP and the tensor-parallel GPT across network namespaces.

As root, the test makes two network namespaces joined by a veth pair, each end with
its own address, and starts ``mpiexec`` in the first. Open MPI's remote launcher
agent (``plm_ssh_agent``, normally ssh) is a small script that enters the namespace
named for the host, with a hostname of its own (a UTS namespace, so Open MPI sees two
nodes), and runs the command there. The hostfile lists the two addresses; the ranks
talk over TCP on the veth pair (``btl tcp,self``). Skips, saying why, where
namespaces cannot be made (not root, no ``ip``/``unshare``, no permission).
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from nn.parallel.launch import launch_env, mpiexec_path
from test_parallel import ROOT, needs_mpi

AGENT = """#!/bin/sh
# Stand-in for ssh: "agent [options] HOST COMMAND..." runs COMMAND in HOST's namespace.
while [ "${1#-}" != "$1" ]; do shift; done
host=$1; shift
case $host in
%s
  *) echo "agent: unknown host $host" >&2; exit 1;;
esac
exec ip netns exec "$ns" unshare --uts /bin/sh -c "hostname $ns; $*"
"""


def _run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def _namespaces_missing():
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "unshare"):
        if shutil.which(tool) is None:
            return f"no `{tool}` command (install iproute2 / util-linux)"
    return None


@pytest.fixture
def two_hosts():
    """[(namespace, address)] of two namespaces joined by a veth pair; removed after."""
    why = _namespaces_missing()
    if why:
        pytest.skip(why)
    tag = os.getpid() % 100000
    subnet = f"10.{200 + tag % 50}.{tag % 250}"
    hosts = [(f"gghost{tag}a", f"{subnet}.1"), (f"gghost{tag}b", f"{subnet}.2")]
    links = [f"ggv{tag}a", f"ggv{tag}b"]
    steps = [("ip", "netns", "add", hosts[0][0]), ("ip", "netns", "add", hosts[1][0]),
             ("ip", "link", "add", links[0], "type", "veth", "peer", "name", links[1])]
    for (ns, addr), link in zip(hosts, links):
        steps += [("ip", "link", "set", link, "netns", ns),
                  ("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", link),
                  ("ip", "-n", ns, "link", "set", link, "up"),
                  ("ip", "-n", ns, "link", "set", "lo", "up")]
    try:
        for step in steps:
            proc = _run(*step)
            if proc.returncode:
                pytest.skip(f"cannot make network namespaces: `{' '.join(step)}`: "
                            f"{proc.stderr.strip()}")
        yield hosts, f"{subnet}.0/24"
    finally:
        for ns, _ in hosts:
            _run("ip", "netns", "del", ns)


@needs_mpi
@pytest.mark.hosts
def test_ddp_and_tensor_parallel_across_two_hosts(two_hosts, tmp_path):
    hosts, subnet = two_hosts
    agent = tmp_path / "agent.sh"
    agent.write_text(AGENT % "\n".join(f"  {addr}) ns={ns};;" for ns, addr in hosts))
    agent.chmod(0o755)
    hostfile = tmp_path / "hosts"
    hostfile.write_text("".join(f"{addr} slots=1\n" for _, addr in hosts))
    env = launch_env()
    env.pop("PRTE_MCA_rmaps_default_mapping_policy", None)    # one rank per host:
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    cmd = ["ip", "netns", "exec", hosts[0][0], mpiexec_path(), "-n", "2", "--hostfile",
           str(hostfile), "--map-by", "node", "--mca", "plm_ssh_agent", str(agent), "--mca", "btl", "tcp,self",
           "--mca", "btl_tcp_if_include", subnet, "--mca", "oob_tcp_if_include", subnet,
           sys.executable, os.path.join(ROOT, "tests", "mpi", "hosts_checks.py")]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=90,
                              start_new_session=True)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the two-host job did not end in 90 s: {e.stdout}\n{e.stderr}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, \
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    results = json.loads(lines[-1][len("RESULTS "):])
    assert results == {"ranks_on_two_hosts": "ok", "ddp_matches_single_process": "ok",
                       "tp_gpt_matches_single_process": "ok"}, results
