// `npm run check` (after `npm run typecheck`): offline checks of every Worker of the stack —
// generated types are current, and `wrangler deploy --dry-run` bundles each one.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureDashboardAssets } from "./lib/dashboard-assets.mjs";
import { ensureDocsAssets } from "./lib/docs-assets.mjs";
import { BIN, ROOT, run } from "./lib/proc.mjs";
import { WORKERS } from "./stack.mjs";

let failed = 0;

const types = await run(path.join(ROOT, "scripts/cf-typegen.mjs"), ["--check"]);
if (types.code !== 0) failed += 1;

ensureDocsAssets();
ensureDashboardAssets();
const outRoot = mkdtempSync(path.join(os.tmpdir(), "linkflow-check-"));
try {
  for (const worker of WORKERS) {
    const outdir = path.join(outRoot, worker.dir.replaceAll("/", "_"));
    const result = await run(BIN.wrangler, ["deploy", "--dry-run", "--outdir", outdir, "-c", worker.config], { echo: false });
    const size = /Total Upload: ([^\n]*)/.exec(result.output)?.[1] ?? "";
    if (result.code === 0) {
      console.log(`dry-run deploy ok: ${worker.config} (${size.trim()})`);
    } else {
      failed += 1;
      console.error(`dry-run deploy FAILED: ${worker.config}\n${result.output}`);
    }
  }
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}

if (failed > 0) {
  console.error(`check: ${failed} problem(s).`);
  process.exit(1);
}
console.log(`check: ok (${WORKERS.length} Workers).`);
