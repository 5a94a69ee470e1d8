// Output files: predictions CSV (quoting), ROC CSV, JSON summary, the ROC plot PNG.
#include <nlohmann/json.hpp>

#include "engine/data/image.h"
#include "engine/io/atomic_file.h"
#include "engine/metrics/roc_plot.h"
#include "engine/metrics/writers.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::metrics;

TEST_CASE("predictions and ROC CSV text") {
  std::vector<PredictionRow> rows{{3, "MS Axial_crop/A1 (1).jpg", 1, 1, {0.25, 0.75}},
                                  {7, "odd, \"name\".png", 0, 1, {0.5, 0.5}}};
  std::string csv = predictions_csv(rows, {"control", "ms"});
  CHECK(csv ==
        "id,path,label,predicted,prob_control,prob_ms\n"
        "3,MS Axial_crop/A1 (1).jpg,1,1,0.25,0.75\n"
        "7,\"odd, \"\"name\"\".png\",0,1,0.5,0.5\n");
  CHECK_THROWS_WITH_AS(predictions_csv(rows, {"a", "b", "c"}), doctest::Contains("row 0 has 2"), Error);
  RocCurve roc = roc_curve({0, 1}, {0.25, 0.75});
  CHECK(roc_csv(roc) == "threshold,fpr,tpr\ninf,0,0\n0.75,0,1\n0.25,1,1\n");
}

TEST_CASE("evaluation files: JSON parses, PNG decodes with the curve drawn") {
  std::vector<int64_t> y;
  std::vector<std::vector<double>> probs;
  std::vector<PredictionRow> rows;
  for (int i = 0; i < 40; ++i) {
    int64_t label = i % 2;
    double p = label ? 0.3 + 0.7 * ((i * 37) % 40) / 40.0 : 0.7 * ((i * 13) % 40) / 40.0;
    y.push_back(label);
    probs.push_back({1 - p, p});
    rows.push_back({i, "f" + std::to_string(i) + ".png", label, p > 0.5 ? 1 : 0, {1 - p, p}});
  }
  Evaluation e = evaluate(y, probs, {"control", "ms"});
  std::string dir = test::scratch_dir("writers") + "/out";
  write_evaluation_files(dir, "test_", e, rows, {{"model", "cnn"}}, {{"loss", 0.5}});
  nlohmann::json j = nlohmann::json::parse(read_file(dir + "/test_metrics.json"));
  CHECK(j["num_samples"] == 40);
  CHECK(j["roc_auc"].get<double>() == doctest::Approx(e.auc));
  CHECK(j["model"] == "cnn");
  CHECK(j["per_class"]["ms"]["support"] == 20);
  CHECK(read_file(dir + "/test_predictions.csv").rfind("id,path,label", 0) == 0);
  CHECK(read_file(dir + "/test_roc.csv").rfind("threshold,fpr,tpr\ninf,0,0\n", 0) == 0);

  data::ImageU8 png = data::read_image_u8(dir + "/test_roc.png");
  CHECK(png.width == 480);
  CHECK(png.height == 480);
  CHECK(png.channels == 3);
  int blue = 0, black = 0;
  for (size_t i = 0; i < png.pixels.size(); i += 3) {
    blue += png.pixels[i] == 31 && png.pixels[i + 1] == 119 && png.pixels[i + 2] == 180;
    black += png.pixels[i] == 0 && png.pixels[i + 1] == 0 && png.pixels[i + 2] == 0;
  }
  CHECK(blue > 500);   // the curve
  CHECK(black > 1000);  // frame, ticks, text

  // An undefined AUC still plots (axes and "AUC N/A", no curve).
  RocCurve single = roc_curve({1, 1}, {0.2, 0.3});
  data::ImageU8 na = render_roc_plot(single, roc_auc({1, 1}, {0.2, 0.3}), 240);
  int na_blue = 0;
  for (size_t i = 0; i < na.pixels.size(); i += 3) na_blue += na.pixels[i] == 31 && na.pixels[i + 2] == 180;
  CHECK(na_blue == 0);
  CHECK_THROWS_AS(render_roc_plot(single, 0.5, 100), Error);
}
