#!/usr/bin/env python3
"""The cost of metrics on the Check benchmark: runs `entitlements-bench --only Check` with
ENTITLEMENTS_METRICS=true and false, alternating (the order flips every round), with the server
pinned to CPU 0 and the bench (the client) to CPU 1 so that neither steals the other's core, and
reports Check's and the no-op floor's throughput and the server's CPU time per Check call: its
utime+stime (/proc/<pid>/stat) from the start of the Check scenario to the next, divided by the
calls the bench counted (throughput x 11 s: 1 s warm-up, 10 s measured). CPU per call is far
steadier than throughput on a shared machine.

Usage: crates/bench/scripts/metrics-overhead.py ROUNDS [BENCH_BINARY]
(BENCH_BINARY defaults to target/release/entitlements-bench; build it and the server first with
`cargo build --release -p entitlements-server -p entitlements-bench`.) Linux only (taskset, /proc)."""
import os, re, subprocess, sys, time
BENCH = sys.argv[2] if len(sys.argv) > 2 else "target/release/entitlements-bench"
TICK = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK
def server_pid(bench_pid):
    for _ in range(100):
        out = subprocess.run(["pgrep", "-P", str(bench_pid), "-f", "entitlements-server"], capture_output=True, text=True).stdout.split()
        if out: return int(out[0])
        time.sleep(0.05)
    raise SystemExit("no server")
results = {"true": [], "false": []}
rounds = int(sys.argv[1])
for round_ in range(rounds):
    order = ("true", "false") if round_ % 2 == 0 else ("false", "true")
    for mode in order:
        env = dict(os.environ, ENTITLEMENTS_METRICS=mode)
        bench = subprocess.Popen(["taskset", "-c", "1", BENCH, "--subscriptions", "10000", "--only", "Check", "--duration-secs", "10"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        start = end = throughput = floor = None
        pinned = False
        for line in bench.stdout:
            if not pinned and "running gRPC" in line:
                # The server is the bench's child: moved to CPU 0 with all its threads.
                subprocess.run(["taskset", "-a", "-p", "-c", "0", str(server_pid(bench.pid))], capture_output=True)
                pinned = True
            if "running gRPC Check" in line and start is None:
                start = cpu(server_pid(bench.pid))
            elif "running gRPC CheckBulk" in line and start is not None and end is None:
                end = cpu(server_pid(bench.pid))
            m = re.match(r"\| gRPC Check \| ([\d,]+)/s", line)
            if m: throughput = int(m.group(1).replace(",", ""))
            m = re.match(r"\| gRPC grpc.health.v1.Health/Check \| ([\d,]+)/s", line)
            if m: floor = int(m.group(1).replace(",", ""))
        bench.wait()
        per_call_us = (end - start) / (throughput * 11) * 1e6
        results[mode].append((per_call_us, throughput, floor))
        print(f"round {round_+1} metrics={mode}: Check {throughput}/s (floor {floor}/s), server CPU {end-start:.2f} s, {per_call_us:.2f} us CPU per call", flush=True)
for mode, values in results.items():
    cpu_values = sorted(v[0] for v in values); tp = sorted(v[1] for v in values); fl = sorted(v[2] for v in values)
    print(f"metrics={mode}: CPU per call median {cpu_values[len(cpu_values)//2]:.2f} us (all {['%.2f' % v for v in cpu_values]}); Check median {tp[len(tp)//2]}/s; floor median {fl[len(fl)//2]}/s")
