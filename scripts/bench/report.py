#!/usr/bin/env python3
"""Turns the raw data of scripts/bench.sh into results.md, results.json and the chart data.

Usage: report.py RESULTS_DIR  (reads hyperfine/*.json and raw/facts.tsv there)
"""
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
MIB = 1024.0


def load_hyperfine(name):
    data = json.loads((out / "hyperfine" / (name + ".json")).read_text())
    res = {}
    for r in data["results"]:
        res[r["command"]] = {
            "median_ms": r["median"] * 1e3,
            "mean_ms": r["mean"] * 1e3,
            "stddev_ms": (r["stddev"] or 0.0) * 1e3,
            "min_ms": r["min"] * 1e3,
            "max_ms": r["max"] * 1e3,
            "runs": len(r["times"]),
        }
    return res


facts = {}
for line in (out / "raw" / "facts.tsv").read_text().splitlines():
    key, _, value = line.partition("\t")
    facts[key] = value

main = load_hyperfine("main")
cold = load_hyperfine("cold")
sync = load_hyperfine("sync")
SIZES = [10, 1000, 10000]


def med(name):
    return main[name]["median_ms"]


def ir(name):
    v = facts.get("ir." + name)
    return int(v) if v else None


def faults(name):
    v = facts.get("faults." + name)
    return int(v) if v else None


def rss(name):
    v = facts.get("rss." + name)
    return int(v) if v else None


true_n = med("true")  # /bin/true run directly (hyperfine -N)
true_br = med("br: true")  # /bin/true through bench-run
wrapper = true_br - true_n  # what bench-run adds to any command
pass_get = med("br: pass get")
ecr_list = med("br: ecr-login list")

# Rows of the main table: (label, hyperfine name, rss key, callgrind key)
rows = [("/bin/true", "br: true", "true", "true"), ("version", "br: version", "version", "version")]
for n in SIZES:
    rows.append((f"hot get ({n:,} entries)", f"br: hot get ({n})", f"hot get ({n})", f"hot-get-{n}"))
for n in SIZES:
    rows.append((f"not-found get ({n:,} entries)", f"br: not-found get ({n})", f"not-found get ({n})",
                 f"not-found-get-{n}"))
for n in SIZES:
    rows.append((f"list ({n:,} entries)", f"br: list ({n})", f"list ({n})", f"list-{n}"))
rows += [
    ("docker-credential-pass get", "br: pass get", "pass get", None),
    ("docker-credential-pass list", "br: pass list", "pass list", None),
    ("docker-credential-ecr-login list", "br: ecr-login list", "ecr-login list", None),
]

table = []
for label, name, rss_key, ir_key in rows:
    m = med(name)
    table.append({
        "command": label,
        "median_ms": m,
        "stddev_ms": main[name]["stddev_ms"],
        "runs": main[name]["runs"],
        "x_true": m / true_br,
        "x_true_direct_estimate": (m - wrapper) / true_n,
        "x_pass_get": m / pass_get,
        "x_ecr_list": m / ecr_list,
        "peak_rss_kib": rss(rss_key),
        "minor_faults": faults(rss_key),
        "instructions": ir(ir_key) if ir_key else None,
    })

direct = []
for label, name in [("/bin/true", "true"), ("version", "version"), ("list (10 entries)", "list (10)"),
                    ("docker-credential-pass list", "pass list"),
                    ("docker-credential-ecr-login list", "ecr-login list")]:
    m = med(name)
    direct.append({"command": label, "median_ms": m, "stddev_ms": main[name]["stddev_ms"],
                   "x_true": m / true_n, "x_ecr_list": m / med("ecr-login list")})

cold_true = cold["true (bench-run)"]["median_ms"]
cold_rows = []
for label, name, req in [("cold get, never-synced node (list request)", "cold get (never-synced node)",
                          "cold.requests"),
                         ("cold get, dropped copy (by-ID request)", "cold get (dropped copy, by ID)",
                          "refetch.requests")]:
    m = cold[name]["median_ms"]
    cold_rows.append({"command": label, "median_ms": m, "runs": cold[name]["runs"],
                      "x_true": m / cold_true, "x_pass_get": m / pass_get,
                      "requests": int(facts[req])})

bursts = {}
for n in (32, 64):
    walls, reqs, fails = [], [], []
    b = 1
    while f"burst{n}.{b}" in facts:
        w, r, f = (int(x) for x in facts[f"burst{n}.{b}"].split())
        walls.append(w)
        reqs.append(r)
        fails.append(f)
        b += 1
    bursts[n] = {"bursts": len(walls), "median_wall_ms": statistics.median(walls) if walls else None,
                 "requests": reqs, "failed_gets": sum(fails)}

ctl_latency = []
k = 1
while f"ctl.curl.{k}" in facts:
    app, pre, start, total = (float(x) for x in facts[f"ctl.curl.{k}"].split())
    ctl_latency.append({"tls_handshake_ms": app * 1e3, "first_byte_ms": (start - pre) * 1e3,
                        "total_ms": total * 1e3})
    k += 1
ctl_first_byte = statistics.median(x["first_byte_ms"] for x in ctl_latency) if ctl_latency else None
ctl_total = statistics.median(x["total_ms"] for x in ctl_latency) if ctl_latency else None
cold_rows[0]["peak_rss_kib"] = rss("cold get (never-synced node)")

sync_row = {"median_ms": sync["sync of 1,000 registries"]["median_ms"],
            "runs": sync["sync of 1,000 registries"]["runs"],
            "requests": int(facts["sync.requests"]), "entries": int(facts["sync.entries"])}

hot = table[2]
budgets = [
    {
        "budget": "hot get median <= 1.2 x /bin/true",
        "measured": f"{hot['x_true_direct_estimate']:.2f} x (direct estimate); "
                    f"{hot['x_true']:.2f} x through bench-run",
        "pass": hot["x_true_direct_estimate"] <= 1.2,
    },
    {
        "budget": "hot get peak RSS <= 3 MiB",
        "measured": f"{hot['peak_rss_kib'] / MIB:.2f} MiB",
        "pass": hot["peak_rss_kib"] <= 3 * 1024,
    },
]
for label_prefix, key in [("list", "list (10,000 entries)"), ("not-found get", "not-found get (10,000 entries)")]:
    row = next(r for r in table if r["command"] == key)
    budgets.append({"budget": f"{label_prefix} with 10,000 entries <= 20 ms",
                    "measured": f"{row['median_ms']:.2f} ms", "pass": row["median_ms"] <= 20.0})
budgets.append({"budget": "cold get: exactly one controller request",
                "measured": f"{cold_rows[0]['requests']} (never-synced), {cold_rows[1]['requests']} (dropped copy)",
                "pass": cold_rows[0]["requests"] == 1 and cold_rows[1]["requests"] == 1})
b64 = bursts[64]
budgets.append({"budget": "64 concurrent cold gets: one request",
                "measured": f"{b64['requests']} in {b64['bursts']} bursts, {b64['failed_gets']} failed gets",
                "pass": b64["bursts"] > 0 and all(r == 1 for r in b64["requests"]) and b64["failed_gets"] == 0})

machine = {k.split(".", 1)[1]: v for k, v in facts.items() if k.startswith("machine.")}
result = {
    "machine": machine,
    "method": {
        "wrapper_ms": wrapper,
        "true_direct_ms": true_n,
        "true_bench_run_ms": true_br,
    },
    "main": table,
    "direct": direct,
    "cold": cold_rows,
    "bursts": bursts,
    "sync_1000": sync_row,
    "controller_request_curl": {"median_first_byte_ms": ctl_first_byte, "median_total_ms": ctl_total,
                                "runs": ctl_latency},
    "vaults": {n: {"entries": int(facts[f"entries.{n}"]), "bytes": int(facts[f"vaultbytes.{n}"]),
                   "listed": int(facts[f"list.{n}.count"])} for n in SIZES},
    "budgets": budgets,
    "facts": facts,
}
(out / "results.json").write_text(json.dumps(result, indent=2) + "\n")


def f2(x):
    return "–" if x is None else f"{x:.2f}"


def ratio(x):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def mib(kib):
    return "–" if kib is None else f"{kib / MIB:.2f}"


def count(n):
    return "–" if n is None else f"{n:,}"


md = []
md.append(f"Build: commit {facts.get('build.commit')}"
          + (f", with {facts.get('build.dirty')} uncommitted changes under helper/ and vault/" if facts.get('build.dirty', '0') != '0' else "")
          + f"; helper binary {int(facts.get('helper.size', 0)) / MIB / 1024:.1f} MiB, static.")
md.append("")
md.append(f"Machine: {machine.get('nproc')} CPUs, {machine.get('cpu')}, Linux {machine.get('kernel')}, "
          f"Debian {machine.get('debian')}; {machine.get('hyperfine')}.")
md.append("")
md.append(f"**Protocol commands** ({table[0]['runs']} runs each after warm-up, one hyperfine run inside "
          "`unshare -n`; every command, /bin/true included, started through `bench-run`, which gives it "
          f"its stdin; bench-run adds {wrapper:.3f} ms, see the method):")
md.append("")
md.append("| command | median ms | × /bin/true | × /bin/true, direct (est.) | × pass get | × ecr-login list "
          "| peak RSS MiB | page faults | instructions |")
md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in table:
    md.append(f"| {r['command']} | {r['median_ms']:.3f} | {ratio(r['x_true'])} | "
              f"{ratio(r['x_true_direct_estimate'])} | {ratio(r['x_pass_get'])} | {ratio(r['x_ecr_list'])} | "
              f"{mib(r['peak_rss_kib'])} | {count(r['minor_faults'])} | {count(r['instructions'])} |")
md.append("")
md.append("Vaults: " + "; ".join(f"{n:,}: {facts[f'entries.{n}']} entries ({int(facts[f'vaultbytes.{n}']) / 1024:,.0f} KiB vault.json, "
                                 f"{facts[f'list.{n}.count']} listed)" for n in SIZES) +
          ". The 2 extra entries are the controller's two public registries.")
md.append("")
md.append("**Without stdin, started directly** (hyperfine -N, same run):")
md.append("")
md.append("| command | median ms | × /bin/true | × ecr-login list |")
md.append("|---|---:|---:|---:|")
for r in direct:
    md.append(f"| {r['command']} | {r['median_ms']:.3f} | {ratio(r['x_true'])} | {ratio(r['x_ecr_list'])} |")
md.append("")
md.append(f"**Against the dev controller on loopback** (TLS; {cold_rows[0]['runs']} runs each, ratios to "
          f"/bin/true through bench-run in the same run, {cold_true:.3f} ms):")
md.append("")
md.append("| command | median ms | × /bin/true | × pass get | controller requests |")
md.append("|---|---:|---:|---:|---:|")
for r in cold_rows:
    md.append(f"| {r['command']} | {r['median_ms']:.2f} | {ratio(r['x_true'])} | {ratio(r['x_pass_get'])} "
              f"| {r['requests']} |")
for n in (32, 64):
    b = bursts[n]
    md.append(f"| {n} concurrent cold gets, never-synced node (wall, median of {b['bursts']} bursts) | "
              f"{f2(b['median_wall_ms'])} | – | – | {', '.join(str(x) for x in b['requests'])} |")
md.append(f"| sync of 1,000 registries into a new vault ({sync_row['entries']:,} entries) | "
          f"{sync_row['median_ms']:.2f} | {ratio(sync_row['median_ms'] / cold_true)} | "
          f"{ratio(sync_row['median_ms'] / pass_get)} | {sync_row['requests']} |")
md.append("")
if ctl_first_byte is not None:
    md.append(f"One by-ID request to the same controller with curl on a new TLS connection: {ctl_total:.1f} ms "
              f"in all, {ctl_first_byte:.1f} ms of it from the request sent to the first byte of the answer "
              f"(median of {len(ctl_latency)}). Peak RSS of a cold get (largest process of the tree): "
              f"{mib(cold_rows[0]['peak_rss_kib'])} MiB.")
    md.append("")
md.append("**Budgets** (DESIGN.md section 10):")
md.append("")
md.append("| budget | measured | verdict |")
md.append("|---|---|---|")
for b in budgets:
    md.append(f"| {b['budget']} | {b['measured']} | {'PASS' if b['pass'] else 'FAIL'} |")
md.append("")
(out / "results.md").write_text("\n".join(md))

# Chart: ratio to /bin/true of every figure (same method on both sides).
chart = [(r["command"], r["x_true"]) for r in table[1:]]
chart += [("cold get (never synced)", cold_rows[0]["x_true"]), ("cold get (by ID)", cold_rows[1]["x_true"])]
chart.append(("sync 1,000", sync_row["median_ms"] / cold_true))
with (out / "raw" / "chart.dat").open("w") as f:
    for label, x in chart:
        label = label.replace("docker-credential-", "").replace(" entries", "")
        f.write(f"\"{label}\" {x:.4f}\n")
