"""The peers of `make bench-peers` (issue 14): River, Vowpal Wabbit and
scikit-learn learning the benchmark's data one pass, prequentially (each
row predicted, then learned), from a Kafka topic or from a file.

Run by cmd/streamsgd-bench (-peers) with the pinned environment of
scripts/peers/requirements.txt; prints one JSON object on its last line of
standard output: rows, seconds and CPU seconds of the timed part (from the
first row read to the last prediction acknowledged, or the file read),
prequential accuracy and log loss, held-out accuracy and log loss.

    peers.py kafka --learner river|vw|sklearn|sklearn64 --brokers B --topic T
        --output-topic O --rows N --task binary|multiclass --classes K --test FILE.csv
    peers.py file --learner river|sklearn --input FILE.csv ... --test FILE.csv
    peers.py vwfile --input FILE.vw --cache --test FILE.vw --task ... --classes K
"""

import argparse
import json
import math
import os
import resource
import sys
import time

EPS = 1e-15


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class Metrics:
    """Accuracy and log loss (natural log, probabilities clipped to EPS) of
    every row, as streamsgd's whole-stream metrics."""

    def __init__(self, classes):
        self.classes, self.n, self.hits, self.loss = classes, 0, 0, 0.0

    def update(self, y, probs):
        """probs: P(y=1) for binary, else the list of class probabilities."""
        self.n += 1
        if self.classes == 2:
            p1 = min(max(probs, EPS), 1 - EPS)
            self.hits += (p1 >= 0.5) == (y == 1)
            self.loss -= math.log(p1 if y == 1 else 1 - p1)
        else:
            best = max(range(len(probs)), key=probs.__getitem__)
            self.hits += best == y
            self.loss -= math.log(min(max(probs[y], EPS), 1 - EPS))

    def values(self):
        n = max(self.n, 1)
        return {"accuracy": self.hits / n, "logloss": self.loss / n}


# --- learners: predict(fields) -> probs; learn(fields, y); both on one row of
# floats; predict_block / learn_block on a list of rows (sklearn64).


class River:
    def __init__(self, a):
        from river import compose, linear_model, optim, preprocessing

        self.classes = a.classes
        if a.classes == 2:
            lm = linear_model.LogisticRegression(optimizer=optim.Adam(a.lr))
        else:
            lm = linear_model.SoftmaxRegression(optimizer=optim.Adam(a.lr))
        self.model = compose.Pipeline(preprocessing.StandardScaler(), lm)

    def step(self, xs, y):
        x = dict(enumerate(xs))
        proba = self.model.predict_proba_one(x)
        if self.classes == 2:
            p = proba.get(True, proba.get(1, 0.5))
            self.model.learn_one(x, y == 1)
        else:
            p = [proba.get(k, 0.0) for k in range(self.classes)]
            if sum(p) == 0:
                p = [1 / self.classes] * self.classes
            self.model.learn_one(x, y)
        return p


def vw_args(classes):
    if classes == 2:
        return "--loss_function logistic --link logistic --quiet"
    return f"--oaa {classes} --loss_function logistic --probabilities --quiet"


def vw_features(xs):
    return "|f " + " ".join(f"{i}:{v!r}" for i, v in enumerate(xs) if v != 0)


class VW:
    def __init__(self, a):
        from vowpalwabbit import Workspace

        self.classes = a.classes
        self.vw = Workspace(vw_args(a.classes))

    def step(self, xs, y):
        label = ("1" if y == 1 else "-1") if self.classes == 2 else str(y + 1)
        ex = self.vw.parse(label + " " + vw_features(xs))
        p = self.vw.predict(ex)
        self.vw.learn(ex)
        self.vw.finish_example(ex)
        if self.classes == 2:
            return float(p)
        return list(p)


class SKLearn:
    """StandardScaler then SGDClassifier(log_loss), partial_fit on each row
    (or each block of rows: sklearn64), at a constant learning rate --lr
    without regularisation (sklearn has no Adam)."""

    def __init__(self, a):
        import numpy as np
        from sklearn.linear_model import SGDClassifier
        from sklearn.preprocessing import StandardScaler

        self.np, self.classes = np, a.classes
        self.all = np.arange(a.classes)
        self.scaler, self.fitted = StandardScaler(), False
        self.clf = SGDClassifier(loss="log_loss", penalty=None, learning_rate="constant", eta0=a.lr)

    def step_block(self, X, ys):
        np = self.np
        X = np.asarray(X, dtype=np.float64)
        ys = np.asarray(ys)
        self.scaler.partial_fit(X)
        Xs = self.scaler.transform(X)
        if self.fitted:
            P = self.clf.predict_proba(Xs)
        else:
            P = np.full((len(X), self.classes), 1 / self.classes)
        self.clf.partial_fit(Xs, ys, classes=self.all)
        self.fitted = True
        return [p[1] for p in P] if self.classes == 2 else [list(p) for p in P]

    def step(self, xs, y):
        return self.step_block([xs], [y])[0]


LEARNERS = {"river": River, "vw": VW, "sklearn": SKLearn, "sklearn64": SKLearn}


def parse_lines(value):
    """Rows of a message or a block of file lines: (features, label)."""
    for line in value.split(b"\n"):
        if line:
            f = line.split(b",")
            yield [float(v) for v in f[1:]], int(float(f[0]))


def held_out(learner, path, classes):
    """Metrics of the learned model on a CSV file, without learning."""
    m = Metrics(classes)
    if isinstance(learner, River):
        for line in open(path, "rb"):
            for xs, y in parse_lines(line):
                x = dict(enumerate(xs))
                proba = learner.model.predict_proba_one(x)
                if classes == 2:
                    m.update(y, proba.get(True, proba.get(1, 0.5)))
                else:
                    m.update(y, [proba.get(k, 0.0) for k in range(classes)])
    elif isinstance(learner, VW):
        for line in open(path, "rb"):
            for xs, y in parse_lines(line):
                ex = learner.vw.parse(vw_features(xs))
                p = learner.vw.predict(ex)
                learner.vw.finish_example(ex)
                m.update(y, float(p) if classes == 2 else list(p))
    else:
        np = learner.np
        data = np.loadtxt(path, delimiter=",", ndmin=2)
        P = learner.clf.predict_proba(learner.scaler.transform(data[:, 1:]))
        for y, p in zip(data[:, 0].astype(int), P):
            m.update(y, p[1] if classes == 2 else list(p))
    return m.values()


def run_kafka(a):
    from confluent_kafka import Consumer, Producer

    learner = LEARNERS[a.learner](a)
    cons = Consumer({
        "bootstrap.servers": a.brokers, "group.id": f"peers-{a.learner}-{os.getpid()}",
        "auto.offset.reset": "earliest", "enable.auto.commit": True,
        "fetch.max.bytes": 64 << 20, "max.partition.fetch.bytes": 16 << 20,
    })
    prod = Producer({"bootstrap.servers": a.brokers, "linger.ms": 5, "queue.buffering.max.messages": 1000000})
    cons.subscribe([a.topic])
    m = Metrics(a.classes)
    rows, start, cpu0 = 0, None, None
    block = a.learner == "sklearn64"

    def emit(off, i, y, p):
        pred = (1 if p >= 0.5 else 0) if a.classes == 2 else max(range(len(p)), key=p.__getitem__)
        value = json.dumps({"id": f"{a.topic}/{off}/{i}", "predicted": pred,
                            "scores": [p] if a.classes == 2 else p, "label": y})
        while True:
            try:
                prod.produce(a.output_topic, value)
                return
            except BufferError:
                prod.poll(0.05)

    while rows < a.rows:
        msgs = cons.consume(num_messages=1000, timeout=1.0)
        if start is None and msgs:
            start, cpu0 = time.perf_counter(), cpu_seconds()
        for msg in msgs:
            if rows >= a.rows:
                break  # a capped run stops at its cap, not at the end of a poll of 64-row messages
            if msg.error():
                raise RuntimeError(str(msg.error()))
            parsed = list(parse_lines(msg.value()))
            if block:
                ps = learner.step_block([r[0] for r in parsed], [r[1] for r in parsed])
            else:
                ps = [learner.step(xs, y) for xs, y in parsed]
            for i, ((_, y), p) in enumerate(zip(parsed, ps)):
                m.update(y, p)
                emit(msg.offset(), i, y, p)
            rows += len(parsed)
        prod.poll(0)
    prod.flush()
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    cons.close()
    out = {"rows": rows, "seconds": elapsed, "cpu_seconds": cpu, "prequential": m.values()}
    if a.test:
        out["held_out"] = held_out(learner, a.test, a.classes)
    return out


def run_file(a):
    learner = LEARNERS[a.learner](a)
    m = Metrics(a.classes)
    start, cpu0 = time.perf_counter(), cpu_seconds()
    rows = 0
    with open(a.input, "rb") as f:
        for line in f:
            for xs, y in parse_lines(line):
                m.update(y, learner.step(xs, y))
                rows += 1
                if rows >= a.rows:
                    break
            if rows >= a.rows:
                break
    out = {"rows": rows, "seconds": time.perf_counter() - start, "cpu_seconds": cpu_seconds() - cpu0,
           "prequential": m.values()}
    if a.test:
        out["held_out"] = held_out(learner, a.test, a.classes)
    return out


def run_vwfile(a):
    """VW's own reader and learner over its text format (or its cache, built
    by a first pass that is not timed), as `vw -d FILE`: python -m
    vowpalwabbit runs the same Workspace(arg_list) driver (the PyPI package
    ships no vw binary, so no --onethread: VW parses on a thread of its
    own). Then an untimed pass writing predictions (-p) gives the
    prequential accuracy, and a test-only pass the held-out metrics."""
    from vowpalwabbit import Workspace

    d = a.workdir
    model, cache = os.path.join(d, "vw.model"), os.path.join(d, "vw.cache")
    base = vw_args(a.classes).split() + ["-d", a.input]
    if a.cache:
        if os.path.exists(cache):
            os.remove(cache)
        Workspace(arg_list=base + ["--cache_file", cache]).finish()  # builds the cache
        base += ["--cache_file", cache]
    start, cpu0 = time.perf_counter(), cpu_seconds()
    vw = Workspace(arg_list=base + ["-f", model])
    vw.finish()
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    preds = os.path.join(d, "vw.preq")
    Workspace(arg_list=vw_args(a.classes).split() + ["-d", a.input, "-p", preds]).finish()
    out = {"rows": a.rows, "seconds": elapsed, "cpu_seconds": cpu,
           "prequential": vw_metrics(a.input, preds, a.classes)}
    if a.test:
        tp = os.path.join(d, "vw.test")
        Workspace(arg_list=vw_args(a.classes).split() + ["-t", "-i", model, "-d", a.test, "-p", tp]).finish()
        out["held_out"] = vw_metrics(a.test, tp, a.classes)
    return out


def vw_metrics(data, preds, classes):
    m = Metrics(classes)
    with open(data) as fd, open(preds) as fp:
        for ex, pl in zip(fd, fp):
            label = ex.split(" ", 1)[0]
            if classes == 2:
                m.update(1 if label == "1" else 0, float(pl.split()[0]))
            else:
                probs = [0.0] * classes
                for kv in pl.split():
                    k, v = kv.split(":")
                    probs[int(k) - 1] = float(v)
                m.update(int(label) - 1, probs)
    return m.values()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["kafka", "file", "vwfile"])
    ap.add_argument("--learner", default="river", choices=sorted(LEARNERS))
    ap.add_argument("--brokers")
    ap.add_argument("--topic")
    ap.add_argument("--output-topic")
    ap.add_argument("--input")
    ap.add_argument("--test")
    ap.add_argument("--cache", action="store_true")
    ap.add_argument("--workdir", default=".")
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--lr", type=float, default=0.01)
    a = ap.parse_args()
    out = {"kafka": run_kafka, "file": run_file, "vwfile": run_vwfile}[a.mode](a)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
