#pragma once

#include <string>
#include <vector>

#include "cos/graph/graph.h"
#include "cos/profile/profile.h"
#include "cos/sched/platform.h"

namespace cosched {

// Throws, naming `profile_label`, when the profile was made for another platform (its
// signature differs: another host, other processors or links).
void check_profile_platform(const Profile& profile, const std::string& profile_label,
                            const Platform& platform);

// The profile's measured figures into `platform` (made for it): each link's fitted latency
// and bandwidth where the profile measured it, the handoff time between processors, and each
// measured processor's jitter.
void apply_profile_measurements(const Profile& profile, Platform& platform);

// How much slower `processor` runs while the other processors of `platform` run too: the
// largest of the profile's measured pairwise slow-downs (1 where none was measured), leaving
// out cpu processors that share a core with it (cpu:0 beside cpu:0-1).
double concurrent_slowdown(const Profile& profile, const std::string& processor,
                           const Platform& platform);

// The profile's costs of one model, per processor of `platform` and per node of `graph`:
// each step's mean times concurrent_slowdown (plans keep every processor busy) on its head
// node, 0 on the other nodes of the step and on views,
// kUnsupported where the backend cannot run the step. Refused (an error naming
// `profile_label`) when the model's content hash is not in the profile, when a step's nodes
// no longer have the profiled signature (imported with other --shape values), or when a
// processor has no costs and is not marked estimated; an estimated processor without costs
// gets an empty vector (the caller keeps its roofline).
std::vector<std::vector<double>> profile_node_costs(const Profile& profile,
                                                    const std::string& profile_label,
                                                    const Platform& platform, const Graph& graph,
                                                    const std::string& model_path,
                                                    const std::string& model_hash);

// The profiled steps of one model that fuse several nodes into one kernel, on any processor
// (node indices of `graph`; the model must be in the profile, as for profile_node_costs).
std::vector<std::vector<int>> profile_fused_steps(const Profile& profile,
                                                  const std::string& profile_label,
                                                  const Graph& graph, const std::string& model_path,
                                                  const std::string& model_hash);

}  // namespace cosched
