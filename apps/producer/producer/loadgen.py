"""`python -m producer.loadgen --target URL --rate R --duration D [--ramp S]`: push readings to POST /events.

Each batch goes over a new, short-lived connection, so a Kubernetes Service spreads the load over every producer
replica. Prints one JSON summary: readings sent, accepted, refused, and failed requests.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from conveyor_common.addresses import AddressError, http_url, shown

from producer.simulation import MAX_SPEED_MS


def make_batch(size: int, lines: int, rng: random.Random) -> list[dict[str, object]]:
    return [{"line": f"load-{rng.randint(1, lines)}", "speed_ms": round(rng.uniform(0.1, MAX_SPEED_MS), 4),
             "state": "running"} for _ in range(size)]


def post_batch(url: str, batch: list[dict[str, object]], timeout_s: float) -> Counter[str]:
    """POST one batch on its own connection; the outcome counted by reading."""
    request = urllib.request.Request(url, data=json.dumps(batch).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            answer = json.load(response)
        return Counter(accepted=answer["accepted"], refused=answer["rejected"])
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return Counter(failed_requests=1, refused=len(batch))


def ramped(rate: float, elapsed_s: float, ramp_s: float) -> float:
    """The rate `elapsed_s` into the run: rising linearly over `ramp_s` (from a tenth, so the first batch goes)."""
    return rate if elapsed_s >= ramp_s else rate * max(0.1, elapsed_s / ramp_s)


def run(target: str, rate: float, duration_s: float, batch_size: int, lines: int, workers: int,
        ramp_s: float = 0.0) -> Counter[str]:
    """Send `rate` readings per second for `duration_s` seconds (after a ramp of `ramp_s`), in batches."""
    url = target.rstrip("/") + "/events"
    rng = random.Random()
    totals: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = []
        start = time.monotonic()
        next_send = start
        while next_send < start + ramp_s + duration_s:
            time.sleep(max(0.0, next_send - time.monotonic()))
            futures.append(pool.submit(post_batch, url, make_batch(batch_size, lines, rng), 10.0))
            totals["sent"] += batch_size
            next_send += batch_size / ramped(rate, next_send - start, ramp_s)
        for future in futures:
            totals.update(future.result())
    return totals


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m producer.loadgen", description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="base URL of the producer Service, e.g. http://producer-service:8000")
    parser.add_argument("--rate", type=float, required=True, help="readings per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds to run")
    parser.add_argument("--batch", type=int, default=50, help="readings per request (default 50)")
    parser.add_argument("--lines", type=int, default=10, help="distinct line ids to spread readings over")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds to rise to --rate first (default 0)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent requests at most")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.batch < 1 or args.lines < 1 or args.workers < 1 or args.ramp < 0:
        parser.error("--rate and --duration must be > 0, --ramp >= 0, --batch, --lines and --workers >= 1")
    try:
        http_url(args.target)
    except AddressError as error:
        parser.error(f"--target {shown(args.target)} {error}; give e.g. http://producer-service:8000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    totals = run(args.target, args.rate, args.duration, args.batch, args.lines, args.workers, args.ramp)
    print(json.dumps({key: totals[key] for key in ("sent", "accepted", "refused", "failed_requests")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
