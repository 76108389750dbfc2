#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "emulator/util/text.hpp"

namespace apigw::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {import_command(), lint_command(), serve_command(), cost_command(), schema_command(),
                                             token_command(), export_command()};
  return table;
}

bool use_colour(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) return false;
  return isatty(fd) != 0;
}

namespace {

std::vector<std::string_view> command_names() {
  std::vector<std::string_view> names;
  for (const auto& c : commands()) names.push_back(c.name);
  names.push_back("help");
  return names;
}

int unknown_command(const std::string& word) {
  std::cerr << "apigw: unknown command '" << word << "'";
  std::string suggestion = util::nearest(word, command_names());
  if (!suggestion.empty()) std::cerr << " (did you mean '" << suggestion << "'?)";
  std::cerr << "\nRun 'apigw --help' for the list of commands.\n";
  return k_exit_bad_input;
}

// Adds "did you mean" to CLI11's complaint about an unknown flag.
void suggest_flags(const CLI::App& scope, const std::string& message) {
  std::vector<std::string> names;
  for (const auto* opt : scope.get_options())
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
  std::vector<std::string_view> views(names.begin(), names.end());
  // CLI11 names the extra arguments after the colon of its message.
  std::vector<std::string> extras;
  if (auto colon = message.find(": "); colon != std::string::npos) {
    std::istringstream words(message.substr(colon + 2));
    for (std::string w; words >> w;) extras.push_back(w);
  }
  for (const auto& word : extras) {
    if (word.rfind("--", 0) != 0) continue;
    std::string flag = word.substr(0, word.find('='));
    std::string suggestion = util::nearest(flag, views);
    if (!suggestion.empty()) std::cerr << "apigw: unknown flag '" << flag << "' (did you mean '" << suggestion << "'?)\n";
  }
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"apigw: an API gateway toolkit and local emulator.\n"
               "Import OpenAPI specs, lint configs and specs in CI, serve them locally with mocks and proxies,\n"
               "and estimate what the same traffic costs on each cloud.",
               "apigw"};
  app.set_version_flag("--version", std::string("apigw ") + APIGW_VERSION);
  app.footer(
      "Examples:\n"
      "  apigw import openapi.yaml -o gateway.yaml\n"
      "  apigw lint gateway.yaml openapi.yaml -f sarif > apigw.sarif\n"
      "  apigw serve samples/gateway.yaml --port 8080\n"
      "  apigw cost --requests 500M --compare\n"
      "\nRun 'apigw help COMMAND' or 'apigw COMMAND --help' for a command's flags.\n"
      "Exit codes: 0 ok, 1 lint findings, 2 bad input or usage, 3 serve cannot listen.");
  app.require_subcommand(0, 1);

  std::vector<std::function<int()>> runners;
  std::vector<CLI::App*> subs;
  for (const auto& c : commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    runners.push_back(c.setup(*sub));
    subs.push_back(sub);
  }
  std::string help_topic;
  CLI::App* help = app.add_subcommand("help", "Show help for a command");
  help->add_option("command", help_topic, "the command to explain");

  // An unknown first word is a mistyped command, not a stray argument.
  if (argc > 1 && argv[1][0] != '-') {
    std::string word = argv[1];
    bool known = word == "help";
    for (const auto& c : commands()) known = known || word == c.name;
    if (!known) return unknown_command(word);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return k_exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return k_exit_ok;
  } catch (const CLI::CallForVersion&) {
    std::cout << "apigw " << APIGW_VERSION << "\n";
    return k_exit_ok;
  } catch (const CLI::ParseError& e) {
    std::cerr << "apigw: " << e.what() << "\n";
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
      const CLI::App* scope = &app;
      for (const auto* sub : subs)
        if (argc > 1 && sub->get_name() == argv[1]) scope = sub;
      suggest_flags(*scope, e.what());
    }
    std::cerr << "Run 'apigw --help' or 'apigw COMMAND --help' for usage.\n";
    return k_exit_bad_input;
  }

  if (help->parsed()) {
    if (help_topic.empty()) {
      std::cout << app.help();
      return k_exit_ok;
    }
    for (const auto* sub : subs)
      if (help_topic == sub->get_name()) {
        // Exactly what "apigw COMMAND --help" prints.
        std::string self = argv[0], flag = "--help";
        char* args[] = {self.data(), help_topic.data(), flag.data(), nullptr};
        return run(3, args);
      }
    return unknown_command(help_topic);
  }
  for (size_t i = 0; i < subs.size(); ++i)
    if (subs[i]->parsed()) return runners[i]();
  std::cout << app.help();
  return k_exit_ok;
}

}  // namespace apigw::cli
