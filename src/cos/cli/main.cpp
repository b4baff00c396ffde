#include <iostream>

#include "cos/cli/app.h"

int main(int argc, char** argv) {
  return cosched::cli::run(argc, argv, std::cout, std::cerr);
}
