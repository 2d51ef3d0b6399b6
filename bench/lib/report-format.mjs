// How the bench's tables write a figure: one place, so every table rounds alike.

export const ms = (/** @type {number} */ v) => `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ms`;
export const rps = (/** @type {number} */ v) => `${Math.round(v).toLocaleString("en-US")} req/s`;
export const secs = (/** @type {number} */ v) => `${(v / 1000).toFixed(1)} s`;
export const us = (/** @type {number} */ v) => `${v.toFixed(0)} µs`;

/** A row's machine column. @param {{ cores: number }} r */
export const machine = (r) => `${r.cores} cores`;

/** A row's date column: the run's start, to the minute. @param {{ startedAt: Date }} r */
export const date = (r) => `${r.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
