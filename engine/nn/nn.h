// The CNN building blocks in one include: ops (conv, pooling, batch norm, drop path, pad)
// and modules (layers, Sequential, schedulers, gradient clipping).
#pragma once
#include "engine/nn/clip_grad.h"
#include "engine/nn/conv_layers.h"
#include "engine/nn/fusion.h"
#include "engine/nn/init.h"
#include "engine/nn/layers.h"
#include "engine/nn/lr_scheduler.h"
#include "engine/nn/module.h"
#include "engine/nn/sequential.h"
#include "engine/ops/conv.h"
#include "engine/ops/normalization.h"
#include "engine/ops/pooling.h"
#include "engine/ops/regularization.h"
