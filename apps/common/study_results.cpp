#include "apps/common/study_results.h"

namespace msq::apps {

std::optional<StudyNumbers> study_numbers(const std::string& model, const std::string& plane) {
  struct Row {
    const char* model;
    double axial_acc, axial_auc, sagittal_acc, sagittal_auc;
  };
  static const Row rows[] = {
      {"cnn", 93.95, 97.81, 93.80, 98.31},
      {"densenet121", 95.77, 98.66, 98.87, 99.83},
      {"resnet50", 96.97, 98.69, 99.15, 99.93},
      {"efficientnet_b3", 98.18, 99.02, 97.46, 99.51},
      {"qcnn", 93.05, 96.85, 92.95, 97.82},
      {"qdensenet121", 97.28, 99.13, 98.30, 99.88},
      {"qresnet50", 97.58, 99.31, 98.59, 99.61},
      {"qefficientnet_b3", 98.18, 98.14, 98.30, 99.32},
  };
  for (const Row& r : rows) {
    if (model != r.model) continue;
    if (plane == "axial") return StudyNumbers{r.axial_acc, r.axial_auc};
    if (plane == "sagittal") return StudyNumbers{r.sagittal_acc, r.sagittal_auc};
  }
  return std::nullopt;
}

}  // namespace msq::apps
