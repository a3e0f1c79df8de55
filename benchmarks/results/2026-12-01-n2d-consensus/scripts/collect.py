"""Copies the reported rows into the results directory as ROW-seedS.npy + ROW-seedS.json (deep-cluster's report
format: fmnist evaluate's scores, the seconds of the commands that made the labels), for deep_cluster_table.py."""
import json, os, shutil, subprocess, sys
D = sys.argv[1]; O = "/tmp/ens/out"; N = "/tmp/ens/native2"
os.makedirs(D, exist_ok=True)
def seconds(paths):
    got = [json.load(open(p))["seconds"] for p in paths]
    return sum(s["total"] if isinstance(s, dict) else s for s in got)
def put(row, seed, labels, secs, native_json=None):
    dst = f"{D}/{row}-seed{seed}"
    shutil.copyfile(labels, dst + ".npy")
    if native_json:  # deep-cluster's own report
        shutil.copyfile(native_json, dst + ".json"); return
    m = json.loads(subprocess.run(["/tmp/ens/fmnist", "evaluate", "--pred", labels, "--split", "all", "--json"], check=True,
                                  capture_output=True, text=True).stdout)
    json.dump({"metrics": {"accuracy": m["acc"], "nmi": m["nmi"], "ari": m["ari"], "ami": m["ami"]}, "seconds": secs,
               "composed": True}, open(dst + ".json", "w"), indent=1)
def runs(s, rs): return [f"{O}/{k}-seed{s}-x{100*r+s}.json" for r in rs for k in ("embed", "gmm")]
for s in range(9):
    # N2D as deep-cluster runs it (run 0: seed S): the baseline of the same encoders.
    put("n2d-simclr", s, f"{O}/run-seed{s}-x{s}.npy", seconds(runs(s, [0])))
    if os.path.exists(f"{O}/consensus5-seed{s}-a.npy"):
        put("n2d-consensus5", s, f"{O}/consensus5-seed{s}-a.npy", seconds(runs(s, range(5)) + [f"{O}/consensus5-seed{s}-a.json"]),
            "/tmp/ens/native/n2d-consensus5-seed0.json" if s == 0 else None)
        put("n2d-consensus5-second", s, f"{O}/consensus5-seed{s}-b.npy",
            seconds(runs(s, range(5, 10)) + [f"{O}/consensus5-seed{s}-b.json"]))
for t in ("0-1-2", "3-4-5", "6-7-8"):
    first = t.split("-")[0]
    if os.path.exists(f"{N}/ensemble3-{t}.npy"):
        put("n2d-ensemble3", first, f"{N}/ensemble3-{t}.npy", None, f"{N}/ensemble3-{t}.json")
    if os.path.exists(f"{O}/ensemble3-{t}.npy"):
        put("n2d-ensemble3-composed", first, f"{O}/ensemble3-{t}.npy",
            seconds([f"{O}/embed-ensemble3-{t}.json", f"{O}/gmm-ensemble3-{t}.json"]))
    if os.path.exists(f"{O}/consensus15-{t}.npy"):
        a, b, c = t.split("-")
        put("n2d-consensus15", first, f"{O}/consensus15-{t}.npy",
            seconds(runs(int(a), range(5)) + runs(int(b), range(5)) + runs(int(c), range(5)) + [f"{O}/consensus15-{t}.json"]))
    if os.path.exists(f"{N}/ensemble3-consensus5-{t}.npy"):
        put("n2d-ensemble3-consensus5", first, f"{N}/ensemble3-consensus5-{t}.npy", None, f"{N}/ensemble3-consensus5-{t}.json")
for s in range(3):
    if os.path.exists(f"{O}/consensus5-cnn-seed{s}-a.npy"):
        train = json.load(open(f"{O}/train-cnn-seed{s}-a.json"))
        put("n2d-consensus5-cnn", s, f"{O}/consensus5-cnn-seed{s}-a.npy",
            seconds(runs(s, range(5)) + [f"{O}/consensus5-seed{s}-a.json"]) + sum(e["seconds"] for e in train["epochs"]))
