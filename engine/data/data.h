// The data pipeline in one include: images, datasets, splits, manifests, augmentation, the
// batch loader, the synthetic dataset.
#pragma once
#include "engine/data/augment.h"
#include "engine/data/dataset.h"
#include "engine/data/duplicates.h"
#include "engine/data/file_hash.h"
#include "engine/data/image.h"
#include "engine/data/loader.h"
#include "engine/data/manifest.h"
#include "engine/data/preprocess.h"
#include "engine/data/random.h"
#include "engine/data/resize.h"
#include "engine/data/scan.h"
#include "engine/data/split.h"
#include "engine/data/subjects.h"
#include "engine/data/synthetic.h"
