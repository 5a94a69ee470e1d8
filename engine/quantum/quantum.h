// The quantum front-end in one include: circuits, templates, the simulator, gradients.
#pragma once
#include "engine/quantum/circuit.h"
#include "engine/quantum/gradients.h"
#include "engine/quantum/layer.h"
#include "engine/quantum/simulator.h"
#include "engine/quantum/templates.h"
