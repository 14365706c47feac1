// thaw's probe function for Node.js: answers every request with the probe headers, so
// `thaw` knows exactly which execution environment served it and whether it was cold.
//
//   x-thaw-env          the environment's id (its log stream's suffix, made at init)
//   x-thaw-cold         true on the first invocation of an on-demand environment
//   x-thaw-init-ms      the Init phase: process start to the end of this module's load
//   x-thaw-invocations  invocations this environment has served, this one included
//   x-thaw-init-type    AWS_LAMBDA_INITIALIZATION_TYPE
//
// ?sleep_ms=N holds the request N ms (at most 10 s), so a burst's requests overlap.
import { randomBytes } from "node:crypto";

// Everything here runs once per environment, in the Init phase.
const initMs = process.uptime() * 1000;
const initType = process.env.AWS_LAMBDA_INITIALIZATION_TYPE ?? "on-demand";
const stream = process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "";
const env = stream.includes("]") ? stream.slice(stream.lastIndexOf("]") + 1) : randomBytes(16).toString("hex");
let invocations = 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = async (event) => {
  invocations += 1;
  // Provisioned environments initialized ahead of time: none of their requests waited.
  const cold = invocations === 1 && initType !== "provisioned-concurrency";
  const query = event?.queryStringParameters ?? {};
  const sleepMs = Math.min(Math.max(Number.parseInt(query.sleep_ms ?? "0", 10) || 0, 0), 10000);
  if (sleepMs > 0) await sleep(sleepMs);
  const probe = { env, cold, initMs: Math.round(initMs * 100) / 100, invocations, initType };
  return {
    statusCode: 200,
    headers: {
      "content-type": "application/json",
      "x-thaw-env": env,
      "x-thaw-cold": String(cold),
      "x-thaw-init-ms": probe.initMs.toFixed(2),
      "x-thaw-invocations": String(invocations),
      "x-thaw-init-type": initType,
    },
    body: JSON.stringify(probe),
  };
};
