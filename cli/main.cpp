#include <exception>
#include <iostream>

#include "cli/command.hpp"

int main(int argc, char** argv) {
  try {
    return apigw::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "apigw: internal error: " << e.what() << "\n";
    return apigw::cli::k_exit_bad_input;
  }
}
