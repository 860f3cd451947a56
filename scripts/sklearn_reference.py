#!/usr/bin/python3
"""Reference figures for streamsgd's quality tests, from scikit-learn.

Writes, under examples/data/:
  breast_cancer.csv        sklearn's shipped breast_cancer.csv with its first
                           line (569,30,malignant,benign) replaced by a column
                           header; data rows byte-identical. target: 0 =
                           malignant, 1 = benign.
  diabetes.csv             sklearn's diabetes_data_raw.csv.gz (unscaled
                           features) and diabetes_target.csv.gz joined into
                           one comma-separated file with a header.
  sklearn_reference.json   held-out scores of batch models fitted here.

Protocol (datasets/quality mirrors it exactly):
  - rows are numbered 0.. in file order, header excluded; row i is a test row
    when i % 5 == 0, a train row otherwise;
  - features are standardised with the mean and population standard
    deviation (ddof=0) of the train rows;
  - binary: LogisticRegression (L2, C=1, lbfgs) -> accuracy at 0.5, log loss,
    ROC AUC on the test rows;
  - regression: LinearRegression (ordinary least squares) -> RMSE and R^2.

Run with Debian's python3-sklearn (1.2.1), not a virtualenv:
    apt-get install -y python3-sklearn
    /usr/bin/python3 scripts/sklearn_reference.py
from the repository root. Output is deterministic; the JSON is committed.
"""

import csv
import gzip
import json
import os
import platform
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (accuracy_score, log_loss, mean_squared_error,
                             r2_score, roc_auc_score)

SKLEARN_DATA = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data")
OUT_DIR = os.path.join("examples", "data")
COMMAND = "/usr/bin/python3 scripts/sklearn_reference.py"
TEST_EVERY = 5

BREAST_CANCER_COLUMNS = [
    "mean_radius", "mean_texture", "mean_perimeter", "mean_area",
    "mean_smoothness", "mean_compactness", "mean_concavity",
    "mean_concave_points", "mean_symmetry", "mean_fractal_dimension",
    "radius_error", "texture_error", "perimeter_error", "area_error",
    "smoothness_error", "compactness_error", "concavity_error",
    "concave_points_error", "symmetry_error", "fractal_dimension_error",
    "worst_radius", "worst_texture", "worst_perimeter", "worst_area",
    "worst_smoothness", "worst_compactness", "worst_concavity",
    "worst_concave_points", "worst_symmetry", "worst_fractal_dimension",
    "target",
]
DIABETES_COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5",
                    "s6", "target"]


def write_breast_cancer(path):
    with open(os.path.join(SKLEARN_DATA, "breast_cancer.csv")) as f:
        lines = f.read().splitlines()
    assert lines[0] == "569,30,malignant,benign", lines[0]
    rows = lines[1:]
    assert len(rows) == 569 and all(len(r.split(",")) == 31 for r in rows)
    with open(path, "w") as f:
        f.write(",".join(BREAST_CANCER_COLUMNS) + "\n")
        f.write("\n".join(rows) + "\n")


def write_diabetes(path):
    with gzip.open(os.path.join(SKLEARN_DATA, "diabetes_data_raw.csv.gz"), "rt") as f:
        features = [line.split() for line in f.read().splitlines()]
    with gzip.open(os.path.join(SKLEARN_DATA, "diabetes_target.csv.gz"), "rt") as f:
        targets = [float(line) for line in f.read().splitlines()]
    assert len(features) == len(targets) == 442
    with open(path, "w") as f:
        f.write(",".join(DIABETES_COLUMNS) + "\n")
        for row, y in zip(features, targets):
            assert len(row) == 10 and y == int(y)
            f.write(",".join(row + [str(int(y))]) + "\n")


def load(path):
    with open(path) as f:
        reader = csv.reader(f)
        header = next(reader)
        data = np.array([[float(v) for v in row] for row in reader])
    assert header[-1] == "target"
    return data[:, :-1], data[:, -1]


def split(x, y):
    test = np.arange(len(y)) % TEST_EVERY == 0
    return x[~test], y[~test], x[test], y[test]


def standardise(train, test):
    mean = train.mean(axis=0)
    std = train.std(axis=0)  # ddof=0
    std[std == 0] = 1
    return (train - mean) / std, (test - mean) / std


def binary_reference(path):
    xtr, ytr, xte, yte = split(*load(path))
    xtr, xte = standardise(xtr, xte)
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=10000)
    model.fit(xtr, ytr)
    p = model.predict_proba(xte)[:, 1]
    return {
        "file": os.path.basename(path),
        "task": "binary",
        "label_column": "target",
        "model": "LogisticRegression(C=1.0, solver='lbfgs', max_iter=10000)",
        "n_train": int(len(ytr)),
        "n_test": int(len(yte)),
        "accuracy": float(accuracy_score(yte, p > 0.5)),
        "log_loss": float(log_loss(yte, p)),
        "auc": float(roc_auc_score(yte, p)),
    }


def regression_reference(path):
    xtr, ytr, xte, yte = split(*load(path))
    xtr, xte = standardise(xtr, xte)
    model = LinearRegression()
    model.fit(xtr, ytr)
    pred = model.predict(xte)
    return {
        "file": os.path.basename(path),
        "task": "regression",
        "label_column": "target",
        "model": "LinearRegression()",
        "n_train": int(len(ytr)),
        "n_test": int(len(yte)),
        "rmse": float(np.sqrt(mean_squared_error(yte, pred))),
        "r2": float(r2_score(yte, pred)),
    }


def main():
    if not os.path.isdir(OUT_DIR):
        sys.exit("run from the repository root: " + COMMAND)
    bc = os.path.join(OUT_DIR, "breast_cancer.csv")
    db = os.path.join(OUT_DIR, "diabetes.csv")
    write_breast_cancer(bc)
    write_diabetes(db)
    ref = {
        "generator": "scripts/sklearn_reference.py",
        "command": COMMAND,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "split": "rows numbered from 0 in file order (header excluded); "
                 "row i is test when i % 5 == 0, train otherwise",
        "standardization": "train-row mean and population standard deviation (ddof=0)",
        "datasets": {
            "breast_cancer": binary_reference(bc),
            "diabetes": regression_reference(db),
        },
    }
    with open(os.path.join(OUT_DIR, "sklearn_reference.json"), "w") as f:
        json.dump(ref, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
