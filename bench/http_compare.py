"""SCIM over real HTTP: scimbridge against scim2-server and a bare-Django floor, one run.

Starts, on this machine and in one run:

- scimbridge under gunicorn (deploy/gunicorn.conf.py, `-w 2` sync workers) on PostgreSQL,
  writing through to the fake Jira (tests/fakejira) served by its own process;
- scim2-server from PyPI (in memory, same gunicorn options) from a separate virtualenv
  (`--scim2-python`, default /tmp/scim2srv-venv/bin/python; created with
  `python3 -m venv /tmp/scim2srv-venv && /tmp/scim2srv-venv/bin/pip install scim2-server gunicorn`);
- the floor: bare Django views (bench/floor_wsgi.py), same gunicorn options, same
  database: the lookup by one indexed query, and a user by id from memory (what no Django
  server can beat, with or without a cache of resources);

seeds each with the same N users (scimbridge directly through the ORM), drives every
request of the issue's mix with `wrk` (apt install wrk) against each server in turn and
prints one table: req/s, p50 and p99 latency, and the ratios to the goals of issue #12.
Machines are noisy: compare the ratios of one run, not figures of different runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge_reads_bench \\
    CACHE_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/http_compare.py --users 100000 --duration 10 --concurrency 16

The database named by DATABASE_URL is dropped and re-created; scimbridge's processes share
the Redis cache CACHE_URL names (default redis://127.0.0.1:6379/0), as in a deployment of
several processes. How to read the table: docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_seed import prepare_database, seed_scimbridge  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/scimbridge_reads_bench"
SECRET_KEY = "bench-secret-key-" + "x" * 40
FAKE_JIRA_TOKEN = "bench-pat"  # noqa: S105 - the fake Jira's, loopback only

# wrk script: GET paths picked at random from a file, or POSTs of new users.
WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local method = os.getenv("BENCH_METHOD")
local prefix = os.getenv("BENCH_PREFIX")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/scim+json",
}
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  if method == "POST" then
    counter = counter + 1
    local name = os.getenv("BENCH_RUN") .. "-" .. tid .. "-" .. counter .. "@example.com"
    local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"'
      .. name .. '","name":{"givenName":"New","familyName":"User"},"emails":[{"value":"'
      .. name .. '","type":"work","primary":true}],"displayName":"New User","active":true}'
    return wrk.format("POST", prefix .. "/Users", headers, body)
  end
  return wrk.format("GET", prefix .. paths[math.random(#paths)], headers)
end
"""


@dataclass
class Server:
    """One server under test: where it answers and its SCIM base path."""

    name: str
    port: int
    prefix: str
    token: str
    ids: list[str]
    process: subprocess.Popen[bytes] | None = None


@dataclass
class Result:
    """What wrk measured for one request against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, seconds: float = 120.0) -> None:
    """Wait until `url` answers at all (any status)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
        else:
            return
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def gunicorn_options(port: int, *, embedded: bool = False) -> list[str]:
    """The options every server runs with: 2 sync workers, no access log.

    `embedded`: the embedded default's own workers (deploy/gunicorn.conf.py: 2 gthread
    workers of 4 threads), as `scripts/start` serves SQLite.
    """
    if embedded:
        return ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                "--max-requests", "0"]  # fmt: skip
    return [
        # --threads 1: with more threads gunicorn silently runs gthread instead of sync.
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync", "--threads", "1",
        "--access-logfile", "/dev/null", "--max-requests", "0", "--timeout", "120",
    ]  # fmt: skip


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server process with its output in `log`."""
    handle = log.open("wb")
    return subprocess.Popen(  # noqa: S603 - our own servers
        command, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT
    )


def parse_ms(text: str) -> float:
    """wrk's latency (`812.00us`, `5.12ms`, `1.02s`) in milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def start_wrk(
    server: Server, method: str, paths: list[str], args: argparse.Namespace, *, workdir: Path
) -> subprocess.Popen[str]:
    """Start one wrk run of `args.duration` seconds (its own files in `workdir`)."""
    paths_file = workdir / f"paths-{method}.txt"
    paths_file.write_text("\n".join(paths or ["/Users"]) + "\n")
    script = workdir / f"mix-{method}.lua"  # runs at once never share a file being written
    script.write_text(WRK_SCRIPT)
    env = {
        **os.environ,
        "BENCH_PATHS": str(paths_file),
        "BENCH_METHOD": method,
        "BENCH_PREFIX": server.prefix,
        "BENCH_TOKEN": server.token,
        "BENCH_RUN": f"r{time.time_ns()}",
    }
    threads = min(2, args.concurrency)
    command = [
        "wrk", "-t", str(threads), "-c", str(args.concurrency), "-d", f"{args.duration}s",
        "--timeout", "10s", "--latency", "-s", str(script), f"http://127.0.0.1:{server.port}",
    ]  # fmt: skip
    return subprocess.Popen(  # noqa: S603 - wrk, found on PATH
        command, env=env, stdout=subprocess.PIPE, text=True
    )


def wrk_result(process: subprocess.Popen[str]) -> Result:
    """What a finished wrk run printed: req/s of 2xx answers, p50/p99, errors."""
    output, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"wrk failed ({process.returncode}): {output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    seconds = parse_ms(re.search(r"requests in ([\d.]+\w+),", output).group(1)) / 1000  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors and "timeout" in socket_errors.group(1):
        errors += int(re.search(r"timeout (\d+)", socket_errors.group(1)).group(1))  # type: ignore[union-attr]
    percentile = {m.group(1): parse_ms(m.group(2))
                  for m in re.finditer(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE)}  # fmt: skip
    return Result((requests - errors) / seconds, percentile["50"], percentile["99"], errors)


def run_wrk(
    server: Server, method: str, paths: list[str], args: argparse.Namespace, *, workdir: Path
) -> Result:
    """One wrk run of `args.duration` seconds; req/s counts only 2xx answers."""
    return wrk_result(start_wrk(server, method, paths, args, workdir=workdir))


def lookup_names(users: int) -> list[str]:
    """Up to 5,000 seeded userNames, spread over the directory."""
    return [f"user{n:06d}@example.com" for n in range(0, users, max(1, users // 5000))]


# What the floor answers (bench/floor_wsgi.py): the lookup by one query, a user by id from
# memory, and from memory after scimbridge's credential check (the floor's alone).
AUTHENTICATED_FROM_MEMORY = "GET /Users/{id} from memory, authenticated"
FLOOR_REQUESTS = ('GET /Users?filter=userName eq "…"', "GET /Users/{id}", AUTHENTICATED_FROM_MEMORY)


def mix(users: int, deep: int) -> list[tuple[str, str, object]]:
    """The issue's request mix: label, method, path maker (server, n) -> paths."""
    names = lookup_names(users)
    return [
        ('GET /Users?filter=userName eq "…"', "GET",
         lambda s: [f"/Users?filter=userName%20eq%20%22{name}%22" for name in names]),
        ("GET /Users/{id}", "GET",
         lambda s: [f"/Users/{pk}" for pk in s.ids[:: max(1, users // 5000)]]),
        ("GET /Users?startIndex=1&count=100", "GET", lambda s: ["/Users?startIndex=1&count=100"]),
        (f"GET /Users?startIndex={deep}&count=100", "GET",
         lambda s: [f"/Users?startIndex={deep}&count=100"]),
        ("POST /Users", "POST", lambda s: []),
        (AUTHENTICATED_FROM_MEMORY, "GET",
         lambda s: [f"/authenticated/Users/{pk}" for pk in s.ids[:: max(1, users // 5000)]]),
    ]  # fmt: skip


def check_answers(server: Server, users: int) -> None:
    """Fail loudly when a server does not answer the mix right (wrong token, empty table)."""
    name = "user000001@example.com"
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{server.prefix}/Users?filter=userName%20eq%20%22{name}%22",
        headers={"Authorization": f"Bearer {server.token}"},
    )
    try:
        body = urllib.request.urlopen(request, timeout=300).read().decode()  # noqa: S310
    except OSError as exc:
        raise SystemExit(f"{server.name}: lookup of {name} failed: {exc}") from exc
    if '"totalResults":1' not in body.replace(" ", ""):
        raise SystemExit(f"{server.name}: lookup of {name} answered {body[:300]}")


def drain(server: Server, seconds: float = 180.0) -> None:
    """Wait until the server has worked off what wrk left queued (timed-out requests).

    A sync worker still answers requests whose client gave up; the next measurement
    would otherwise start behind that backlog.
    """
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{server.prefix}/ServiceProviderConfig",
        headers={"Authorization": f"Bearer {server.token}"},
    )
    deadline = time.monotonic() + seconds
    fast = 0
    while fast < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            urllib.request.urlopen(request, timeout=seconds).read()  # noqa: S310
        except urllib.error.HTTPError:
            pass
        except OSError:
            time.sleep(0.5)
        fast = fast + 1 if time.monotonic() - started < 0.5 else 0


def ratio(value: float, goal: float) -> str:
    """`value/goal` as a ratio string."""
    return f"{value / goal:.2f}x" if goal else "-"


def report(
    results: dict[tuple[str, str], Result], labels: list[str], args: argparse.Namespace
) -> None:
    """Print the table and, for a PostgreSQL run of all three servers, the goals."""
    servers = [name for name in ("scimbridge", "scim2-server", "floor")
               if any(key[0] == name for key in results)]  # fmt: skip
    workers = ("scimbridge: gunicorn gthread 2 workers x 4 threads (the embedded default), "
               "others: gunicorn -w 2 sync" if args.database == "sqlite"
               else "gunicorn -w 2 sync workers")  # fmt: skip
    latency = ""
    if args.jira_latency_ms:
        latency = f", fake Jira answering after {args.jira_latency_ms:g} ms"
    print(f"\n{args.users} users, wrk -c {args.concurrency}, {args.duration} s per cell, "
          f"{workers}, {args.database}{latency}")  # fmt: skip
    header = f"{'request':<44}" + "".join(
        f"{name + ' req/s':>20}{'p50/p99 ms':>16}" for name in servers
    )
    print(header)
    for label in labels:
        line = f"{label:<44}"
        for name in servers:
            result = results.get((name, label))
            if result is None:
                line += f"{'-':>20}{'':>16}"
                continue
            errors = f" ({result.errors} err)" if result.errors else ""
            latency_ms = f"{result.p50_ms:.1f}/{result.p99_ms:.1f}"
            line += f"{result.rps:>12.0f}{errors:>8}{latency_ms:>16}"
        print(line)
    if servers != ["scimbridge", "scim2-server", "floor"] or args.database != "postgresql":
        return
    print("\ngoals (issue #12): ratio ≥ 1.00x meets the goal")
    ours = {label: results[("scimbridge", label)].rps for label in labels[:5]}
    theirs = {label: results[("scim2-server", label)].rps for label in labels[:5]}
    floor = results[("floor", labels[0])].rps
    from_memory = results[("floor", labels[1])].rps
    goals = [
        ("filter userName eq ≥ 1.1x scim2-server", ours[labels[0]], 1.1 * theirs[labels[0]]),
        ("filter userName eq ≥ 0.5x floor", ours[labels[0]], 0.5 * floor),
        ("GET /Users/{id} ≥ 1.1x scim2-server", ours[labels[1]], 1.1 * theirs[labels[1]]),
        ("page at startIndex 1 ≥ 100 req/s", ours[labels[2]], 100.0),
        (f"page at {labels[3].split('=')[1].split('&')[0]} ≥ 100 req/s", ours[labels[3]], 100.0),
        ("POST /Users with write-through ≥ 250 req/s", ours[labels[4]], 250.0),
    ]
    for text, value, goal in goals:
        print(f"  {text:<46} {value:>8.0f} / {goal:>8.0f}  {ratio(value, goal)}")
    authenticated = results[("floor", AUTHENTICATED_FROM_MEMORY)].rps
    goal = 1.1 * theirs[labels[1]]
    print("\nwhat a Django server can reach at all: bare Django, no middleware, no query")
    print(f"  {'GET /Users/{id} from memory (floor)':<46} {from_memory:>8.0f}   "
          f"{ratio(from_memory, goal)} of 1.1x scim2-server")  # fmt: skip
    print("  and after the credential check of every scimbridge request (one Redis MGET):")
    print(f"  {'GET /Users/{id} from memory, authenticated':<46} {authenticated:>8.0f}   "
          f"{ratio(authenticated, goal)} of 1.1x scim2-server")  # fmt: skip


def measure_mixed(
    server: Server, args: argparse.Namespace, names: list[str], *, workdir: Path
) -> dict[str, Result]:
    """Lookups and creates at once, half the connections each: do writes hold up reads?"""
    half = argparse.Namespace(**{**vars(args), "concurrency": max(1, args.concurrency // 2)})
    lookups = [f"/Users?filter=userName%20eq%20%22{name}%22" for name in names]
    posts = start_wrk(server, "POST", [], half, workdir=workdir)
    gets = start_wrk(server, "GET", lookups, half, workdir=workdir)
    return {
        "with POSTs at once: GET filter userName eq": wrk_result(gets),
        "with lookups at once: POST /Users": wrk_result(posts),
    }


def measure(
    servers: list[Server], args: argparse.Namespace, *, workdir: Path
) -> tuple[dict[tuple[str, str], Result], list[str]]:
    """Every request of the mix against each server in turn, then lookups and creates at once."""
    deep = max(1, min(99_000, args.users - 100))
    requests = mix(args.users, deep)
    results: dict[tuple[str, str], Result] = {}
    for label, method, paths in requests:
        for server in servers:
            if server.name == "floor" and label not in FLOOR_REQUESTS:
                continue
            if server.name != "floor" and label == AUTHENTICATED_FROM_MEMORY:
                continue
            result = run_wrk(server, method, paths(server), args, workdir=workdir)
            results[(server.name, label)] = result
            drain(server)
            print(f"  {server.name:<13} {label:<44} {result.rps:>8.0f} req/s", flush=True)
    labels = [label for label, _, _ in requests]
    for server in servers:
        if server.name == "floor":
            continue
        mixed = measure_mixed(server, args, lookup_names(args.users), workdir=workdir)
        for label, result in mixed.items():
            results[(server.name, label)] = result
            if label not in labels:
                labels.append(label)
            print(f"  {server.name:<13} {label:<44} {result.rps:>8.0f} req/s", flush=True)
        drain(server)
    return results, labels


def database_url(args: argparse.Namespace, workdir: Path) -> str:
    """The database scimbridge and the floor use: re-created for the run."""
    if args.database == "sqlite":
        return f"sqlite:///{workdir / 'scimbridge.sqlite3'}"
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is re-created)")
    return url


def main() -> None:
    """Seed, start the servers, measure each request against each, print, stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--concurrency", type=int, default=16, help="wrk connections")
    parser.add_argument(
        "--scim2-python",
        default="/tmp/scim2srv-venv/bin/python",  # noqa: S108 - a default
    )
    parser.add_argument("--only", default="", help="comma-separated servers to measure")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql",
                        help="sqlite: the embedded default (a file, gthread workers)")  # fmt: skip
    parser.add_argument("--jira-latency-ms", type=float, default=0.0,
                        help="the fake Jira answers every call this much later")  # fmt: skip
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="scimbridge-http-bench-"))
    embedded = args.database == "sqlite"
    env = {
        **os.environ, "DATABASE_URL": database_url(args, workdir), "SECRET_KEY": SECRET_KEY,
        "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "scimbridge.settings", "PYTHONPATH": str(ROOT),
        # Several processes: a shared cache, as docs/deployment.md asks (process caches on).
        # The embedded default has none: each process its own, as `scripts/start` runs.
        "CACHE_URL": ("locmemcache://scimbridge" if embedded
                      else os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/0")),
    }  # fmt: skip
    os.environ.update(env)
    python = sys.executable
    gunicorn = str(Path(python).parent / "gunicorn")
    fake_port = free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        fake_command = [python, "-m", "tests.fakejira", "--port", str(fake_port),
                        "--admin-token", FAKE_JIRA_TOKEN]  # fmt: skip
        if args.jira_latency_ms:
            fake_command += ["--latency", str(args.jira_latency_ms / 1000)]
        fake = start(fake_command, env, workdir / "fakejira.log")
        processes.append(fake)
        started = time.perf_counter()
        prepare_database()
        seeded = seed_scimbridge(args.users, f"http://127.0.0.1:{fake_port}", FAKE_JIRA_TOKEN)
        print(f"scimbridge seeded with {args.users} users in {time.perf_counter() - started:.1f} s")
        scim2_ids = workdir / "scim2-ids.txt"
        servers = [
            Server("scimbridge", free_port(), "/scim/v2", seeded.token, seeded.user_ids),
            Server("scim2-server", free_port(), "/v2", "bench-token", []),
            Server("floor", free_port(), "/scim/v2", seeded.token, seeded.user_ids),
        ]
        commands = {
            "scimbridge": [gunicorn, "-c", "deploy/gunicorn.conf.py"],
            "scim2-server": [str(Path(args.scim2_python).parent / "gunicorn"), "--preload",
                             "bench.scim2_server_wsgi:application"],
            "floor": [gunicorn, "bench.floor_wsgi:application"],
        }  # fmt: skip
        extra = {
            "scim2-server": {"BENCH_USERS": str(args.users), "BENCH_IDS_FILE": str(scim2_ids)},
            "floor": {"BENCH_DIRECTORY_ID": str(seeded.directory_id)},
        }
        only = set(filter(None, args.only.split(","))) or {s.name for s in servers}
        servers = [s for s in servers if s.name in only]
        for server in servers:
            ours = server.name != "scim2-server"
            options = gunicorn_options(server.port, embedded=embedded and ours)
            server.process = start(commands[server.name] + options,
                                   {**env, **extra.get(server.name, {})},
                                   workdir / f"{server.name}.log")  # fmt: skip
            processes.append(server.process)
        wait_http(f"http://127.0.0.1:{fake_port}/rest/api/2/serverInfo")
        for server in servers:
            wait_http(f"http://127.0.0.1:{server.port}{server.prefix}/Users", seconds=600)
            if server.name == "scim2-server":
                server.ids = scim2_ids.read_text().split()
            check_answers(server, args.users)
        results, labels = measure(servers, args, workdir=workdir)
        report(results, labels, args)
        print(f"\nlogs: {workdir}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
