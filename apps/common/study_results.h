// The study's own test-split numbers (Ghobadi & Afsaneh 2025; ../shared/docs/PAPER.md), in
// percent, to print beside ours. The paper gives accuracy and AUC per model and plane;
// its precision / recall / F1 (weighted) equal accuracy to two decimals in most rows.
#pragma once
#include <optional>
#include <string>

namespace msq::apps {

struct StudyNumbers {
  double accuracy = 0, auc = 0;  // percent
};

// model: a registered name (cnn, densenet121, resnet50, efficientnet_b3 and their q*
// hybrids); plane: axial | sagittal. Nothing for other models.
std::optional<StudyNumbers> study_numbers(const std::string& model, const std::string& plane);

}  // namespace msq::apps
