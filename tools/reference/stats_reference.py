"""Reference values for engine/stats from SciPy and statsmodels.

Usage: stats_reference.py IN.json OUT.json  (run with the tools venv: .venv-tools/bin/python)

IN.json:  {"mcnemar": [[b, c], ...],
           "quantiles": [{"values": [...], "q": [...]}, ...],
           "bootstrap": [{"x": [...], "replicates": R, "confidence": 0.95}, ...],
           "binomial": [[k, n, p], ...], "chi2": [x, ...], "normal": [z, ...]}
OUT.json: the same keys with statsmodels' mcnemar (exact and corrected chi-square:
          statistic, pvalue), numpy.percentile, scipy.stats.bootstrap(method="percentile")
          intervals of the mean, scipy.stats.binom.cdf, chi2.sf(df=1), norm.sf.
"""
import json
import sys

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        inp = json.load(f)
    out = {"mcnemar": [], "quantiles": [], "bootstrap": []}
    for b, c in inp.get("mcnemar", []):
        table = [[10, b], [c, 10]]  # the concordant cells do not enter the test
        exact = mcnemar(table, exact=True)
        chi2 = mcnemar(table, exact=False, correction=True)
        plain = mcnemar(table, exact=False, correction=False)
        out["mcnemar"].append({
            "exact": [float(exact.statistic), float(exact.pvalue)],
            "chi2": [float(chi2.statistic), float(chi2.pvalue)],
            "chi2_uncorrected": [float(plain.statistic), float(plain.pvalue)],
        })
    for case in inp.get("quantiles", []):
        out["quantiles"].append([float(v) for v in np.percentile(case["values"], [100 * q for q in case["q"]])])
    for i, case in enumerate(inp.get("bootstrap", [])):
        res = stats.bootstrap((np.asarray(case["x"]),), np.mean, n_resamples=case["replicates"],
                              confidence_level=case["confidence"], method="percentile",
                              random_state=np.random.default_rng(i))
        out["bootstrap"].append([float(res.confidence_interval.low), float(res.confidence_interval.high)])
    out["binomial"] = [float(stats.binom.cdf(k, n, p)) for k, n, p in inp.get("binomial", [])]
    out["chi2"] = [float(stats.chi2.sf(x, 1)) for x in inp.get("chi2", [])]
    out["normal"] = [float(stats.norm.sf(z)) for z in inp.get("normal", [])]
    with open(dst, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
