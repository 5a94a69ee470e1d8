// Classification metrics and their outputs in one include.
#pragma once
#include "engine/metrics/canvas.h"
#include "engine/metrics/classification.h"
#include "engine/metrics/confusion.h"
#include "engine/metrics/evaluation.h"
#include "engine/metrics/roc.h"
#include "engine/metrics/roc_panels.h"
#include "engine/metrics/roc_plot.h"
#include "engine/metrics/writers.h"
