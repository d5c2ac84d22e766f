"""Customer-data decisions: this service's decision path beside PyCasbin's plain Enforcer.

Same model (policies/model.conf), same rules, same requests, at 100, 10,000 and 100,000
rules over a synthetic organisation (head office > branches > sub-branches, dozens of
roles, every purpose and scope). For each size it prints:

- decisions per second on one core and p99 latency of the plain ``casbin.Enforcer``
  (``enforce_ex``, which scans the rules) on a sample of requests;
- the same for ``Decider.decide`` cold (every request new to the snapshot: index lookups
  only) and warm (memoised answers, the steady state of a running service), with 10,000
  live grants in the index;
- that every sampled answer (treatment and deciding rule) is identical to the Enforcer's.

Times are this process's CPU time (``time.process_time``), so "per second" means per second
of one core even on a machine shared with other work; the load average is printed too.

Run: .venv/bin/python benchmarks/authz_decisions.py [--sizes 100,10000,100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog

from pii_guard.authz.casbin_model import StaticAdapter, plain_enforcer, principal_subject
from pii_guard.authz.decider import Decider
from pii_guard.authz.grant_index import ActiveGrant
from pii_guard.authz.rules import Rule, parse_lines
from pii_guard.authz.store import default_policy_path
from pii_guard.authz.treatments import C3_ALLOWED, Treatment
from pii_guard.authz.vocabulary import TIERS, load_taxonomy
from pii_guard.consent.purposes import load_purposes
from pii_guard.identity.caller import Caller

TAXONOMY = load_taxonomy()
CATEGORY_TIERS = dict(TAXONOMY.category_tiers)
PURPOSES = sorted(load_purposes())
SCOPES = [*TIERS, *CATEGORY_TIERS]


@dataclass(frozen=True)
class World:
    rules: list[Rule]
    callers: list[Caller]
    unit_parents: dict[str, str | None]
    requests: list[tuple[Caller, str, str, str, str]]  # caller, purpose, tier, category, subj
    grants: list[ActiveGrant]


def organisation(rng: random.Random, branches: int, subs: int
                 ) -> tuple[dict[str, str | None], dict[str, tuple[str, ...]]]:
    parents: dict[str, str | None] = {"head-office": None}
    paths = {"head-office": ("head-office",)}
    for b in range(branches):
        branch = f"branch-{b}"
        parents[branch], paths[branch] = "head-office", ("head-office", branch)
        for s in range(subs):
            sub = f"{branch}-sub-{s}"
            parents[sub], paths[sub] = branch, ("head-office", branch, sub)
    return parents, paths


def build_world(size: int, seed: int = 7) -> World:
    rng = random.Random(seed)
    parents, paths = organisation(rng, branches=30, subs=12)
    units = sorted(parents)
    roles = [f"role_{i:02d}" for i in range(60)]
    default = [rule for _, rule in parse_lines(default_policy_path().read_text(), "access")]
    rules: dict[tuple[str, str, str, str], Rule] = {r.key: r for r in default}
    while len(rules) < size:
        scope = rng.choice(SCOPES)
        tier = scope if scope in TIERS else CATEGORY_TIERS[scope]
        choices = sorted(C3_ALLOWED) if tier == "C3" else list(Treatment)
        rule = Rule(rng.choice(roles), rng.choice([*units, "*"]), scope,
                    rng.choice([*PURPOSES, "*"]), rng.choice(choices),
                    rng.choice([100, 150, 200, 250]))
        rules.setdefault(rule.key, rule)
    callers = []
    for i in range(500):
        unit = rng.choice(units)
        callers.append(Caller(principal_id=f"svc-{i}", display_name=f"svc-{i}",
                              roles=frozenset(rng.sample(roles, rng.randint(1, 3))),
                              unit_code=unit, unit_path=paths[unit]))
    requests, seen = [], set()
    while len(requests) < 20_000:  # distinct requests: the cold run never hits the memo
        category = rng.choice(list(CATEGORY_TIERS))
        caller, purpose = rng.choice(callers), rng.choice(PURPOSES)
        if (caller.principal_id, purpose, category) in seen:
            continue
        seen.add((caller.principal_id, purpose, category))
        requests.append((caller, purpose, CATEGORY_TIERS[category], category,
                         f"C{rng.randrange(1_000_000):07d}"))
    grants = [ActiveGrant(f"g{i}", rng.choice(callers).principal_id,
                          frozenset({f"C{rng.randrange(1_000_000):07d}"}), rng.choice(PURPOSES),
                          rng.choice(["C1", "C2", "contact", "identity_document"]),
                          Treatment.CLEAR, time.time() + 3600) for i in range(10_000)]
    return World(list(rules.values()), callers, parents, requests, grants)


def rate_and_p99(call: Callable[[tuple[Caller, str, str, str, str]], object],
                 requests: Sequence[tuple[Caller, str, str, str, str]]) -> tuple[float, float]:
    """Decisions per second (a tight loop) and p99 latency in microseconds (timed calls)."""
    start = time.process_time()
    for request in requests:
        call(request)
    rate = len(requests) / (time.process_time() - start)
    latencies = []
    for request in requests:
        t0 = time.process_time_ns()
        call(request)
        latencies.append((time.process_time_ns() - t0) / 1000)
    latencies.sort()
    return rate, latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def timed_rate_and_p99(call: Callable[[tuple[Caller, str, str, str, str]], object],
                       requests: Sequence[tuple[Caller, str, str, str, str]]
                       ) -> tuple[float, float]:
    """One timed pass (for paths too slow to run twice): rate from the summed latencies."""
    latencies = []
    for request in requests:
        t0 = time.process_time_ns()
        call(request)
        latencies.append((time.process_time_ns() - t0) / 1000)
    rate = len(latencies) / (sum(latencies) / 1e6)
    latencies.sort()
    return rate, latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def median_of(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r for r, _ in runs), statistics.median(p for _, p in runs)


def bench(size: int, repeats: int, plain_budget_s: float) -> None:
    world = build_world(size)
    principal_roles = {c.principal_id: c.roles for c in world.callers}
    enforcer = plain_enforcer(StaticAdapter(world.rules, principal_roles, world.unit_parents))

    answers: dict[int, tuple[bool, list[str]]] = {}

    def plain(request: tuple[Caller, str, str, str, str]) -> tuple[bool, list[str]]:
        caller, purpose, tier, category, _ = request
        matched, explain = enforcer.enforce_ex(principal_subject(caller.principal_id),
                                               caller.unit_code, tier, category, purpose)
        answers[id(request)] = (bool(matched), list(explain))
        return answers[id(request)]

    plain(world.requests[0])
    t0 = time.process_time()
    for request in world.requests[1:4]:
        plain(request)
    per_call = max((time.process_time() - t0) / 3, 1e-6)
    sample = world.requests[:max(20, min(2000, int(plain_budget_s / per_call)))]
    plain_runs = [timed_rate_and_p99(plain, sample)]

    decider = Decider(CATEGORY_TIERS, lambda _v: (1, world.rules), lambda: world.grants,
                      lambda: PURPOSES)
    build_start = time.process_time()
    decider.reload()
    build_ms = (time.process_time() - build_start) * 1000

    def ours(request: tuple[Caller, str, str, str, str]) -> object:
        caller, purpose, tier, category, subject = request
        return decider.decide(caller, purpose, tier=tier, category=category,
                              subject_id=subject)

    cold_runs, warm_runs = [], []
    for _ in range(repeats):
        decider._snapshot = None  # a fresh snapshot: empty memo, every request a miss
        decider.reload_policy()
        cold_runs.append(rate_and_p99(ours, world.requests))
        warm_runs.append(rate_and_p99(ours, world.requests))

    mismatches = 0
    for request in sample:
        matched, explain = answers[id(request)]  # the Enforcer's answer from the timed run
        caller, purpose, tier, category, _ = request
        got = decider.decide(caller, purpose, tier=tier, category=category, subject_id=None)
        expected = (Treatment(explain[4]), ", ".join(["p", *explain])) if matched \
            else (Treatment.DENY, None)
        mismatches += (got.treatment, got.rule) != expected

    (p_rate, p_p99), (c_rate, c_p99), (w_rate, w_p99) = (
        median_of(plain_runs), median_of(cold_runs), median_of(warm_runs))
    print(f"\n{len(world.rules):,} rules, {len(world.unit_parents)} units, "
          f"{len(world.grants):,} live grants; indexes built in {build_ms:,.0f} ms")
    print(f"  {'path':<28}{'decisions/s':>14}{'p99 (us)':>12}{'vs plain':>10}")
    print(f"  {'casbin.Enforcer (plain)':<28}{p_rate:>14,.0f}{p_p99:>12,.1f}{1:>10.0f}x"
          f"   ({len(sample)} requests)")
    print(f"  {'Decider, cold (index)':<28}{c_rate:>14,.0f}{c_p99:>12,.1f}"
          f"{c_rate / p_rate:>10,.0f}x   ({len(world.requests):,} requests)")
    print(f"  {'Decider, warm (memoised)':<28}{w_rate:>14,.0f}{w_p99:>12,.1f}"
          f"{w_rate / p_rate:>10,.0f}x")
    print(f"  identical to the plain Enforcer on {len(sample)} sampled requests: "
          f"{'yes' if mismatches == 0 else f'NO, {mismatches} differ'}")
    if mismatches:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--repeats", type=int, default=5, help="runs per path; medians shown")
    parser.add_argument("--plain-budget", type=float, default=10.0,
                        help="seconds to spend per size on the plain Enforcer")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"one core, single thread, CPU time; medians of the runs; "
          f"{os.cpu_count()} cores, load average {load}")
    for size in (int(s) for s in args.sizes.split(",")):
        bench(size, args.repeats, args.plain_budget)


if __name__ == "__main__":
    main()
