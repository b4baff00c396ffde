// Runs one model on ONNX Runtime's CPU provider and prints {"median_ms", "p90_ms",
// "peak_rss_mb"} as JSON: the ORT half of bench/compare_ort/compare.sh.
//   node bench/compare_ort/ort_run.mjs MODEL.onnx INPUT.npy THREADS REPEAT [PROFILE_PREFIX]
// With PROFILE_PREFIX, ORT's own per-node profile goes to PROFILE_PREFIX_<date>.json.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");

// A little-endian float32 .npy file (what tools/export_models.py writes).
function readNpy(path) {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString("latin1");
  if (!header.includes("'<f4'")) throw new Error(`${path}: only float32 .npy is supported`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(",").filter((d) => d.trim()).map(Number);
  const data = bytes.subarray(10 + headerLength);
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  return new ort.Tensor("float32", floats, shape);
}

const [model, input, threads, repeat, profilePrefix] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: Number(threads),
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
});
const feeds = { [session.inputNames[0]]: readNpy(input) };
await session.run(feeds);  // warm-up
const times = [];
for (let i = 0; i < Number(repeat); ++i) {
  const start = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
if (profilePrefix) session.endProfiling();
times.sort((a, b) => a - b);
const rank = (p) => times[Math.min(times.length, Math.max(1, Math.ceil(p * times.length))) - 1];
console.log(JSON.stringify({
  median_ms: rank(0.5),
  p90_ms: rank(0.9),
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
}));
