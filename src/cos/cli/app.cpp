#include "cos/cli/app.h"

#include "cos/common/error.h"
#include "cos/common/text.h"

namespace cosched::cli {

double parse_duration(const std::string& text, const char* flag) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    fail("{} '{}': expected a duration such as 10s, 500ms or 2m", flag, text);
  }
  const std::string unit = text.substr(used);
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "ms" ? 1e-3 : unit == "m" ? 60 : 0;
  if (scale == 0 || !(value > 0 || (value == 0 && std::string(flag) == "--warmup")))
    fail("{} '{}': expected a duration such as 10s, 500ms or 2m", flag, text);
  return value * scale;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"cos: operator-level placement of concurrent deep-learning models on CPUs and GPUs"};
  app.name("cos");
  app.require_subcommand(1);
  Context context{out, err, {}};
  add_inspect_command(app, context);
  add_demo_command(app, context);
  add_gen_command(app, context);
  add_plan_command(app, context);
  add_simulate_command(app, context);
  add_compare_command(app, context);
  add_infer_command(app, context);
  add_platform_command(app, context);
  add_profile_command(app, context);
  add_run_command(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;
  }
  try {
    context.action();
  } catch (const Error& e) {
    err << "cos: error: " << printable(e.what()) << '\n';
    return 2;
  } catch (const std::exception& e) {
    err << "cos: internal error: " << printable(e.what()) << '\n';
    return 1;
  }
  return 0;
}

}  // namespace cosched::cli
