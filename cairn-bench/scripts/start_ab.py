#!/usr/bin/env python3
"""Start-up A/B of Cairn builds: launch to the first acknowledged produce, wall time and process CPU.

Launches each build's node (`java -Xms1g -Xmx1g -cp <jar>:<lib>/* io.cairn.server.CairnMain start`) on a
free loopback port with an empty data directory, produces one record with kcat (retrying every 10 ms with
short client backoffs, so the client does not quantise the figure), then reads the process's CPU time from
/proc before stopping it. Builds are interleaved run by run, so a machine that speeds up or slows down
affects both alike. Needs Linux, python3 and kcat (Debian package `kcat`).

    python3 cairn-bench/scripts/start_ab.py --runs 12 /path/to/a/cairn-server/target /path/to/b/cairn-server/target

A target is a cairn-server/target directory after `mvn -DskipTests package` (the jar and lib/). Extra JVM
options for every launch: --jvm-opt=-Xlog:class+load=info:file=/tmp/classes.log (repeatable).
"""
import argparse
import glob
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_cpu_seconds(pid):
    """User + system CPU of the whole process (all threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch_once(target, jvm_opts, timeout_s):
    jars = [j for j in glob.glob(os.path.join(target, "cairn-server-*.jar"))
            if not j.endswith(("-sources.jar", "-tests.jar", "-javadoc.jar"))]
    if not jars:
        sys.exit(f"no cairn-server jar in {target} (run: mvn -DskipTests package)")
    port = free_port()
    data = tempfile.mkdtemp(prefix="cairn-start-ab-")
    log = open(os.path.join(data, "node.out"), "w")
    cmd = ["java", "-Xms1g", "-Xmx1g", *jvm_opts, "-cp", f"{jars[0]}:{target}/lib/*", "io.cairn.server.CairnMain",
           "start", "--host", "127.0.0.1", "--port", str(port), "--data-dir", os.path.join(data, "data"),
           "--node-id", "1"]
    started = time.monotonic()
    node = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            if node.poll() is not None:
                sys.exit(f"node exited with {node.returncode}; its output is in {log.name}")
            if time.monotonic() - started > timeout_s:
                sys.exit(f"no acknowledged produce after {timeout_s} s; node output in {log.name}")
            produced = subprocess.run(
                ["kcat", "-P", "-b", f"127.0.0.1:{port}", "-t", "start-ab", "-X", "message.timeout.ms=3000",
                 "-X", "reconnect.backoff.ms=10", "-X", "reconnect.backoff.max.ms=20", "-X", "retry.backoff.ms=10"],
                input=b"hello\n", capture_output=True)
            if produced.returncode == 0 and b"ERROR" not in produced.stderr:
                break
            time.sleep(0.01)
        wall = time.monotonic() - started
        cpu = process_cpu_seconds(node.pid)
    finally:
        node.terminate()
        node.wait()
        log.close()
    shutil.rmtree(data, ignore_errors=True)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="cairn-server/target directories to compare")
    parser.add_argument("--runs", type=int, default=10, help="launches of each build (default 10)")
    parser.add_argument("--jvm-opt", action="append", default=[], help="an extra JVM option (repeatable)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for a produce (default 60)")
    args = parser.parse_args()
    if shutil.which("kcat") is None:
        sys.exit("kcat is not installed (Debian: apt-get install kcat)")
    results = {t: [] for t in args.targets}
    for run in range(1, args.runs + 1):
        for target in args.targets:
            wall, cpu = launch_once(target, args.jvm_opt, args.timeout)
            results[target].append((wall, cpu))
            print(f"run {run}: {target}: wall {wall:.3f} s, cpu {cpu:.2f} s", flush=True)
    for target, samples in results.items():
        walls = [w for w, _ in samples]
        cpus = [c for _, c in samples]
        print(f"{target}: wall median {statistics.median(walls):.3f} s (min {min(walls):.3f}, "
              f"max {max(walls):.3f}), cpu median {statistics.median(cpus):.2f} s, {len(samples)} runs")


if __name__ == "__main__":
    main()
