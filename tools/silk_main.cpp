// silk: the SilkLedger wallet CLI. The commands live in tools/src (cli.h).
#include <string>
#include <vector>

#include "silk/tools/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return silk::tools::run_cli(args, silk::tools::CliEnv::process());
}
