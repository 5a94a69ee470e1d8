// Every model in one include: the backbones, heads, hybrids, freezing and the registry.
#pragma once
#include "models/backbone.h"
#include "models/cnn.h"
#include "models/densenet.h"
#include "models/efficientnet.h"
#include "models/freezing.h"
#include "models/heads.h"
#include "models/hybrid.h"
#include "models/registry.h"
#include "models/resnet.h"
