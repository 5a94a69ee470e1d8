#include "models/backbone.h"

#include "engine/core/error.h"

namespace msq::models {

void Backbone::set_head(const std::string& name, int64_t num_features,
                        std::shared_ptr<nn::Module> head) {
  check(head != nullptr, "Backbone", "head '", name, "' is null");
  head_name_ = name;
  num_features_ = num_features;
  head_ = register_module(name, std::move(head));
}

void Backbone::replace_head(std::shared_ptr<nn::Module> head) {
  check(!head_name_.empty(), "Backbone", "replace_head before the backbone set its head");
  set_head(head_name_, num_features_, std::move(head));
}

}  // namespace msq::models
