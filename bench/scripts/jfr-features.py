#!/usr/bin/env python3
"""Shares of a coordinator's execution samples (or allocation weight) by feature: each sample goes to
the first feature, in the order below, that any frame of its stack belongs to.

usage: jfr-features.py <file.jfr> [exec|alloc] [from HH:MM:SS] [to HH:MM:SS] [feature [depth]]
Needs JDK's `jfr` on PATH. With a feature named, lists that feature's top stacks (depth frames)
instead of the top frames of all samples. Times compare as strings against the sample's start."""
import re, subprocess, sys, collections
FEATURES = [
  ("zone rebuild", ("io.berth.coordinator.zone.", "io.berth.dns.Zone", "io.berth.dns.WireName")),
  ("Raft snapshot", ("io.atomix.protocols.raft.storage.snapshot", "SnapshotWriter")),
  ("TLS", ("sun.security.", "handler.ssl.", "OpenSsl", "ReferenceCountedOpenSsl", "javax.net.ssl")),
  ("replica view", ("io.berth.coordinator.state.ReplicaView", "io.berth.coordinator.state.ViewFeed")),
  ("state machine", ("io.berth.coordinator.state.",)),
  ("scheduler", ("io.berth.coordinator.scheduler.",)),
  ("evaluation loop / leader", ("io.berth.coordinator.leader.",)),
  ("agent sessions", ("io.berth.coordinator.session.",)),
  ("control API", ("io.berth.coordinator.api.",)),
  ("Raft", ("io.atomix.protocols.raft",)),
  ("Atomix messaging", ("io.atomix.",)),
  ("gRPC/netty", ("io.grpc.", "io.netty.")),
]
def feature(frames):
  for name, pats in FEATURES:
    for f in frames:
      if any(p in f for p in pats):
        return name
  return "other: " + (frames[0] if frames else "?")
path = sys.argv[1]; kind = sys.argv[2] if len(sys.argv) > 2 else "exec"
lo = sys.argv[3] if len(sys.argv) > 3 else None; hi = sys.argv[4] if len(sys.argv) > 4 else None
ev = "jdk.ExecutionSample" if kind == "exec" else "jdk.ObjectAllocationSample"
p = subprocess.Popen(["jfr", "print", "--events", ev, "--stack-depth", "48", path], stdout=subprocess.PIPE, text=True)
counts = collections.Counter(); tops = collections.Counter(); total = 0
frames = []; t = None; w = 1; inst = False
for line in p.stdout:
  s = line.strip()
  if s.startswith(ev):
    frames = []; t = None; w = 1; inst = False
  elif s.startswith("startTime ="):
    m = re.search(r"(\d\d:\d\d:\d\d)", s); t = m.group(1) if m else None
  elif s.startswith("weight ="):
    m = re.search(r"([\d.]+) (bytes|kB|MB|GB)", s)
    if m:
      w = float(m.group(1)) * {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)]
  elif s.startswith("stackTrace = ["):
    inst = True
  elif inst and s.startswith("]"):
    inst = False
  elif inst and s and not s.startswith("..."):
    frames.append(s.split("(")[0] if "line:" in s or "(" in s else s)
  elif s == "}" and frames:
    if (lo is None or (t and t >= lo)) and (hi is None or (t and t <= hi)):
      f = feature(frames); counts[f] += w; total += w
      if len(sys.argv) > 5 and f == sys.argv[5]:
        tops[" < ".join(frames[:int(sys.argv[6]) if len(sys.argv) > 6 else 3])] += w
      elif len(sys.argv) <= 5:
        tops[frames[0]] += w
    frames = []
for f, c in counts.most_common(16):
  print(f"{100*c/total:5.1f}%  {f}")
print("total", total)
print("-- top frames")
for f, c in tops.most_common(25):
  print(f"{100*c/total:5.1f}%  {f}")
