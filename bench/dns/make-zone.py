#!/usr/bin/env python3
"""Writes the benchmark data: the berth. zone and its reverse zone as master files (for NSD,
Knot and Berth alike) and a dnsperf query file: 70% A, 10% SRV, 10% PTR, 10% NXDOMAIN.

10,000 task names: 2,500 jobs with a group "web" of 4 tasks, each task an A record and a PTR,
each group an SRV RRset of its 4 tasks (the names of ../../shared/DESIGN.md).
"""
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "."
JOBS, TASKS = 2500, 4
rng = random.Random(7)

def addr(job, task):
    n = job * TASKS + task + 1
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

with open(f"{out}/berth.zone", "w") as z:
    z.write("$TTL 5\n$ORIGIN berth.\n")
    z.write("@ IN SOA ns1.berth. hostmaster.berth. 1 60 30 604800 5\n")
    z.write("@ IN NS ns1.berth.\nns1 IN A 127.0.0.1\n")
    for j in range(JOBS):
        for t in range(TASKS):
            z.write(f"{t}.web.j{j}.default IN A {addr(j, t)}\n")
        for t in range(TASKS):
            z.write(f"_http._tcp.web.j{j}.default IN SRV 0 0 {8000 + t} {t}.web.j{j}.default.berth.\n")

with open(f"{out}/10.in-addr.arpa.zone", "w") as z:
    z.write("$TTL 5\n$ORIGIN 10.in-addr.arpa.\n")
    z.write("@ IN SOA ns1.berth. hostmaster.berth. 1 60 30 604800 5\n")
    z.write("@ IN NS ns1.berth.\n")
    for j in range(JOBS):
        for t in range(TASKS):
            a = addr(j, t).split(".")
            z.write(f"{a[3]}.{a[2]}.{a[1]} IN PTR {t}.web.j{j}.default.berth.\n")

with open(f"{out}/queries.txt", "w") as q:
    for _ in range(100_000):
        j, t, r = rng.randrange(JOBS), rng.randrange(TASKS), rng.random()
        if r < 0.7:
            q.write(f"{t}.web.j{j}.default.berth. A\n")
        elif r < 0.8:
            q.write(f"_http._tcp.web.j{j}.default.berth. SRV\n")
        elif r < 0.9:
            a = addr(j, t).split(".")
            q.write(f"{a[3]}.{a[2]}.{a[1]}.10.in-addr.arpa. PTR\n")
        else:
            q.write(f"nx{t}.web.j{j}.default.berth. A\n")
