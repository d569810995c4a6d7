#include "reports/svg_charts.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <sstream>
#include <utility>

#include "reports/report_strings.h"

namespace llmkb::report {

namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr int kColours = static_cast<int>(std::size(kPalette));
constexpr int kShapes = 6;  // a roofline's series: 60 colour and marker pairs before one repeats

std::string num(double v) {
  return fixed(v, 1);
}

std::string line_style(bool dashed) {
  return dashed ? "fill=\"none\" stroke=\"#8c959f\" stroke-width=\"2\" stroke-dasharray=\"6 4\""
                : "fill=\"none\" stroke=\"#24292f\" stroke-width=\"2\"";
}

// The marker of a roofline series at (x, y): its colour, and a shape that changes every kColours series
// (circle, square, triangle, diamond, inverted triangle, hexagon), named in its class.
constexpr const char* kShapeNames[kShapes] = {"circle", "square", "triangle", "diamond", "triangle-down", "hexagon"};

int shape_of(int series) {
  return (series < 0 ? 0 : series) / kColours % kShapes;
}

// The series' marker centred on (x, y), a whole element: `classes` go first in its class attribute,
// `attributes` after its fill, `content` (a <title>, say) inside it.
std::string marker(int series, double x, double y, const std::string& classes, const std::string& attributes,
                   const std::string& content) {
  const int shape = shape_of(series);
  const std::string head = std::string(" class=\"") + classes + kShapeNames[shape] + "\" fill=\"" +
                           series_colour(series) + "\"" + (attributes.empty() ? "" : " " + attributes);
  auto element = [&](const std::string& tag, const std::string& geometry) {
    return "<" + tag + head + " " + geometry + ">" + content + "</" + tag + ">";
  };
  auto polygon = [&](std::initializer_list<std::pair<double, double>> corners) {
    std::string points;
    for (const auto& [dx, dy] : corners) points += (points.empty() ? "" : " ") + num(x + dx) + "," + num(y + dy);
    return element("polygon", "points=\"" + points + "\"");
  };
  switch (shape) {
    case 1:
      return element("rect", "x=\"" + num(x - 4) + "\" y=\"" + num(y - 4) + "\" width=\"8\" height=\"8\"");
    case 2:
      return polygon({{0, -5}, {4.5, 4}, {-4.5, 4}});
    case 3:
      return polygon({{0, -5.5}, {5, 0}, {0, 5.5}, {-5, 0}});
    case 4:
      return polygon({{0, 5}, {4.5, -4}, {-4.5, -4}});
    case 5:
      return polygon({{-2.5, -4.5}, {2.5, -4.5}, {5, 0}, {2.5, 4.5}, {-2.5, 4.5}, {-5, 0}});
    default:
      return element("circle", "cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"4.5\"");
  }
}

// One legend row per series: a colour square, or the series' roofline marker.
void legend(const std::vector<std::string>& names, double x, double y, bool markers, std::ostringstream& out) {
  for (size_t i = 0; i < names.size(); ++i) {
    const double row_y = y + 18.0 * double(i);
    if (markers)
      out << marker(int(i), x + 6, row_y - 4, "legend ", "", "");
    else
      out << "<rect x=\"" << num(x) << "\" y=\"" << num(row_y - 10) << "\" width=\"12\" height=\"12\" fill=\""
          << series_colour(int(i)) << "\"/>";
    out << "<text x=\"" << num(x + 18) << "\" y=\"" << num(row_y) << "\" font-size=\"11\">" << escape_xml(names[i])
        << "</text>";
  }
}

// A bar's label cut to at most 64 bytes, keeping its head and its tail (where labels that share a long
// prefix differ: the variant after the shape), never inside a UTF-8 character.
std::string short_label(const std::string& label) {
  constexpr size_t kMax = 64, kHead = 28;
  if (label.size() <= kMax) return label;
  size_t head = kHead, tail = label.size() - (kMax - kHead - 3);
  while (head > 0 && (static_cast<unsigned char>(label[head]) & 0xC0) == 0x80) --head;
  while (tail < label.size() && (static_cast<unsigned char>(label[tail]) & 0xC0) == 0x80) ++tail;
  return label.substr(0, head) + "..." + label.substr(tail);
}

}  // namespace

const char* series_colour(int series) {
  return kPalette[(series < 0 ? 0 : series) % kColours];
}

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string svg_bar_chart(const BarChart& chart) {
  const double label_width = 420, bar_area = 520, value_width = 140, row = 20, top = 34;
  const double legend_height = chart.series_names.empty() ? 0 : 18.0 * double(chart.series_names.size()) + 8;
  const double width = label_width + bar_area + value_width;
  const double height = top + row * double(chart.bars.size()) + 24 + legend_height;
  // Bars of no finite length (a damaged results file) are drawn at the minimum width.
  auto length = [](double v) { return std::isfinite(v) ? std::max(0.0, v) : 0.0; };
  double max_value = length(chart.reference_value);
  for (const Bar& b : chart.bars) max_value = std::max(max_value, length(b.value));
  if (max_value <= 0) max_value = 1;
  std::ostringstream out;
  out << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << num(width) << " " << num(height)
      << "\" width=\"" << num(width) << "\" height=\"" << num(height) << "\" role=\"img\" aria-label=\""
      << escape_xml(chart.title) << "\">"
      << "<text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"600\">" << escape_xml(chart.title) << "</text>";
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& b = chart.bars[i];
    const double y = top + row * double(i);
    const double w = std::max(1.0, bar_area * length(b.value) / max_value);
    // Numbered as the table beside the chart numbers its rows, so that no two bars read the same.
    const std::string label = (b.number.empty() ? "" : b.number + ". ") + short_label(b.label);
    out << "<text x=\"" << num(label_width - 6) << "\" y=\"" << num(y + 13)
        << "\" text-anchor=\"end\" font-size=\"11\">" << escape_xml(label) << "</text>"
        << "<rect class=\"mark\" x=\"" << num(label_width) << "\" y=\"" << num(y + 2) << "\" width=\"" << num(w)
        << "\" height=\"" << num(row - 5) << "\" fill=\"" << series_colour(b.series) << "\"><title>"
        << escape_xml(b.tooltip.empty() ? b.label + ": " + b.value_text : b.tooltip) << "</title></rect>"
        << "<text x=\"" << num(label_width + w + 4) << "\" y=\"" << num(y + 13) << "\" font-size=\"11\">"
        << escape_xml(b.value_text) << "</text>";
  }
  if (length(chart.reference_value) > 0) {
    const double x = label_width + bar_area * chart.reference_value / max_value;
    const double bottom = top + row * double(chart.bars.size());
    out << "<line x1=\"" << num(x) << "\" y1=\"" << num(top - 4) << "\" x2=\"" << num(x) << "\" y2=\"" << num(bottom)
        << "\" stroke=\"#57606a\" stroke-dasharray=\"4 3\"/>"
        << "<text x=\"" << num(x) << "\" y=\"" << num(top - 8) << "\" text-anchor=\"middle\" font-size=\"11\">"
        << escape_xml(chart.reference_label) << "</text>";
  }
  legend(chart.series_names, label_width, top + row * double(chart.bars.size()) + 24, false, out);
  out << "</svg>";
  return out.str();
}

std::string svg_roofline(const RooflineChart& chart) {
  const double left = 70, right = 250, top = 40, plot_w = 640, plot_h = 400;
  const double legend_top = top + plot_h + 66;  // the kernels' legend, below the x axis label
  const double width = left + plot_w + right;
  const double height = legend_top + 18.0 * double(chart.series_names.size()) + 8;
  // Axis ranges in decades, wide enough for every point, the ridge points and the compute peak.
  // Points and lines that are not finite positive numbers are not drawn (a damaged results file).
  auto drawable = [](double v) { return std::isfinite(v) && v > 0; };
  double x_lo = 1e300, x_hi = 0, y_lo = 1e300, y_hi = drawable(chart.compute_peak_tflops) ? chart.compute_peak_tflops : 0;
  for (const RooflinePoint& p : chart.points) {
    if (!drawable(p.arithmetic_intensity) || !drawable(p.tflops)) continue;
    x_lo = std::min(x_lo, p.arithmetic_intensity), x_hi = std::max(x_hi, p.arithmetic_intensity);
    y_lo = std::min(y_lo, p.tflops), y_hi = std::max(y_hi, p.tflops);
  }
  for (const RooflineLine& l : chart.bandwidths) {
    if (drawable(l.gbps) && drawable(chart.compute_peak_tflops) && drawable(chart.compute_peak_tflops * 1e3 / l.gbps))
      x_hi = std::max(x_hi, chart.compute_peak_tflops * 1e3 / l.gbps);
  }
  if (x_hi <= 0) x_lo = 0.1, x_hi = 100;
  if (x_lo > x_hi) x_lo = x_hi / 100;
  if (y_hi <= 0) y_hi = 1;
  if (y_lo > y_hi) y_lo = y_hi / 1000;
  // At most kMaxDecades decades per axis (one tick each), counted down from the top.
  constexpr double kMaxDecades = 40;
  const double lx1 = std::ceil(std::log10(x_hi) + 0.3), lx0 = std::max(std::floor(std::log10(x_lo)), lx1 - kMaxDecades);
  const double ly1 = std::ceil(std::log10(y_hi) + 0.3), ly0 = std::max(std::floor(std::log10(y_lo)), ly1 - kMaxDecades);
  auto px = [&](double x) { return left + plot_w * (std::log10(x) - lx0) / (lx1 - lx0); };
  auto py = [&](double y) { return top + plot_h * (1.0 - (std::log10(y) - ly0) / (ly1 - ly0)); };

  const std::string clip = "clip-" + chart.id;
  std::ostringstream out;
  out << "<svg class=\"chart roofline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << num(width) << " "
      << num(height) << "\" width=\"" << num(width) << "\" height=\"" << num(height) << "\" role=\"img\" aria-label=\""
      << escape_xml(chart.title) << "\">"
      << "<defs><clipPath id=\"" << clip << "\"><rect x=\"" << num(left) << "\" y=\"" << num(top) << "\" width=\""
      << num(plot_w) << "\" height=\"" << num(plot_h) << "\"/></clipPath></defs>"
      << "<text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"600\">" << escape_xml(chart.title) << "</text>"
      << "<rect x=\"" << num(left) << "\" y=\"" << num(top) << "\" width=\"" << num(plot_w) << "\" height=\""
      << num(plot_h) << "\" fill=\"none\" stroke=\"#8c959f\"/>";
  for (double d = lx0; d <= lx1 + 1e-9; d += 1) {
    const double x = px(std::pow(10.0, d));
    out << "<line x1=\"" << num(x) << "\" y1=\"" << num(top) << "\" x2=\"" << num(x) << "\" y2=\"" << num(top + plot_h)
        << "\" stroke=\"#eaeef2\"/><text x=\"" << num(x) << "\" y=\"" << num(top + plot_h + 16)
        << "\" text-anchor=\"middle\" font-size=\"11\">1e" << int(d) << "</text>";
  }
  for (double d = ly0; d <= ly1 + 1e-9; d += 1) {
    const double y = py(std::pow(10.0, d));
    out << "<line x1=\"" << num(left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(left + plot_w) << "\" y2=\""
        << num(y) << "\" stroke=\"#eaeef2\"/><text x=\"" << num(left - 6) << "\" y=\"" << num(y + 4)
        << "\" text-anchor=\"end\" font-size=\"11\">1e" << int(d) << "</text>";
  }
  out << "<text x=\"" << num(left + plot_w / 2) << "\" y=\"" << num(top + plot_h + 40)
      << "\" text-anchor=\"middle\" font-size=\"11\">" << escape_xml(chart.axis_x) << "</text><text x=\"16\" y=\""
      << num(top + plot_h / 2) << "\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 16 "
      << num(top + plot_h / 2) << ")\">" << escape_xml(chart.axis_y) << "</text>";
  out << "<g clip-path=\"url(#" << clip << ")\">";
  const double x_min = std::pow(10.0, lx0), x_max = std::pow(10.0, lx1);
  for (const RooflineLine& l : chart.bandwidths) {
    if (!drawable(l.gbps)) continue;
    const double ridge = drawable(chart.compute_peak_tflops) ? chart.compute_peak_tflops * 1e3 / l.gbps : x_max;
    const double end = std::min(ridge, x_max);
    out << "<polyline class=\"mark roof\" " << line_style(l.dashed) << " points=\"" << num(px(x_min)) << ","
        << num(py(x_min * l.gbps / 1e3)) << " " << num(px(end)) << "," << num(py(end * l.gbps / 1e3)) << "\"><title>"
        << escape_xml(l.label) << "</title></polyline>";
  }
  if (drawable(chart.compute_peak_tflops)) {
    out << "<line class=\"mark roof\" " << line_style(chart.compute_peak_dashed) << " x1=\"" << num(left) << "\" y1=\""
        << num(py(chart.compute_peak_tflops)) << "\" x2=\"" << num(left + plot_w) << "\" y2=\""
        << num(py(chart.compute_peak_tflops)) << "\"><title>" << escape_xml(chart.compute_peak_label)
        << "</title></line>";
  }
  for (const RooflinePoint& p : chart.points) {
    if (!drawable(p.arithmetic_intensity) || !drawable(p.tflops)) continue;
    const double x = px(p.arithmetic_intensity), y = py(p.tflops);
    out << marker(p.series, x, y, "mark point ", "fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"0.8\"",
                  "<title>" + escape_xml(p.tooltip) + "</title>");
    // The kernel's number beside the point: colours and markers repeat on a busy chart, numbers do not.
    if (!p.label.empty()) {
      out << "<text x=\"" << num(x + 5) << "\" y=\"" << num(y - 5) << "\" font-size=\"9\" fill=\"#57606a\">"
          << escape_xml(p.label) << "</text>";
    }
  }
  out << "</g>";
  // Line labels at the right edge of the plot.
  double label_y = top + 12;
  for (const RooflineLine& l : chart.bandwidths) {
    out << "<text x=\"" << num(left + plot_w + 10) << "\" y=\"" << num(label_y) << "\" font-size=\"11\">"
        << (l.dashed ? "- - " : "—— ") << escape_xml(l.label) << "</text>";
    label_y += 18;
  }
  out << "<text x=\"" << num(left + plot_w + 10) << "\" y=\"" << num(label_y) << "\" font-size=\"11\">"
      << (chart.compute_peak_dashed ? "- - " : "—— ") << escape_xml(chart.compute_peak_label) << "</text>";
  legend(chart.series_names, left, legend_top, true, out);
  out << "</svg>";
  return out.str();
}

}  // namespace llmkb::report
