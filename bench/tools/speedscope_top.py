#!/usr/bin/env python3
"""Summarise a speedscope profile written by `dotnet-trace convert --format speedscope`.

Prints, over all threads that did work (idle waits are dropped: frames whose name says the thread was blocked),
the frames with the most inclusive and exclusive (self) samples. Used by bench/profile.sh.

    bench/tools/speedscope_top.py PROFILE.speedscope.json [--top 40] [--filter TEXT]
"""
import argparse
import collections
import json

IDLE = ("WaitHandle", "Monitor.Wait", "SemaphoreSlim.Wait", "LowLevelLifoSemaphore", "Thread.Sleep", "epoll_wait",
        "WaitForSignal", "Interop+Sys.WaitForSocketEvents", "ManualResetEventSlim.Wait", "UNMANAGED_CODE_TIME",
        "LowLevelMonitor", "PortableThreadPool+GateThread", "Interop+Sys.Poll", "SocketAsyncEngine.EventLoop")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--filter", default=None, help="only count samples whose stack contains this text")
    ap.add_argument("--cpu-only", action="store_true", help="only samples taken while the thread ran managed code (CPU_TIME leaf)")
    ap.add_argument("--callers", default=None, help="also list the callers of frames containing this text")
    a = ap.parse_args()
    doc = json.load(open(a.profile))
    frames = [f["name"] for f in doc["shared"]["frames"]]
    callers = collections.Counter()
    incl = collections.Counter()
    excl = collections.Counter()
    total = 0

    def count(names, w):
        """Adds one sample (a stack, root first, and its weight) to the inclusive, self and caller tallies."""
        for n in set(names):
            incl[n] += w
        excl[names[-1]] += w
        if a.callers:
            for i, n in enumerate(names):
                if a.callers in n and i > 0:
                    callers[names[i - 1]] += w
                    break

    for prof in doc["profiles"]:
        if prof.get("type") == "evented":
            # Rebuild stacks from open/close events; weight = time between events.
            stack, last = [], None
            for ev in prof["events"]:
                if last is not None and stack:
                    w = ev["at"] - last
                    names = [frames[i] for i in stack if frames[i] not in ("CPU_TIME", "UNMANAGED_CODE_TIME")]
                    on_cpu = frames[stack[-1]] == "CPU_TIME"
                    if names and (on_cpu or not a.cpu_only) and not any(any(m in n for m in IDLE) for n in names[-3:]) and (a.filter is None or any(a.filter in n for n in names)):
                        total += w
                        count(names, w)
                last = ev["at"]
                if ev["type"] == "O":
                    stack.append(ev["frame"])
                else:
                    stack.pop()
        else:
            for sample, w in zip(prof["samples"], prof["weights"]):
                names = [frames[i] for i in sample if frames[i] != "CPU_TIME"]
                if not names or any(any(m in n for m in IDLE) for n in names[-2:]):
                    continue
                if a.filter is not None and not any(a.filter in n for n in names):
                    continue
                total += w
                count(names, w)
    print(f"busy weight: {total:.0f}")
    print("\n== inclusive")
    for n, w in incl.most_common(a.top):
        print(f"{100 * w / total:6.1f}%  {n[:150]}")
    print("\n== exclusive (self)")
    for n, w in excl.most_common(a.top):
        print(f"{100 * w / total:6.1f}%  {n[:150]}")
    if a.callers:
        print(f"\n== callers of {a.callers}")
        for n, w in callers.most_common(a.top):
            print(f"{100 * w / total:6.1f}%  {n[:150]}")


if __name__ == "__main__":
    main()
