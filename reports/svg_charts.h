// Inline SVG charts for the HTML report: no script, no external resource. Every data mark carries
// class "mark", so the page's self-check (and the headless-Chromium test) can see each chart drew.
#pragma once
#include <string>
#include <vector>

namespace llmkb::report {

struct Bar {
  std::string label;
  double value = 0;
  std::string value_text;  // printed at the end of the bar
  int series = 0;          // colour index
  std::string tooltip;
  std::string number;  // the bar's row number in the table beside the chart, shown before its label ("" for none)
};

struct BarChart {
  std::string title;
  std::vector<Bar> bars;
  std::vector<std::string> series_names;  // legend (empty: none)
  double reference_value = 0;             // a dashed reference line (e.g. 100 %); 0: none
  std::string reference_label;
};

struct RooflineLine {
  std::string label;
  double gbps = 0;
  bool dashed = false;
};

struct RooflinePoint {
  double arithmetic_intensity = 0;  // FLOP/byte
  double tflops = 0;
  int series = 0;
  std::string tooltip;
  std::string label;  // drawn next to the point: the kernel's number in the report's tables
};

struct RooflineChart {
  std::string id;  // unique within the page (names the chart's clip path)
  std::string title, axis_x, axis_y;
  double compute_peak_tflops = 0;
  bool compute_peak_dashed = false;
  std::string compute_peak_label;
  std::vector<RooflineLine> bandwidths;
  std::vector<RooflinePoint> points;
  std::vector<std::string> series_names;
};

std::string svg_bar_chart(const BarChart& chart);
std::string svg_roofline(const RooflineChart& chart);
std::string escape_xml(const std::string& text);
const char* series_colour(int series);

}  // namespace llmkb::report
