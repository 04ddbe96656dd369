"""A grid of ranks with one communicator per axis, for combining parallelisms."""
import numpy as np

from autograd.errors import ArgumentError

from .comm import check_same, get_comm


class DeviceMesh:
    """The ranks of `comm` laid out row-major on a grid of `mesh_shape` (the last axis
    varies fastest: with ``("dp", "tp")``, consecutive ranks form a tensor-parallel
    group). ``mesh[name]`` (or ``get_group(name)``) is the communicator of this rank's
    line along that axis: the ranks whose other coordinates equal this rank's."""

    def __init__(self, mesh_shape, mesh_dim_names=None, comm=None):
        comm = get_comm(comm)
        shape = tuple(int(s) for s in mesh_shape)
        if int(np.prod(shape)) != comm.Get_size():
            raise ArgumentError(f"DeviceMesh: a mesh of shape {shape} needs "
                                f"{int(np.prod(shape))} ranks, the communicator has "
                                f"{comm.Get_size()}")
        names = tuple(mesh_dim_names) if mesh_dim_names else tuple(
            f"dim{i}" for i in range(len(shape)))
        if len(names) != len(shape) or len(set(names)) != len(names):
            raise ArgumentError(f"DeviceMesh: mesh_dim_names {names} must be {len(shape)} "
                                f"distinct names")
        self.shape, self.mesh_dim_names, self.comm = shape, names, comm
        self.coordinate = tuple(int(c) for c in np.unravel_index(comm.Get_rank(), shape))
        # every rank here with the same mesh before the blocking Splits: through the
        # watchdog, so a rank that ended or built another mesh ends the job, not hangs it
        check_same(comm, [shape, names], "DeviceMesh: the mesh's shape and axis names")
        self._groups = {}
        for axis, name in enumerate(names):          # the same order on every rank
            others = list(self.coordinate)
            others[axis] = 0
            color = int(np.ravel_multi_index(others, shape))
            self._groups[name] = comm.Split(color, self.coordinate[axis])

    def get_group(self, name):
        if name not in self._groups:
            raise ArgumentError(f"DeviceMesh: no axis named {name!r} (axes: "
                                f"{', '.join(self.mesh_dim_names)})")
        return self._groups[name]

    __getitem__ = get_group

    def __repr__(self):
        return (f"DeviceMesh(shape={self.shape}, names={self.mesh_dim_names}, "
                f"coordinate={self.coordinate})")


def init_device_mesh(device_type, mesh_shape, mesh_dim_names=None, comm=None):
    """PyTorch's ``init_device_mesh``: a ``DeviceMesh`` over the ranks of `comm`
    (COMM_WORLD by default). `device_type` must be ``"cpu"``."""
    if device_type != "cpu":
        raise ArgumentError(f"init_device_mesh: gradgraph runs on the CPU; got device_type "
                            f"{device_type!r}")
    return DeviceMesh(mesh_shape, mesh_dim_names, comm)
