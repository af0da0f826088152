"""The M/M/16 model of meshsim's engine benchmark, in SimPy, for a same-machine comparison.

    python sim-core/benches/simpy_mm16.py --events 10000000

An "event" is counted as meshsim counts it: one arrival plus one departure per customer, so
events = 2 x customers served. (SimPy itself processes more internal events per customer:
request, grant, timeout, release.) Arrivals are Poisson at rate 0.8 x 16 / 1 ms, service times
exponential with mean 1 ms, 16 servers (simpy.Resource with capacity 16), FIFO.
"""

import argparse
import random
import time

import simpy


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=float, default=1e7)
    args = ap.parse_args()
    customers = int(args.events) // 2
    lam = 0.8 * 16 / 1e-3
    mu = 1 / 1e-3
    rng = random.Random(1)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=16)
    served = [0]
    busy_time = [0.0]

    def customer(env):
        with server.request() as req:
            yield req
            s = rng.expovariate(mu)
            busy_time[0] += s
            yield env.timeout(s)
        served[0] += 1

    def source(env):
        for _ in range(customers):
            yield env.timeout(rng.expovariate(lam))
            env.process(customer(env))

    env.process(source(env))
    start = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - start
    events = 2 * served[0]
    print(f"simpy {simpy.__version__} M/M/16 rho=0.8: {events} events in {elapsed:.1f} s "
          f"= {events / elapsed / 1e6:.3f} M events/s "
          f"(utilisation {busy_time[0] / env.now / 16:.3f})")


if __name__ == "__main__":
    main()
