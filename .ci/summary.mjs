// Prints "N passed, N failed" from vitest's JSON report; exits 1 when anything failed.
// Usage: node .ci/summary.mjs <report.json> <vitest exit code>
import { readFileSync } from "node:fs";

const [reportPath = "", vitestExit = "0"] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, "utf8"));

const passed = Number(report.numPassedTests ?? 0);
let failed = Number(report.numFailedTests ?? 0);
// A suite that failed outside its tests (an import error, a failing hook) has no failed test of
// its own to count: count the suite.
for (const suite of report.testResults ?? []) {
  const hasFailedTest = (suite.assertionResults ?? []).some((test) => test.status === "failed");
  if (suite.status === "failed" && !hasFailedTest) failed += 1;
}
// vitest also fails a run for errors no test owns (unhandled rejections, teardown errors).
if (Number(vitestExit) !== 0 && failed === 0) {
  console.error(`vitest exited with code ${vitestExit} although every test passed: see the errors above.`);
  failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
