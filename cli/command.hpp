// The subcommand table: each command is one file pair with a setup (flags) and a run (exit code).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace apigw::cli {

// Exit codes, the same for every command (README documents them).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_findings = 1;   // lint found problems at or above --fail-severity
inline constexpr int k_exit_bad_input = 2;  // bad file, bad flag, unusable config
inline constexpr int k_exit_unavailable = 3;  // serve could not listen on its address

struct Command {
  const char* name;
  const char* summary;
  // Adds the command's flags to `sub` and returns the function that runs it once parsed.
  std::function<std::function<int()>(CLI::App& sub)> setup;
};

const std::vector<Command>& commands();

Command lint_command();
Command serve_command();
Command cost_command();
Command import_command();
Command schema_command();
Command token_command();
Command export_command();

// Colour on a terminal only, never with NO_COLOR set.
bool use_colour(int fd);

int run(int argc, char** argv);

}  // namespace apigw::cli
