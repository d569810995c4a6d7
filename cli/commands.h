// The subcommands of `llmkb`. Each lives in its own cli/cmd_<name>.cpp; main.cpp has the table.
#pragma once
#include <string>
#include <vector>

namespace llmkb {

// args excludes the program and subcommand names. Each returns the process exit code.
int cmd_list(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_compare(const std::vector<std::string>& args);
int cmd_metrics(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);

// Splits "a,b,c" into its items (empty items dropped).
std::vector<std::string> split_list(const std::string& text);

// The metric names of a --metrics value (`llmkb bench`, `llmkb metrics`). Throws std::invalid_argument
// where it names none (`--metrics ,`).
std::vector<std::string> metric_names(const std::string& value);

// The value of the option args[i] (the next argument; i moves onto it). Throws std::invalid_argument
// ("--out needs a value") where there is none, or where the next argument is itself an option
// (`--out --warm`).
std::string option_value(const std::vector<std::string>& args, size_t& i);

}  // namespace llmkb
