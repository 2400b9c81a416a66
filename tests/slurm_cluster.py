"""A throwaway single-node SLURM (munged, slurmctld, slurmd) started and stopped by the tests.

Why a real one: what can go wrong in a cluster run (profile lookup, the sbatch options the
plugin builds, GPU requests, status polling) lives in the scheduler's answers, which a mock
would only repeat our assumptions about. Needs root for the daemons, the munge socket and
/etc/slurm/slurm.conf: the plugin's job step deletes SLURM_CONF, so no other path works.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ETC = Path("/etc/slurm")
MUNGE_SOCKET = Path("/run/munge/munge.socket.2")
MARK = "# Written by posart tests/slurm_cluster.py; removed when the test cluster stops."
BINARIES = ("munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo")
# Finished jobs stay visible to squeue this long. The plugin only trusts squeue when this is at
# least 3x its status-check delay (else it falls back to sacct, which has no database here),
# and the tests read every job of a run back from squeue after the run.
MIN_JOB_AGE = 3600
CLUSTER = "posart-test"

SLURM_CONF = """{mark}
ClusterName={cluster}
SlurmctldHost={node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/d
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
# No cgroups in this sandbox; no accounting database (so no sacct).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MinJobAge={min_job_age}
ReturnToService=2
# SIGTERM to SIGKILL on scancel, so the teardown need not wait long.
KillWait=2
MpiDefault=none
MailProg=/bin/true
GresTypes=gpu
{node_line} NodeAddr=127.0.0.1 Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""
# One count-only GPU (no device file): sbatch --gpus=1 is scheduled as on a GPU cluster and the
# job runs on the CPU, which is how the workflow's real GPU requests are tested on a CPU machine.
GRES_CONF = "{mark}\nAutoDetect=off\nNodeName={node} Name=gpu File=/dev/null\n"


def unavailable() -> str | None:
    """Why no test cluster can be started on this machine, or None when it can."""
    if os.geteuid() != 0:
        return "starting SLURM daemons needs root"
    missing = [name for name in BINARIES if shutil.which(name) is None]
    if missing:
        return f"SLURM/munge not installed (no {', '.join(missing)}): run .ci/install-slurm.sh"
    for conf in (ETC / "slurm.conf", ETC / "gres.conf"):
        if conf.exists() and MARK not in conf.read_text():
            return f"{conf} belongs to a real SLURM installation; not replacing it"
    return None


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the test process dies, so no daemon outlives it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _run(*command: str, timeout: float = 30) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout).stdout


@dataclass
class Job:
    """One line of `squeue --states=all`: what SLURM recorded about a submitted job."""

    id: str
    name: str
    state: str
    comment: str


class SlurmCluster:
    """Context manager: a one-node cluster `node` with partition `debug`, gone again on exit."""

    def __init__(self, state: Path) -> None:
        self.state = state  # an empty directory for the daemons' state and logs
        self.node = ""
        self.processes: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> "SlurmCluster":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 30) -> None:
        # `slurmd -C` prints this machine's NodeName/CPUs/topology/RealMemory exactly as slurmd
        # will detect them; a NodeName line that claims more would get the node drained.
        node_line = _run("slurmd", "-C").splitlines()[0]
        self.node = node_line.split()[0].removeprefix("NodeName=")
        fields = {"mark": MARK, "cluster": CLUSTER, "node": self.node, "state": self.state, "min_job_age": MIN_JOB_AGE}
        ETC.mkdir(parents=True, exist_ok=True)
        (ETC / "slurm.conf").write_text(SLURM_CONF.format(node_line=node_line, **fields))
        (ETC / "gres.conf").write_text(GRES_CONF.format(**fields))
        for sub in ("ctld", "d"):
            (self.state / sub).mkdir()
        self._start_munge()
        self._spawn("slurmctld", "slurmctld", "-D", "-i")
        self._spawn("slurmd", "slurmd", "-D")
        self._wait(timeout)

    def _start_munge(self) -> None:
        """Use a running munged if there is one (e.g. the system's), else start our own."""
        if subprocess.run(["munge", "-n"], capture_output=True).returncode == 0:
            return
        MUNGE_SOCKET.parent.mkdir(parents=True, exist_ok=True)
        shutil.chown(MUNGE_SOCKET.parent, "munge", "munge")
        self._spawn("munged", "munged", "--foreground", user="munge")
        deadline = time.monotonic() + 10
        while subprocess.run(["munge", "-n"], capture_output=True).returncode != 0:
            self._check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("munged did not come up:\n" + self.logs())
            time.sleep(0.1)

    def _spawn(self, name: str, *command: str, user: str | None = None) -> None:
        """Start a daemon in the foreground (so we hold its pid), logging to `state/<name>.out`."""
        with open(self.state / f"{name}.out", "wb") as out:
            self.processes[name] = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                user=user,
                group=user,
            )

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n" + self.logs())

    def _wait(self, timeout: float) -> None:
        """Until the node takes jobs: slurmd registered and the node is idle."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            probe = subprocess.run(
                ["sinfo", "--noheader", "--format=%T", "--nodes", self.node], capture_output=True, text=True
            )
            state = probe.stdout.strip()
            if probe.returncode == 0 and state == "idle":
                return
            if state.startswith(("inval", "drain")):
                raise RuntimeError(f"node {self.node} is {state}:\n" + self.logs())
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"node {self.node} not idle after {timeout} s "
                    f"(sinfo: {state or probe.stderr.strip()}):\n" + self.logs()
                )
            time.sleep(0.1)

    def jobs(self) -> list[Job]:
        """Every job slurmctld still remembers (finished ones for MIN_JOB_AGE seconds)."""
        out = _run("squeue", "--states=all", "--noheader", "--format=%i|%j|%T|%k")
        return [Job(*line.split("|", 3)) for line in out.splitlines()]

    def show(self, job_id: str) -> str:
        """`scontrol show job`: what SLURM granted a job (also after it finished)."""
        return _run("scontrol", "show", "job", job_id)

    def logs(self) -> str:
        """The daemons' logs (in the foreground they log to stderr), for failure messages."""
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.state.glob("*.out"))
        )

    def stop(self) -> None:
        """Cancel all jobs, stop the daemons we started and remove our configuration."""
        try:
            if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
                self._cancel_jobs()
            _kill_job_processes()
        finally:
            for name in ("slurmd", "slurmctld", "munged"):
                process = self.processes.pop(name, None)
                if process is not None:
                    _terminate_group(process)
            for conf in (ETC / "slurm.conf", ETC / "gres.conf"):
                if conf.exists() and MARK in conf.read_text():
                    conf.unlink()

    def _cancel_jobs(self, timeout: float = 20) -> None:
        subprocess.run(["scancel", "--user", "root"], capture_output=True, timeout=30)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(
            job.state in ("PENDING", "RUNNING", "COMPLETING") for job in self.jobs()
        ):
            time.sleep(0.2)


def _kill_job_processes(grace: float = 5) -> None:
    """Wait for our jobs' processes to end, SIGKILL them after `grace` seconds. Without cgroups
    a process forked just as its job is cancelled can escape slurmstepd, which then waits on."""
    pids = _job_processes()
    deadline = time.monotonic() + grace
    while pids:
        if time.monotonic() > deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.1)
        pids = {pid for pid in pids if _running(pid)}


def _running(pid: int) -> bool:
    """Exists and is no zombie (this machine's init reaps orphans only about once a second)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _job_processes() -> set[int]:
    """Every process of our jobs (they, and only they, carry our cluster's name in their
    environment) and the slurmstepd above each."""
    marker = f"\0SLURM_CLUSTER_NAME={CLUSTER}\0".encode()
    pids = set()
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and marker in b"\0" + (proc / "environ").read_bytes():
                pids.add(int(proc.name))
                parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
                if Path(f"/proc/{parent}/comm").read_text().strip() == "slurmstepd":
                    pids.add(int(parent))
    return pids


def _terminate_group(process: subprocess.Popen) -> None:
    """SIGTERM the daemon's process group (slurmctld's slurmscriptd too), then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
