#!/usr/bin/env python3
"""The peer quality suite: streamsgd's defaults against Vowpal Wabbit's and
River's, one online pass on real public data and the SUSY-shaped stream.

Run it as `make quality` (which builds the pinned environment .cache/pyenv
from scripts/peers/requirements.txt first), from the repository root.

It
  1. writes examples/data/iris.csv, wine.csv and digits.csv.gz from the CSV
     files that the scikit-learn wheel ships in sklearn/datasets/data (the
     same files as Debian's python3-sklearn): the first line of counts and
     class names replaced by a header of column names, label column
     `target`; the data rows are the shipped ones, byte for byte;
     breast_cancer.csv and diabetes.csv are there already
     (scripts/sklearn_reference.py);
  2. runs streamsgd's side, `go run ./datasets/quality/cmd/quality-figures`,
     which lists the data sets (datasets/quality.Suite, defined there only)
     with its figures and writes the SUSY rows it learns from as CSV;
  3. runs, on the very same rows in the very same orders, Vowpal Wabbit with
     its defaults (logistic loss for binary, `--oaa K` for multiclass,
     squared loss for regression) and River (StandardScaler followed by
     LogisticRegression, SoftmaxRegression or LinearRegression, defaults);
  4. prints one table and writes datasets/quality/peers_reference.json, the
     figures datasets/quality's TestPeers holds streamsgd's defaults to.

Protocol (datasets/quality/suite.go states it for the Go side): row i of a
file is held out when i % 5 == 0; the train rows are visited once in the
order of a SplitMix64-driven Fisher-Yates shuffle for seeds 0..S-1, each row
predicted first (prequential score), then learned; the held-out rows are
scored at the end of the pass; scores are averaged over the seeds. SUSY: one
pass over 200,000 rows in stream order, 50,000 held-out rows. Accuracy for
classification (arg-max class), RMSE for regression.
"""

import csv
import gzip
import io
import json
import math
import os
import platform
import subprocess
import sys
import time

import river
import sklearn
import vowpalwabbit
from river import compose, linear_model, preprocessing
from vowpalwabbit import Workspace

DATA = os.path.join("examples", "data")
REFERENCE = os.path.join("datasets", "quality", "peers_reference.json")
WORK = os.path.join(".cache", "quality")
SKLEARN_DATA = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data")
TEST_EVERY = 5
MASK = (1 << 64) - 1

IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
WINE_COLUMNS = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash",
                "magnesium", "total_phenols", "flavanoids",
                "nonflavanoid_phenols", "proanthocyanins", "color_intensity",
                "hue", "od280_od315_of_diluted_wines", "proline"]
DIGITS_COLUMNS = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]


def write_data():
    """Writes iris.csv, wine.csv and digits.csv.gz from the wheel's files."""
    for src, dst, columns in [("iris.csv", "iris.csv", IRIS_COLUMNS),
                              ("wine_data.csv", "wine.csv", WINE_COLUMNS)]:
        with open(os.path.join(SKLEARN_DATA, src), newline="") as f:
            lines = f.read().splitlines(keepends=True)
        with open(os.path.join(DATA, dst), "w", newline="") as f:
            f.write(",".join(columns + ["target"]) + "\n")
            f.writelines(lines[1:])
    with gzip.open(os.path.join(SKLEARN_DATA, "digits.csv.gz"), "rt", newline="") as f:
        body = f.read()
    buf = io.BytesIO()
    # mtime 0 and no file name: the same bytes on every run.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as z:
        z.write((",".join(DIGITS_COLUMNS + ["target"]) + "\n" + body).encode())
    with open(os.path.join(DATA, "digits.csv.gz"), "wb") as f:
        f.write(buf.getvalue())


def read_csv(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    li = header.index("target")
    xs, ys = [], []
    for r in rows[1:]:
        v = [float(s) for s in r]
        ys.append(v[li])
        xs.append(v[:li] + v[li + 1:])
    return xs, ys


def split(xs, ys):
    train = ([], [])
    test = ([], [])
    for i, (x, y) in enumerate(zip(xs, ys)):
        part = test if i % TEST_EVERY == 0 else train
        part[0].append(x)
        part[1].append(y)
    return train, test


def permutation(n, seed):
    """datasets/quality.Permutation: Fisher-Yates driven by SplitMix64."""
    p = list(range(n))
    s = seed & MASK
    for i in range(n - 1, 0, -1):
        s = (s + 0x9E3779B97F4A7C15) & MASK
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        j = z % (i + 1)
        p[i], p[j] = p[j], p[i]
    return p


class Scorer:
    def __init__(self, task):
        self.task, self.n, self.hits, self.se = task, 0, 0, 0.0

    def add(self, pred, y):
        self.n += 1
        if self.task == "regression":
            self.se += (pred - y) ** 2
        elif pred == y:
            self.hits += 1

    def value(self):
        if self.task == "regression":
            return math.sqrt(self.se / self.n)
        return self.hits / self.n


class VW:
    """Vowpal Wabbit with its defaults (adaptive, normalized, invariant
    updates, learning rate 0.5); only the loss or reduction of the task."""

    def __init__(self, task, classes):
        self.task = task
        args = "--quiet"
        if task == "binary":
            args += " --loss_function logistic --link logistic"
        elif task == "multiclass":
            args += f" --oaa {classes}"
        self.vw = Workspace(args)

    def example(self, x, y):
        if self.task == "binary":
            label = "1" if y > 0.5 else "-1"
        elif self.task == "multiclass":
            label = str(int(y) + 1)
        else:
            label = repr(y)
        feats = " ".join(f"f{j}:{v!r}" for j, v in enumerate(x) if v != 0)
        return f"{label} |x {feats}"

    def predict(self, x, y):
        p = self.vw.predict(self.example(x, y))
        if self.task == "binary":
            return 1.0 if p > 0.5 else 0.0
        if self.task == "multiclass":
            return float(int(p) - 1)
        return float(p)

    def learn(self, x, y):
        self.vw.learn(self.example(x, y))

    def close(self):
        self.vw.finish()


class River:
    """River: StandardScaler | LogisticRegression, SoftmaxRegression or
    LinearRegression, all with their defaults."""

    def __init__(self, task, classes):
        self.task = task
        est = {"binary": linear_model.LogisticRegression,
               "multiclass": linear_model.SoftmaxRegression,
               "regression": linear_model.LinearRegression}[task]()
        self.model = compose.Pipeline(preprocessing.StandardScaler(), est)

    def label(self, y):
        if self.task == "binary":
            return y > 0.5
        if self.task == "multiclass":
            return int(y)
        return y

    def predict(self, x, y):
        p = self.model.predict_one(dict(enumerate(x)))
        if self.task == "binary":
            return 1.0 if p else 0.0
        if self.task == "multiclass":
            return -1.0 if p is None else float(p)
        return float(p)

    def learn(self, x, y):
        self.model.learn_one(dict(enumerate(x)), self.label(y))

    def close(self):
        pass


def run_peer(peer, task, classes, seeds, train, test, stream_order):
    held, preq = 0.0, 0.0
    cpu0 = time.process_time()
    rows = 0
    for seed in range(seeds):
        learner = peer(task, classes)
        order = range(len(train[0])) if stream_order else permutation(len(train[0]), seed)
        ps = Scorer(task)
        for i in order:
            x, y = train[0][i], train[1][i]
            ps.add(learner.predict(x, y), y)
            learner.learn(x, y)
        hs = Scorer(task)
        for x, y in zip(*test):
            hs.add(learner.predict(x, y), y)
        learner.close()
        held += hs.value()
        preq += ps.value()
        rows += len(order)
    cpu = time.process_time() - cpu0
    return {"held_out": held / seeds, "prequential": preq / seeds}, 1e6 * cpu / rows


def main():
    os.makedirs(WORK, exist_ok=True)
    write_data()
    figures = os.path.join(WORK, "streamsgd.json")
    cmd = ["go", "run", "./datasets/quality/cmd/quality-figures",
           "-data", DATA, "-susy", WORK, "-out", figures]
    subprocess.run(cmd, check=True)
    # The data sets (name, file, task, classes, seeds) are those of
    # datasets/quality.Suite, as the command lists them with its figures.
    with open(figures) as f:
        suite = json.load(f)

    ref = {
        "command": "make quality (scripts/peers/quality.py)",
        "python": platform.python_version(),
        "river_version": river.__version__,
        "vowpalwabbit_version": vowpalwabbit.__version__,
        "sklearn_version": sklearn.__version__,
        "protocol": "one online pass, prequential then held-out (row i held out when i%5==0); "
                    "train order: SplitMix64 Fisher-Yates of seeds 0..seeds-1, scores averaged; "
                    "SUSY: 200000 rows of seed 1 in stream order, 50000 held-out rows of seed 2",
        "datasets": {},
    }
    rows = []
    for d in suite:
        name, file, task, classes, seeds = d["name"], d["file"], d["task"], d["classes"], d["seeds"]
        if not file:
            train = read_csv(os.path.join(WORK, "susy_train.csv"))
            test = read_csv(os.path.join(WORK, "susy_test.csv"))
        else:
            train, test = split(*read_csv(os.path.join(DATA, file)))
        metric = d["metric"]
        peers = {}
        for pname, peer in [("vw", VW), ("river", River)]:
            peers[pname], cpu = run_peer(peer, task, classes, seeds, train, test, not file)
            print(f"{name}: {pname} held-out {peers[pname]['held_out']:.4f}, "
                  f"{cpu:.1f} µs CPU per train row (its prediction included)", file=sys.stderr)
        better = min if metric == "rmse" else max
        best = better(peers, key=lambda p: peers[p]["held_out"])
        ref["datasets"][name] = {
            "task": task, "metric": metric, "seeds": seeds,
            "n_train": len(train[0]), "n_test": len(test[0]),
            "peers": peers, "best_peer": best,
            "streamsgd_when_written": d["streamsgd"],
        }
        rows.append((name, metric, d["streamsgd"], peers, best))

    with open(REFERENCE, "w") as f:
        json.dump(ref, f, indent=2, sort_keys=True)
        f.write("\n")

    print()
    print("held-out score after one pass (prequential in brackets); "
          "ratio = streamsgd / best peer")
    print(f"{'data set':<14} {'metric':<9} {'streamsgd':>18} {'vw':>18} {'river':>18} {'ratio':>7}")
    for name, metric, s, peers, best in rows:
        def cell(f):
            return f"{f['held_out']:.4f} ({f['prequential']:.4f})"
        ratio = s["held_out"] / peers[best]["held_out"]
        print(f"{name:<14} {metric:<9} {cell(s):>18} {cell(peers['vw']):>18} "
              f"{cell(peers['river']):>18} {ratio:>7.3f}")


if __name__ == "__main__":
    main()
