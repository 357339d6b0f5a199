"""Hashing benchmark: content hash v1 against named baselines (issue 2, section 5).

    .venv/bin/python bench/bench_hashing.py            # 1,000 artifacts x 10 files (~120 MB) + 1 GiB file
    .venv/bin/python bench/bench_hashing.py --quick    # tiny smoke run (seconds)

Generates its own data under a temporary folder (removed afterwards unless
--keep), prints machine info, sizes, medians of --runs runs and ratios, and
PASS/MISS per target. It never asserts timings.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import child_env, cpu_line, load_line, print_checks, rounds  # noqa: E402
from core.content import hash_tree, hash_trees  # noqa: E402
from core.content.statcache import DEFAULT_GRANULARITY_NS, StatCache  # noqa: E402

MIB = 1 << 20


# --- machine -----------------------------------------------------------------


def machine_info(where: Path) -> list[str]:
    fs = "unknown"
    try:
        fs = subprocess.run(
            ["stat", "-f", "-c", "%T", str(where)], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    import ssl

    return [
        cpu_line(),
        f"python: {platform.python_implementation()} {platform.python_version()} "
        f"({ssl.OPENSSL_VERSION}), {platform.system()} {platform.release()}",
        f"data folder: {where} (filesystem: {fs})",
    ]


# --- data --------------------------------------------------------------------


def generate_collection(root: Path, artifacts: int, files: int, mean_size: int, seed: int = 1) -> tuple[int, int]:
    """skills/skill-NNNN/ folders with SKILL.md, scripts and references; sizes vary
    (log-normal around `mean_size`), a few scripts executable. Returns (files, bytes)."""
    rng = random.Random(seed)
    # One random pool sliced at random offsets: generation stays fast and every
    # file's content still differs.
    pool = rng.randbytes(8 * MIB)
    total_files = total_bytes = 0
    sigma = 1.0
    mu = __import__("math").log(mean_size) - sigma * sigma / 2
    for a in range(artifacts):
        art = root / "skills" / f"skill-{a:04d}"
        (art / "scripts").mkdir(parents=True)
        (art / "references").mkdir()
        for f in range(files):
            if f == 0:
                rel = "SKILL.md"
            elif f % 3 == 1:
                rel = f"scripts/tool_{f}.py"
            else:
                rel = f"references/notes {f}.md"
            size = min(int(rng.lognormvariate(mu, sigma)), 4 * MIB)
            start = rng.randrange(0, len(pool) - size)
            path = art / rel
            path.write_bytes(pool[start : start + size])
            if rel.startswith("scripts/") and f % 2:
                path.chmod(0o755)
            total_files += 1
            total_bytes += size
    return total_files, total_bytes


def generate_big_file(path: Path, size: int) -> None:
    """Written a block at a time, so the generator itself stays small."""
    block = random.Random(2).randbytes(MIB)
    with open(path, "wb") as f:
        for i in range(size // MIB):
            f.write(i.to_bytes(8, "little") + block[8:])


# --- contenders ----------------------------------------------------------------


def naive_hash(root: Path) -> str:
    """The seed's scheme: sorted rglob, update(relative path) + update(read_bytes())."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def find_pipeline(root: Path) -> str:
    cmd = "find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum"
    out = subprocess.run(cmd, shell=True, cwd=root, capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


_MEMORY_PROBE = textwrap.dedent(
    """
    import hashlib, resource, statistics, sys, time
    sys.path.insert(0, {root!r})
    from core.content import hash_file, hash_tree

    def peak_kib():
        # VmHWM belongs to this process image; ru_maxrss can carry the parent's
        # peak across fork + exec, so it is only the fallback.
        try:
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    path = {path!r}
    base = peak_kib()
    streamed = {{"hash_file": lambda: hash_file(path),
                "hash_tree": lambda: hash_tree(path).entries[0].digest}}
    times = {{name: [] for name in ("memory", *streamed)}}
    for name, fn in streamed.items():  # first pass: peak memory of the streamed readers alone
        t0 = time.perf_counter(); digest = fn(); times[name].append(time.perf_counter() - t0)
        print("digest", name, digest)
    print("rss_kib", base, peak_kib())
    data = open(path, "rb").read()
    print("digest memory", hashlib.sha256(data).hexdigest())
    for _ in range({runs}):  # then turns, so outside load hits every contender alike
        t0 = time.perf_counter(); hashlib.sha256(data).hexdigest(); times["memory"].append(time.perf_counter() - t0)
        for name, fn in streamed.items():
            t0 = time.perf_counter(); fn(); times[name].append(time.perf_counter() - t0)
    for name, ts in times.items():
        print("median", name, statistics.median(ts[-{runs}:]))
    """
)


# --- whole process -------------------------------------------------------------

# The floor for a re-check that trusts nothing without an lstat: a bare interpreter
# that walks the tree with os.scandir and lstats every file, and does nothing else.
_FLOOR_WALK = textwrap.dedent(
    """
    import os, sys
    def walk(path):
        with os.scandir(path) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path)
                else:
                    entry.stat(follow_symlinks=False)
    walk(os.fsencode(sys.argv[1]))
    """
)

# The seed's naive hash as a script of its own (the named baseline for a cold run).
_NAIVE_SCRIPT = textwrap.dedent(
    """
    import hashlib, sys
    from pathlib import Path
    root = Path(sys.argv[1])
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    print(h.hexdigest())
    """
)


def whole_process(coll: Path, work: Path, runs: int, before: Path | None) -> tuple[float, float]:
    """`main.py hash --home H COLL` as a user runs it, against the floor walk and the naive
    script, each a fresh interpreter. Returns (warm / floor, naive / cold), wall time.
    CPU time (user + system, from wait4) is shown beside: on a shared machine it moves
    less than wall time with the other load."""
    py, env = sys.executable, child_env()
    checkouts = {"ours": ROOT} | ({"before": before} if before else {})

    def run(cmd: list[str]) -> tuple[str, float, float]:
        """stdout, wall seconds and CPU seconds of one process."""
        t0 = time.perf_counter()
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, cwd=ROOT, env=env)
            out = proc.stdout.read()  # type: ignore[union-attr]
            proc.stdout.close()  # type: ignore[union-attr]
            _, status, usage = os.wait4(proc.pid, 0)  # reaps it, with its own resource usage
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode:
                err.seek(0)
                raise SystemExit(f"{cmd} failed: {err.read().decode(errors='replace')}")
        return out.decode().strip(), wall, usage.ru_utime + usage.ru_stime

    def hash_cmd(where: Path, home: Path) -> list[str]:
        return [py, str(where / "main.py"), "--home", str(home), "hash", str(coll)]

    commands = {"floor": [py, "-c", _FLOOR_WALK, str(coll)], "naive": [py, "-c", _NAIVE_SCRIPT, str(coll)]}
    cold_homes: dict[str, Path] = {}
    for name, where in checkouts.items():
        commands[f"{name} warm"] = hash_cmd(where, work / f"home-{name}")
        cold_homes[f"{name} cold"] = work / f"home-cold-{name}"
        commands[f"{name} cold"] = hash_cmd(where, cold_homes[f"{name} cold"])

    def drop_caches() -> None:  # before every cold run; not timed
        for home in cold_homes.values():
            shutil.rmtree(home / "cache", ignore_errors=True)

    # One unmeasured round: bytecode caches, page cache, and the warm homes' stat caches
    # filled (the files are past the racy window by now).
    for cmd in commands.values():
        drop_caches()
        run(cmd)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    results: dict[str, str] = {}
    for _ in range(runs):  # contenders take turns, so outside load hits them alike
        for name, cmd in commands.items():
            if name in cold_homes:
                drop_caches()
            results[name], wall, cpu = run(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    med = {name: statistics.median(t) for name, t in walls.items()}
    cpu = {name: statistics.median(t) for name, t in cpus.items()}
    hashes = {results[name] for name in results if name.endswith((" warm", " cold"))}
    assert len(hashes) == 1, f"the runs disagree on the content hash: {results}"
    floor, naive = med["floor"], med["naive"]
    print(f"\n-- whole process: `main.py --home H hash {coll.name}` (one tree, every process fresh; "
          f"median of {runs}; wall, and CPU = user + system) --")
    print(f"{'floor: python -c (os.scandir + lstat of every file, nothing else)':<64} {fmt_s(floor)}  "
          f"CPU {fmt_s(cpu['floor'])}")
    print(f"{'naive: python -c (the seed naive hash of the tree)':<64} {fmt_s(naive)}  CPU {fmt_s(cpu['naive'])}")
    for name in checkouts:
        w, c = f"{name} warm", f"{name} cold"
        print(f"{name + ' main.py hash, warm stat cache':<64} {fmt_s(med[w])}  CPU {fmt_s(cpu[w])}  "
              f"= {med[w] / floor:.2f}x floor (CPU {cpu[w] / cpu['floor']:.2f}x)")
        print(f"{name + ' main.py hash, cold (no stat cache; filled, saved)':<64} {fmt_s(med[c])}  CPU {fmt_s(cpu[c])}  "
              f"naive / it = {naive / med[c]:.2f}x (CPU {cpu['naive'] / cpu[c]:.2f}x)")
    warm_ratio, cold_ratio = med["ours warm"] / floor, naive / med["ours cold"]
    print(f"ratio whole process: warm / floor = {warm_ratio:.2f}x   naive / cold = {cold_ratio:.2f}x   (wall)")
    return warm_ratio, cold_ratio


# --- main --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny data, for a smoke test")
    ap.add_argument("--artifacts", type=int, default=None)
    ap.add_argument("--files", type=int, default=10, help="files per artifact")
    ap.add_argument("--mean-size", type=int, default=12_000, help="mean file size in bytes")
    ap.add_argument("--big-mib", type=int, default=None, help="size of the big file in MiB")
    ap.add_argument("--runs", type=int, default=3, help="runs per contender (median)")
    ap.add_argument("--dir", type=Path, default=None, help="parent folder for the data")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--before", type=Path, default=None,
                    help="another checkout (e.g. `git archive 79d4701 | tar -x -C DIR`) whose main.py is timed too")
    args = ap.parse_args(argv)
    artifacts = args.artifacts or (20 if args.quick else 1000)
    big_mib = args.big_mib or (8 if args.quick else 1024)
    runs = max(3, args.runs)

    work = Path(tempfile.mkdtemp(prefix="bench-hashing-", dir=args.dir))
    try:
        print("== Hashing benchmark (content hash v1) ==")
        for line in machine_info(work):
            print(line)
        coll = work / "collection"
        t0 = time.perf_counter()
        nfiles, nbytes = generate_collection(coll, artifacts, args.files, args.mean_size)
        generated_at = time.time_ns()
        print(
            f"collection: {artifacts} artifacts x {args.files} files = {nfiles} files, "
            f"{nbytes / 1e6:.1f} MB (generated in {time.perf_counter() - t0:.1f} s)"
        )
        print(f"runs per contender: {runs} (median shown; contenders take turns in each round); "
              "page cache is warm for every contender")
        print(f"at start: {load_line()}")
        arts = sorted((coll / "skills").iterdir())

        def fresh_cache() -> StatCache:
            cache_path = work / "statcache.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(str(cache_path) + suffix).unlink(missing_ok=True)
            return StatCache(cache_path)

        def ours_cold_fresh_cache() -> list[str]:
            cache = fresh_cache()
            out = [hash_tree(a, cache=cache).content_hash for a in arts]
            cache.save()
            return out

        def ours_no_cache() -> list[str]:
            return [hash_tree(a).content_hash for a in arts]

        def batch_cold_fresh_cache() -> list[str]:
            cache = fresh_cache()
            out = [t.content_hash for t in hash_trees(arts, cache=cache, spread=True)]
            cache.save()
            return out

        def batch_no_cache() -> list[str]:
            return [t.content_hash for t in hash_trees(arts, spread=True)]

        def naive_all() -> list[str]:
            return [naive_hash(a) for a in arts]

        def ours_warm() -> list[str]:
            cache = StatCache(work / "warm.sqlite3")  # opening (loading) the cache is timed too
            out = [hash_tree(a, cache=cache).content_hash for a in arts]
            cache.save()
            return out

        def batch_warm() -> list[str]:
            cache = StatCache(work / "warm.sqlite3")
            out = [t.content_hash for t in hash_trees(arts, cache=cache, spread=True)]
            cache.save()
            return out

        # Warm-up pass so no contender pays for first imports or cold dentries.
        naive_all()
        ours_no_cache()
        batch_no_cache()

        print("\n-- cold: every file read and hashed (stat cache dropped) --")
        med, res = rounds(
            {"naive": naive_all, "find": lambda: find_pipeline(coll),
             "cold": ours_cold_fresh_cache, "nocache": ours_no_cache,
             "batch_cold": batch_cold_fresh_cache, "batch_nocache": batch_no_cache},
            runs,
        )
        t_naive, t_find, t_cold, t_nocache = med["naive"], med["find"], med["cold"], med["nocache"]
        t_bcold, t_bnocache = med["batch_cold"], med["batch_nocache"]
        plain_hashes = res["nocache"]
        for name in ("cold", "batch_cold", "batch_nocache"):
            assert res[name] == plain_hashes, f"{name} gave different hashes from hash_tree without a cache"
        print(f"naive (sorted rglob, update(path)+update(read_bytes()))  {fmt_s(t_naive)}  (one artifact after another)")
        print(f"find | sort -z | xargs -0 sha256sum | sha256sum        {fmt_s(t_find)}  (one pipeline, whole collection)")
        print(f"hash_tree, fresh stat cache filled and saved            {fmt_s(t_cold)}  (one artifact after another)")
        print(f"hash_tree, no stat cache                                {fmt_s(t_nocache)}  (one artifact after another)")
        print(f"hash_trees(spread=True), fresh stat cache filled, saved {fmt_s(t_bcold)}  (whole artifacts spread over {os.cpu_count()} cores)")
        print(f"hash_trees(spread=True), no stat cache                  {fmt_s(t_bnocache)}  (whole artifacts spread)")
        seq_ratio, batch_ratio = t_naive / t_cold, t_naive / t_bcold
        print(f"ratio cold: naive / hash_tree = {seq_ratio:.2f}x   find / hash_tree = {t_find / t_cold:.2f}x"
              f"   (no cache: naive / hash_tree = {t_naive / t_nocache:.2f}x)")
        print(f"ratio cold spread: naive / hash_trees(spread=True) = {batch_ratio:.2f}x"
              f"   (no cache: naive / hash_trees = {t_naive / t_bnocache:.2f}x)"
              "   [naive stays one artifact after another; hash_trees by default = hash_tree per artifact]")
        cold_ratio = max(seq_ratio, batch_ratio)
        cold_label = "hash_trees(spread=True)" if batch_ratio >= seq_ratio else "hash_tree per artifact"

        print("\n-- warm re-check of the unchanged tree --")
        # A digest cached within the racy window of its file's mtime is not trusted;
        # real files are older than that, so let the fresh data age past it.
        wait = (generated_at + DEFAULT_GRANULARITY_NS - time.time_ns()) / 1e9 + 0.05
        if wait > 0:
            print(f"(waiting {wait:.1f} s so the new files are older than the {DEFAULT_GRANULARITY_NS / 1e9:.0f} s racy window)")
            time.sleep(wait)
        primer = StatCache(work / "warm.sqlite3")
        for a in arts:
            hash_tree(a, cache=primer)
        primer.save()
        med, res = rounds({"naive": naive_all, "warm": ours_warm, "batch_warm": batch_warm}, runs)
        t_naive_w, t_warm, t_bwarm = med["naive"], med["warm"], med["batch_warm"]
        assert res["warm"] == plain_hashes and res["batch_warm"] == plain_hashes, "warm hashes differ from cold hashes"
        warm_ratio = t_naive_w / t_warm
        print(f"naive (no cache possible)                               {fmt_s(t_naive_w)}")
        print(f"hash_tree with stat cache (open + check + save)         {fmt_s(t_warm)}  (one artifact after another)")
        print(f"hash_trees(spread=True) with stat cache                 {fmt_s(t_bwarm)}  (whole artifacts spread)")
        print(f"ratio warm: naive / hash_tree = {warm_ratio:.2f}x   (spread: naive / hash_trees = {t_naive_w / t_bwarm:.2f}x)")

        process_warm, process_cold = whole_process(coll, work, runs, args.before)

        print(f"\n-- one {big_mib} MiB file --")
        big = work / "big.bin"
        generate_big_file(big, big_mib * MIB)
        # The streamed contenders run first, in a fresh process, so their peak memory
        # is theirs alone; then the bytes are loaded here for the in-memory baseline.
        probe = _MEMORY_PROBE.format(root=str(ROOT), path=str(big), runs=runs)
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        digests, medians = {}, {}
        base_kib = peak_kib = 0
        for line in out.splitlines():
            what, *rest = line.split()
            if what == "digest":
                digests[rest[0]] = rest[1]
            elif what == "median":
                medians[rest[0]] = float(rest[1])
            elif what == "rss_kib":
                base_kib, peak_kib = int(rest[0]), int(rest[1])
        if len(set(digests.values())) != 1:
            raise SystemExit(f"streamed and in-memory digests differ: {digests}")
        size = big.stat().st_size
        t_mem, t_file, t_tree = medians["memory"], medians["hash_file"], medians["hash_tree"]
        peak_mib = (peak_kib - base_kib) / 1024
        mbps = lambda t: size / t / 1e6  # noqa: E731
        print(f"hashlib.sha256 over the bytes in memory                 {fmt_s(t_mem)}  {mbps(t_mem):7.0f} MB/s")
        print(f"hash_file (streamed)                                    {fmt_s(t_file)}  {mbps(t_file):7.0f} MB/s")
        print(f"hash_tree on the single file                            {fmt_s(t_tree)}  {mbps(t_tree):7.0f} MB/s")
        big_ratio = t_mem / t_file
        print(f"ratio big file: hash_file throughput / in-memory = {big_ratio * 100:.1f}%"
              f"   (hash_tree: {t_mem / t_tree * 100:.1f}%)")
        print(f"peak memory of hash_file + hash_tree: {peak_mib:.1f} MiB above the interpreter's "
              f"{base_kib / 1024:.1f} MiB baseline (VmHWM, separate process)")

        print(f"\nat end: {load_line()}")
        print("\n-- targets --")
        checks = [
            ("cold >= 2x naive", cold_ratio >= 2.0,
             f"{cold_ratio:.2f}x with {cold_label} (per artifact {seq_ratio:.2f}x, spread {batch_ratio:.2f}x)"),
            ("warm >= 10x naive", warm_ratio >= 10.0, f"{warm_ratio:.2f}x"),
            ("whole process, warm <= 1.6x the scandir + lstat floor", process_warm <= 1.6, f"{process_warm:.2f}x"),
            ("whole process, cold >= 1.5x faster than naive", process_cold >= 1.5, f"{process_cold:.2f}x"),
            ("big file >= 90% of in-memory throughput", big_ratio >= 0.9, f"{big_ratio * 100:.1f}%"),
            ("big file peak memory < 64 MiB", peak_mib < 64, f"{peak_mib:.1f} MiB"),
        ]
        print_checks(checks, args.quick)
        return 0
    finally:
        if args.keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
