// The report's words in English and Chinese (the seed report's headings and field names for zh),
// and number formatting with fixed units: times in us (ms from 1 ms, s from 1 s), rates in GB/s and
// TFLOP/s, traffic in KB/MB/GB (decimal), percentages unclamped. Small values keep two significant
// digits (0.038 %, not 0.0 %); a value that is not finite prints as "n/a", with no unit.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace llmkb::report {

enum class Lang { en, zh };
// "en" or "zh"; nullopt for anything else.
std::optional<Lang> parse_lang(const std::string& text);
const char* to_string(Lang lang);

// The text for a key; throws std::out_of_range for an unknown key (a test renders every key).
const std::string& tr(Lang lang, const std::string& key);
// tr() with {0}, {1}, ... replaced by the arguments.
std::string trf(Lang lang, const std::string& key, const std::vector<std::string>& args);
// Every key of the table (for the test that both languages define each one).
std::vector<std::string> string_keys();

std::string fixed(double value, int decimals);
// `value` with `decimals` decimals, more where it is small, so that at least two significant digits show
// (0.00095, not 0.00); "n/a" where it is not finite.
std::string format_number(double value, int decimals);
std::string format_us(double us);          // "12.34 us", "114.7 us", "9.438 ms", "27.586 s"
std::string format_gbps(double gbps);      // "2400.0 GB/s": always GB/s, one decimal
std::string format_tflops(double tflops);  // "612.40 TFLOP/s"
std::string format_pct(double pct);        // "87.1 %", never clamped
std::string format_bytes(double bytes);    // "1.342 GB", "512.0 KB" (decimal units)
std::string format_count(double count);    // "1234"

}  // namespace llmkb::report
