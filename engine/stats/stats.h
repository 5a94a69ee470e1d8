// Statistics for comparing classifiers: bootstrap intervals, DeLong's test on AUCs,
// McNemar's test on accuracies (see engine/stats/README.md).
#pragma once
#include "engine/stats/bootstrap.h"
#include "engine/stats/delong.h"
#include "engine/stats/distributions.h"
#include "engine/stats/mcnemar.h"
