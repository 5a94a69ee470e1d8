// Hyper-parameter search: the space, the samplers (TPE, random), the median pruner and the
// journal-backed study (see engine/search/README.md).
#pragma once
#include "engine/search/journal.h"
#include "engine/search/median_pruner.h"
#include "engine/search/samplers.h"
#include "engine/search/search_space.h"
#include "engine/search/study.h"
