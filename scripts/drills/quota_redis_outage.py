#!/usr/bin/env python3
"""Quota drill: two API nodes share Redis and PostgreSQL; Redis is frozen (SIGSTOP) for 10 s
under load, then resumed. Measures what the nodes admitted against an organization's monthly
quota, for each QUOTA_FALLBACK policy, and checks that the Redis counter and the usage table agree
with what was served afterwards.

    scripts/services.sh up     # PostgreSQL on 5433 (this drill starts its own Redis)
    python3 scripts/drills/quota_redis_outage.py [--policies per-node,divided:2,closed] [--bin .build/release/smally]

Everything runs on loopback and stops by itself (bounded request counts and times).
"""
import argparse, http.client, json, os, secrets, shutil, signal, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def request(port, method, path, body=None, token=None, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, (json.loads(data) if data else None)


def wait_ready(port, process, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"node on {port} exited with {process.returncode}")
        try:
            if request(port, "GET", "/ready", timeout=1)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"node on {port} not ready after {seconds} s")


class Load:
    """Closed-loop clients, alternating between the nodes, each request one text (one embedding)."""

    def __init__(self, ports, key, clients=4):
        self.ports, self.key, self.clients = ports, key, clients
        self.counts = {}
        self.lock = threading.Lock()
        self.phase = "before"
        self.stop = threading.Event()

    def count(self, status):
        with self.lock:
            bucket = self.counts.setdefault(self.phase, {})
            bucket[status] = bucket.get(status, 0) + 1

    def client(self, index):
        n = 0
        while not self.stop.is_set():
            port = self.ports[(index + n) % len(self.ports)]
            n += 1
            try:
                status, _ = request(port, "POST", "/v1/embed", {"text": f"drill text {n % 50}"}, self.key, timeout=5)
            except OSError:
                status = "error"
            self.count(status)
            time.sleep(0.01)

    def __enter__(self):
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(self.clients)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(10)


def drill(policy, binary, database_url, quota, redis_port, base_port):
    work = tempfile.mkdtemp(prefix="smally-drill-")
    admin = secrets.token_hex(24)
    namespace_db = int(time.time()) % 1000
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--dir", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{redis_port}", DATABASE_URL=database_url, ADMIN_TOKEN=admin,
               QUOTA_FALLBACK=policy, SMALLY_DATA_DIR=work, LOG_LEVEL="warning", SMALLY_THREADS="1", AUTH_FAILURES_PER_MINUTE="0")
    nodes, ports = [], [base_port, base_port + 1]
    try:
        for port in ports:
            nodes.append(subprocess.Popen([binary, "serve", "--port", str(port)], env=env, cwd=ROOT,
                                          stdout=open(os.path.join(work, f"node{port}.log"), "w"), stderr=subprocess.STDOUT))
        for port, node in zip(ports, nodes):
            wait_ready(port, node)
        org = f"drill-{policy.replace(':', '-')}-{secrets.token_hex(3)}"
        status, _ = request(ports[0], "POST", "/v1/admin/orgs", {"name": org, "tier": "scale", "monthly_quota": quota}, admin)
        assert status == 201, status
        status, created = request(ports[0], "POST", "/v1/admin/keys", {"org": org, "name": "drill"}, admin)
        assert status == 201, status
        key = created["key"]
        with Load(ports, key) as load:
            time.sleep(4)
            used_before = request(ports[0], "GET", f"/v1/admin/usage?org={org}", token=admin)[1]["quota"]["used"]
            log(f"{policy}: freezing Redis (SIGSTOP) for 10 s; {used_before} of {quota} used")
            load.phase = "outage"
            redis.send_signal(signal.SIGSTOP)
            time.sleep(10)
            redis.send_signal(signal.SIGCONT)
            load.phase = "after"
            log(f"{policy}: Redis resumed")
            time.sleep(6)
        time.sleep(2.5)  # usage flushes every second
        counts = load.counts
        served = sum(bucket.get(200, 0) for bucket in counts.values())
        report = request(ports[0], "GET", f"/v1/admin/usage?org={org}", token=admin)[1]
        redis_cli = ["redis-cli", "-p", str(redis_port)]
        month = time.strftime("%Y-%m", time.gmtime())
        keys = subprocess.run(redis_cli + ["--scan", "--pattern", "smally:quota:month:*"], capture_output=True, text=True).stdout.split()
        counter = None
        for name in keys:
            if month in name:
                value = subprocess.run(redis_cli + ["GET", name], capture_output=True, text=True).stdout.strip()
                org_id = report.get("organization_id")
                if org_id and org_id in name:
                    counter = int(value)
        return {
            "policy": policy, "quota": quota, "served": served, "over_quota": max(0, served - quota),
            "usage_table": report["totals"]["embeddings"], "redis_counter": counter, "by_phase": counts,
        }
    finally:
        for node in nodes:
            node.send_signal(signal.SIGTERM)
        for node in nodes:
            try:
                node.wait(15)
            except subprocess.TimeoutExpired:
                node.kill()
        redis.send_signal(signal.SIGCONT)
        redis.terminate()
        redis.wait(5)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", default="per-node,divided:2,closed")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release/smally"))
    parser.add_argument("--database-url", default=f"postgres://postgres@127.0.0.1:{os.environ.get('POSTGRES_PORT', '5433')}/smally")
    parser.add_argument("--quota", type=int, default=1500)
    parser.add_argument("--redis-port", type=int, default=6397)
    parser.add_argument("--port", type=int, default=18111)
    args = parser.parse_args()
    results = []
    for policy in args.policies.split(","):
        log(f"drill: QUOTA_FALLBACK={policy}, quota {args.quota}, two nodes, 4 clients")
        results.append(drill(policy, args.bin, args.database_url, args.quota, args.redis_port, args.port))
        log(json.dumps(results[-1]))
    print()
    print("| QUOTA_FALLBACK | quota | embeddings served | over quota | usage table | Redis counter after | 200/429/503 during the outage |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        outage = r["by_phase"].get("outage", {})
        print(f"| {r['policy']} | {r['quota']} | {r['served']} | {r['over_quota']} | {r['usage_table']} | {r['redis_counter']} | "
              f"{outage.get(200, 0)}/{outage.get(429, 0)}/{outage.get(503, 0)} |")
    bad = [r for r in results if r["usage_table"] != r["served"]]
    if bad:
        print("usage table differs from what was served:", bad)
        sys.exit(1)


if __name__ == "__main__":
    main()
