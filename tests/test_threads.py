"""ftlab.threads reads the CPU quota from cgroup files (v2 and v1), as a Binder container must."""
import subprocess
import sys

import pytest

from ftlab.threads import available_cpus, cpu_quota, set_torch_threads


def _tree(tmp_path, files, proc):
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "proc").write_text(proc)
    return tmp_path, tmp_path / "proc"


def test_v2_quota_of_the_own_cgroup_and_the_tightest_parent(tmp_path):
    root, proc = _tree(tmp_path, {"cpu.max": "max 100000\n", "user/cpu.max": "50000 100000\n",
                                  "user/pod/cpu.max": "200000 100000\n"}, "0::/user/pod\n")
    assert cpu_quota(root, proc) == 0.5  # the parent's half core binds the pod's two
    assert available_cpus(root, proc) == 1


def test_v2_without_a_limit_and_a_namespaced_path(tmp_path):
    root, proc = _tree(tmp_path, {"cpu.max": "max 100000\n"}, "0::/not/in/this/mount\n")
    assert cpu_quota(root, proc) is None
    assert available_cpus(root, proc) == len(__import__("os").sched_getaffinity(0))


def test_v1_cfs_quota(tmp_path):
    root, proc = _tree(tmp_path, {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n",
                                  "cpu/binder/cpu.cfs_quota_us": "150000\n",
                                  "cpu/binder/cpu.cfs_period_us": "100000\n"},
                       "4:memory:/x\n2:cpuacct:/\n1:cpu:/binder\n")
    assert cpu_quota(root, proc) == 1.5
    assert available_cpus(root, proc) == min(2, len(__import__("os").sched_getaffinity(0)))


def test_module_prints_the_core_count_and_torch_takes_it():
    out = subprocess.run([sys.executable, "-m", "ftlab.threads"], capture_output=True, text=True, check=True)
    assert int(out.stdout) == available_cpus()
    import torch

    before = torch.get_num_threads()
    try:
        assert set_torch_threads(1) == 1 and torch.get_num_threads() == 1
        with pytest.raises(ValueError, match="whole number of threads"):
            set_torch_threads(0)
    finally:
        torch.set_num_threads(before)
