// The rows of the second redirect figure (issue 16): links with 20 targeting rules, every request
// matching the last (redirect-bench.mjs RULES_20), beside the plain links' rounds of the same layout.

/** @typedef {Awaited<ReturnType<typeof import("./redirect-bench.mjs").benchWarmRedirect>>} WarmRedirect */

import { ms, rps, us } from "./report-format.mjs";

/**
 * @param {WarmRedirect | undefined} ruled the rules' rounds (none when the run had none)
 * @param {WarmRedirect} plain the plain links' rounds of the same layout
 * @param {string} how the layout, as the other redirect figures name it
 * @param {string} where the workerd whose CPU is counted
 * @returns {import("./report.mjs").Row[]}
 */
export function ruledRedirectRows(ruled, plain, how, where) {
  if (!ruled) return [];
  const figure = `Redirect, 20 targeting rules, the last matching (${how})`;
  return [
    {
      figure: `${figure}, throughput`,
      ours: rps(ruled.ours.rps),
      floor: rps(ruled.floor.rps),
      ratio: `${(ruled.ours.rps / ruled.floor.rps).toFixed(2)}× (plain link ${(plain.ours.rps / plain.floor.rps).toFixed(2)}×)`,
      target: "",
    },
    {
      figure: `${figure}, p50 / p99 latency`,
      ours: `${ms(ruled.ours.p50)} / ${ms(ruled.ours.p99)}`,
      floor: `${ms(ruled.floor.p50)} / ${ms(ruled.floor.p99)}`,
      ratio: `${(ruled.ours.p50 / ruled.floor.p50).toFixed(2)}× / ${(ruled.ours.p99 / ruled.floor.p99).toFixed(2)}×`,
      target: "",
    },
    {
      figure: `${figure}, CPU a redirect in ${where}`,
      ours: us(ruled.cpuUs.front),
      floor: us(ruled.cpuUs.floor),
      ratio: `${(ruled.cpuUs.front / ruled.cpuUs.floor).toFixed(2)}× (plain link ${us(plain.cpuUs.front)})`,
      target: "",
    },
  ];
}
