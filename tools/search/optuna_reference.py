"""Optuna's TPE (its default sampler and settings) on the toy objectives of
tests/search/toy_objectives.h (the same formulas), for the sampler comparison test.

Usage: optuna_reference.py OUT.json TRIALS SEEDS   (run with .venv-tools/bin/python)
OUT.json: {"<objective>": [best value after TRIALS trials, one per seed 0..SEEDS-1], ...}
"""
import json
import math
import sys

import optuna


def sphere(t):
    x = t.suggest_float("x", -5, 5)
    y = t.suggest_float("y", -5, 5)
    z = t.suggest_float("z", -5, 5)
    return (x - 1) ** 2 + (y + 2) ** 2 + (z - 0.5) ** 2


def mixed(t):
    lr = t.suggest_float("lr", 1e-6, 1e-1, log=True)
    units = t.suggest_int("units", 1, 16)
    act = t.suggest_categorical("act", ["a", "b", "c", "d"])
    dropout = t.suggest_float("dropout", 0, 0.8)
    return (math.log10(lr) + 3.3) ** 2 + (units - 6) ** 2 / 10 + (0 if act == "c" else 0.5) + (dropout - 0.25) ** 2


def branin(t):
    x = t.suggest_float("x", -5, 10)
    y = t.suggest_float("y", 0, 15)
    b, c, t_ = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t_) * math.cos(x) + 10 - 0.397887357729738


def main():
    out_path, trials, seeds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out = {}
    for name, f in (("sphere", sphere), ("mixed", mixed), ("branin", branin)):
        best = []
        for seed in range(seeds):
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(f, n_trials=trials)
            best.append(study.best_value)
        out[name] = best
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
