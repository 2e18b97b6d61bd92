#!/usr/bin/env bash
# A real one-node Slurm on this machine, for trying the sweep's job-array script end to end without a cluster:
# munged, slurmctld and slurmd as plain daemons (no systemd), their configuration and state in one folder.
#
#   benchmarks/slurm/local-slurm.sh start    # writes slurm.conf, starts the three daemons, waits for the node
#   benchmarks/slurm/local-slurm.sh env      # prints `export SLURM_CONF=...` for sbatch, squeue, sacct, scontrol
#   benchmarks/slurm/local-slurm.sh stop     # stops them (by the pid files it wrote) and removes the folder
#
# Needs Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge); run as root, or as a user who can write
# LOCAL_SLURM_DIR. The node is this host with LOCAL_SLURM_CPUS CPUs (default 2, at most what nproc reports), one
# partition "local"; accounting, cgroups and task affinity are off, so nothing outside the folder is configured.
set -euo pipefail

dir=${LOCAL_SLURM_DIR:-/tmp/local-slurm}
cpus=${LOCAL_SLURM_CPUS:-2}
host=$(hostname -s)
user=$(id -un)
conf="$dir/slurm.conf"

die() { echo "local-slurm: $*" >&2; exit 1; }

need() {
  for program in munged slurmctld slurmd sbatch sinfo; do
    command -v "$program" > /dev/null || [ -x "/usr/sbin/$program" ] ||
      die "$program not found; install Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge)"
  done
}

sbin() { if command -v "$1" > /dev/null; then command -v "$1"; else echo "/usr/sbin/$1"; fi; }

write_config() {
  mkdir -p "$dir"/{munge,state,spool,log}
  chmod 700 "$dir/munge"
  # A fresh key per cluster: munge authenticates slurmctld, slurmd and the client commands to each other.
  if [ ! -f "$dir/munge/munge.key" ]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
  fi
  local memory
  memory=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
  cat > "$conf" <<CONF
# Written by benchmarks/slurm/local-slurm.sh: a one-node cluster on $host, all state under $dir.
ClusterName=local
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmctldPort=${LOCAL_SLURM_PORT:-6817}
SlurmdPort=$(( ${LOCAL_SLURM_PORT:-6817} + 1 ))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups (a container or a laptop may not delegate them) and no accounting database.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
# Short timers: a test cluster should notice a finished job within seconds.
SchedulerParameters=sched_interval=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
# Finished jobs stay visible to scontrol for a day (Slurm's default forgets them after 300 s), so a script that checks
# every task's state after a long array, or on a loaded machine, sees them all.
MinJobAge=86400
KillWait=10
Waittime=0
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
}

start() {
  need
  [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2> /dev/null && die "already running (state in $dir); stop it first"
  write_config
  "$(sbin munged)" --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
  # -c: a clean start, no jobs left over from an earlier cluster in the same folder. Both daemonize.
  "$(sbin slurmctld)" -f "$conf" -c
  "$(sbin slurmd)" -f "$conf"
  export SLURM_CONF="$conf"
  for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$host" -o %T 2> /dev/null || true)
    case "$state" in
      idle*|mixed*|allocated*) echo "local-slurm: node $host is $state, $cpus CPUs; export SLURM_CONF=$conf"; return 0 ;;
    esac
    sleep 1
  done
  echo "local-slurm: node $host did not come up; logs:" >&2
  tail -n 20 "$dir"/log/*.log >&2 || true
  exit 1
}

stop() {
  # Only the daemons this script started, by the pid files it wrote.
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      if kill -0 "$pid" 2> /dev/null; then
        kill "$pid"
        for _ in $(seq 1 20); do kill -0 "$pid" 2> /dev/null || break; sleep 0.5; done
      fi
    fi
  done
  rm -rf "$dir"
  echo "local-slurm: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) die "usage: $0 start|stop|env" ;;
esac
