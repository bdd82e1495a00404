#!/usr/bin/env python3
"""Restart-to-registered of a 3-node Cairn cluster, from the nodes' own logs.

    python3 cairn-bench/scripts/restart_times.py [--root TREE] [--rounds 6] [--base-port 29092] [--secure]

Brings up `TREE/bin/cairn-cluster up -n 3` in a temporary directory, then, round after round, kill -9 one
node (alternately the active controller and another node), relaunches it at once and reads from its log
when it logged "registered as broker": the time from the relaunch to that line is the figure. Also
prints the time from the relaunch to the first "Cairn started" line. Every wait is bounded; the cluster is
stopped and its directory deleted at the end. --secure: the cluster of `cairn-cluster up --secure` (SASL_SSL,
ACLs, Raft with mutual TLS on Ratis's gRPC transport, docs/adr/0025).
"""
import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

LINE_TIME = re.compile(r"^(?:\d{4}-\d\d-\d\d )?(\d\d):(\d\d):(\d\d)\.(\d\d\d) ")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def log_time(line, day):
    m = LINE_TIME.match(line)
    if not m:
        return None
    h, mi, s, ms = (int(g) for g in m.groups())
    return day.replace(hour=h, minute=mi, second=s, microsecond=ms * 1000).timestamp()


def first_after(log, offset, needle, deadline):
    """Seconds-since-epoch of the first line containing needle written after byte offset, or None."""
    day = datetime.datetime.now().replace(tzinfo=None)
    while time.time() < deadline:
        with open(log, errors="replace") as f:
            f.seek(offset)
            for line in f:
                if needle in line:
                    return log_time(line, day)
        time.sleep(0.05)
    return None


def controller(cairn, bootstrap, security):
    out = run([cairn, "cluster-status", "--bootstrap", bootstrap, "--expect", "3", "--wait", "60"] + security)
    return int(re.search(r"controller (\d+)", out).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--base-port", type=int, default=29092)
    ap.add_argument("--secure", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    cluster, cairn = os.path.join(root, "bin", "cairn-cluster"), os.path.join(root, "bin", "cairn")
    d = tempfile.mkdtemp(prefix="cairn-restart-")
    opts = ["--dir", d]
    security = ["--command-config", os.path.join(d, "client.properties")] if args.secure else []
    results = []
    try:
        bootstrap = run([cluster, "up", "-n", "3", "--base-port", str(args.base_port)] + opts
                        + (["--secure"] if args.secure else [])).strip().splitlines()[0]
        for r in range(args.rounds):
            ctl = controller(cairn, bootstrap, security)
            victim = ctl if r % 2 == 0 else (ctl % 3) + 1
            log = os.path.join(d, "node%d" % victim, "cairn.log")
            run([cluster, "kill", str(victim)] + opts)
            offset = os.path.getsize(log)
            launched = time.time()
            run([cluster, "start", str(victim)] + opts)
            deadline = launched + 90
            started = first_after(log, offset, "Cairn started", deadline)
            registered = first_after(log, offset, "registered as broker", deadline)
            kind = "controller" if victim == ctl else "non-controller"
            results.append((kind, started and started - launched, registered and registered - launched))
            print("round %d: %s node %d: started %.2f s, registered %.2f s after the relaunch"
                  % (r, kind, victim, results[-1][1] or -1, results[-1][2] or -1), flush=True)
            run([cairn, "cluster-status", "--bootstrap", bootstrap, "--expect", "3", "--wait", "90", "--quiet"]
                + security)
    finally:
        subprocess.run([cluster, "down"] + opts, capture_output=True)
        shutil.rmtree(d, ignore_errors=True)
    for kind in ("controller", "non-controller"):
        regs = sorted(x[2] for x in results if x[0] == kind and x[2] is not None)
        if regs:
            print("%s restarts: registered after median %.2f s, max %.2f s (%d rounds)"
                  % (kind, regs[len(regs) // 2], regs[-1], len(regs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
