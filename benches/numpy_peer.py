#!/usr/bin/env python3
"""The numpy peer: tradesim's model written the way an analyst would write it in numpy.

This is the program tradesim's speed is measured against (scripts/bench.sh times both on the
same scenario, runs, seed and machine; docs/PERFORMANCE.md explains the comparison). It
implements the model of docs/MODEL.md, steps 1 to 8, vectorised over paths and looping over
years, with exact per-year quantiles (numpy's default, linear interpolation between order
statistics). It draws its own random numbers (numpy's default generator), so its answers agree
with tradesim's within Monte Carlo error, not bit for bit.

    python3 benches/numpy_peer.py SCENARIO.toml [--runs 1000000] [--seed 1] [--out DIR]

With --out it writes first_passage.csv and trajectory.csv there, in the columns tradesim writes
(no shocks.csv, no summary.csv). It prints one line: the runs, the years and the wall time from
reading the scenario to the end of the simulation (writing the files excluded).

It trusts the scenario file: it takes the keys and defaults of docs/SCENARIO_FILE.md but checks
none of the rules (run `tradesim validate` for that). Needs Python 3.11 or newer (tomllib) and
numpy: scripts/install_numpy.sh, or `python3 -m pip install numpy`.
"""
import argparse
import math
import os
import time
import tomllib

import numpy as np

# The quantiles of trajectory.csv's p05, p25, p50, p75 and p95 columns.
QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]


def first_year_mean(growth, dist):
    """m1: `mean`, or the bounded distribution's own mean (MODEL.md step 2)."""
    if dist in ('constant', 'normal', 'lognormal'):
        return growth['mean']
    lo, hi = growth['min'], growth['max']
    if dist == 'triangular':
        return (lo + growth['mode'] + hi) / 3
    if dist == 'pert':
        return (lo + 4 * growth['mode'] + hi) / 6
    return (lo + hi) / 2  # uniform


def shocks_with_defaults(shocks, base_year, horizon_year):
    """Each [[shocks]] table with the defaults of SCENARIO_FILE.md filled in."""
    filled = []
    for shock in shocks:
        shock = dict(shock)
        if 'year' in shock:
            shock['first_year'] = shock['last_year'] = shock['year']
            shock.setdefault('probability', 1.0)
        shock.setdefault('first_year', base_year + 1)
        shock.setdefault('last_year', horizon_year)
        shock.setdefault('max_occurrences', 1)
        shock.setdefault('duration', 1)
        for key in ('level_change', 'growth_change', 'recovery'):
            shock.setdefault(key, 0.0)
        filled.append(shock)
    return filled


def main():
    ap = argparse.ArgumentParser(description="tradesim's model in numpy, the peer of its benchmark")
    ap.add_argument('scenario')
    ap.add_argument('--runs', type=int, default=1_000_000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--out')
    args = ap.parse_args()

    t0 = time.perf_counter()
    with open(args.scenario, 'rb') as f:
        scenario = tomllib.load(f)
    trade, growth = scenario['trade'], scenario.get('growth', {})
    base_year, horizon = trade['base_year'], trade['horizon_year']
    target, base_value = float(trade['target_value']), float(trade['base_value'])
    dist = growth.get('distribution', 'lognormal')
    m1 = first_year_mean(growth, dist)
    long_run = growth.get('long_run_mean', m1)
    half_life = growth.get('half_life', 1.0)  # used only when long_run differs from m1
    phi = growth.get('persistence', 0.0)
    shocks = shocks_with_defaults(scenario.get('shocks', []), base_year, horizon)

    n = args.runs
    rng = np.random.default_rng(args.seed)
    level = np.full(n, base_value)
    # First-passage year per path, -1 while it has none.
    first = np.full(n, -1, dtype=np.int32)
    first[level >= target] = base_year
    # Per shock and path: the last active year of the latest occurrence (-1: none yet), and
    # how many occurrences have started.
    last_active = [np.full(n, -1, dtype=np.int32) for _ in shocks]
    occurrences = [np.zeros(n, dtype=np.int32) for _ in shocks]
    z = None
    trajectory = [(base_year, base_value, [base_value] * len(QUANTILES), float(base_value >= target))]

    for k in range(1, horizon - base_year + 1):
        y = base_year + k
        # Step 2: expected growth, fading from m1 towards the long-run mean.
        m = m1 if long_run == m1 else long_run + (m1 - long_run) * 2.0 ** (-(k - 1) / half_life)

        # Step 1: shock starts, in file order. `ended` marks occurrences whose last active year
        # was y - 1, for step 6's recovery.
        ended = [last == y - 1 for last in last_active]
        started = []
        for i, shock in enumerate(shocks):
            in_window = shock['first_year'] <= y <= shock['last_year']
            eligible = (last_active[i] < y) & (occurrences[i] < shock['max_occurrences']) & in_window
            starts = eligible & (rng.random(n) < shock['probability'])
            duration = shock['duration']
            if duration == 'permanent':
                end = horizon
            elif isinstance(duration, dict):
                end = y + rng.integers(duration['min'], duration['max'] + 1, size=n) - 1
            else:
                end = y + duration - 1
            last_active[i] = np.where(starts, end, last_active[i])
            occurrences[i] += starts
            started.append(starts)

        # Step 3: the surprise, AR(1) across years.
        e = rng.standard_normal(n)
        z = e if z is None else phi * z + math.sqrt(1 - phi * phi) * e

        # Step 4: the base growth rate.
        if dist == 'constant':
            r = np.full(n, m)
        elif dist == 'normal':
            r = m + growth['sd'] * z
        elif dist == 'lognormal':
            s2 = math.log(1 + growth['sd'] ** 2 / (1 + m) ** 2)
            r = np.expm1(math.log(1 + m) - s2 / 2 + math.sqrt(s2) * z)
        elif dist == 'triangular':
            r = rng.triangular(growth['min'], growth['mode'], growth['max'], n) - m1 + m
        elif dist == 'uniform':
            r = rng.uniform(growth['min'], growth['max'], n) - m1 + m
        else:  # pert: a beta distribution on min..max
            lo, mode, hi = growth['min'], growth['mode'], growth['max']
            alpha, beta = 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)
            r = lo + rng.beta(alpha, beta, n) * (hi - lo) - m1 + m

        # Step 5: the active shocks' growth changes, and the -99% floor.
        for i, shock in enumerate(shocks):
            if shock['growth_change']:
                r = r + np.where(last_active[i] >= y, shock['growth_change'], 0.0)
        level *= 1 + np.maximum(r, -0.99)

        # Step 6: level changes of the occurrences starting now, recoveries of those that ended.
        for i, shock in enumerate(shocks):
            if shock['level_change']:
                level[started[i]] *= 1 + shock['level_change']
                if shock['recovery']:
                    level[ended[i]] *= 1 + shock['recovery'] * (1 / (1 + shock['level_change']) - 1)

        # Step 7: caps of the active shocks.
        for i, shock in enumerate(shocks):
            if 'cap_value' in shock:
                np.minimum(level, np.where(last_active[i] >= y, shock['cap_value'], np.inf), out=level)

        # Step 8: first passage, and the year's figures.
        first[(first < 0) & (level >= target)] = y
        trajectory.append(
            (y, float(level.mean()), np.quantile(level, QUANTILES).tolist(), float((level >= target).mean()))
        )

    counts = np.bincount(first[first >= 0] - base_year, minlength=horizon - base_year + 1)
    wall = time.perf_counter() - t0

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, 'first_passage.csv'), 'w') as f:
            f.write('year,prob_first,prob_reached_by,prob_reached_by_se\n')
            reached = 0
            for j, count in enumerate(counts):
                reached += count
                p = reached / n
                f.write(f'{base_year + j},{count / n},{p},{math.sqrt(p * (1 - p) / n)}\n')
        with open(os.path.join(args.out, 'trajectory.csv'), 'w') as f:
            f.write('year,mean,p05,p25,p50,p75,p95,prob_at_or_above_target\n')
            for y, mean, quantiles, above in trajectory:
                f.write(f'{y},{mean},' + ','.join(str(q) for q in quantiles) + f',{above}\n')
    years = horizon - base_year
    print(f'numpy peer: {n} runs x {years} years in {wall:.3f} s ({n * years / wall / 1e6:.1f} M path-years/s)')


if __name__ == '__main__':
    main()
