#pragma once

#include <string>

#include "cos/sim/simulator.h"

namespace cosched {

// Chrome/Perfetto trace (chrome://tracing, ui.perfetto.dev) of the spans of a simulation
// run with record_spans: one row per processor and link, copies named "copy <unit>".
void write_trace(const Problem& problem, const SimResult& result, const std::string& path);

// SVG Gantt chart of one period in the measured window: processors and links as rows,
// tenants as colours, copies hatched.
void write_gantt(const Problem& problem, const SimResult& result, const std::string& path);

}  // namespace cosched
