#!/usr/bin/env python3
"""Reference values for engine/metrics (tests/metrics/sklearn_reference_test.cpp).

Reads IN (JSON: {"cases": [{"y_true": [...], "y_pred": [...], "scores": [...],
"num_classes": K}, ...]}) and writes OUT (JSON: one result per case) with scikit-learn
(pinned in tools/requirements-tools.txt; run with the .venv-tools python):
accuracy; precision / recall / F1 per class, macro and weighted, with labels = 0..K-1 and
zero_division=0; the confusion matrix; and, for binary cases, roc_curve(
drop_intermediate=False) and roc_auc_score (null when scikit-learn refuses: one class).

usage: metrics_reference.py IN OUT
"""
import json
import sys
import warnings

import numpy as np
from sklearn import metrics


def finite_or_none(values):
    return [None if not np.isfinite(v) else float(v) for v in values]


def main():
    warnings.simplefilter("ignore")
    cases = json.load(open(sys.argv[1]))["cases"]
    out = []
    for case in cases:
        y, p, k = np.array(case["y_true"]), np.array(case["y_pred"]), case["num_classes"]
        labels = list(range(k))
        r = {"accuracy": metrics.accuracy_score(y, p),
             "confusion": metrics.confusion_matrix(y, p, labels=labels).tolist()}
        pr, rc, f1, support = metrics.precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
        r.update(precision=pr.tolist(), recall=rc.tolist(), f1=f1.tolist(), support=support.tolist())
        for avg in ("macro", "weighted"):
            a = metrics.precision_recall_fscore_support(y, p, labels=labels, average=avg, zero_division=0)
            r[f"precision_{avg}"], r[f"recall_{avg}"], r[f"f1_{avg}"] = (float(a[0]), float(a[1]), float(a[2]))
        if k == 2 and "scores" in case:
            s = np.array(case["scores"], dtype=np.float64)
            fpr, tpr, thr = metrics.roc_curve(y, s, drop_intermediate=False)
            r["roc"] = {"fpr": finite_or_none(fpr), "tpr": finite_or_none(tpr), "thresholds": finite_or_none(thr)}
            try:
                r["auc"] = float(metrics.roc_auc_score(y, s))
            except ValueError:
                r["auc"] = None
        out.append(r)
    json.dump({"results": out}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
