"""Run by tests/test_parallel_hosts.py on two "hosts" (network namespaces on one
machine, each with its own address and hostname), over TCP: the ranks are on
different nodes, and DDP and the tensor-parallel GPT equal one process's training."""
from mpi4py import MPI

import parallel_checks
import transformer_checks


def ranks_on_two_hosts(comm):
    names = comm.allgather(MPI.Get_processor_name())
    assert len(set(names)) == comm.Get_size(), f"processor names {names}"


if __name__ == "__main__":
    parallel_checks.main([ranks_on_two_hosts, parallel_checks.ddp_matches_single_process,
                          transformer_checks.tp_gpt_matches_single_process])
