// Lint: typescript-eslint with type information, for what STYLE.md asks and the type checker
// cannot enforce (a promise nobody awaits, a promise where a callback's result is ignored, a
// switch that misses a union member, `any`). `npm run lint`; .ci/run runs it. Formatting is
// Prettier's (.prettierrc.json), not a lint rule.
import tseslint from "typescript-eslint";

const typed = {
  "@typescript-eslint/no-floating-promises": "error",
  "@typescript-eslint/no-misused-promises": "error",
  "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
  "@typescript-eslint/no-explicit-any": "error",
};

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "**/.wrangler/**",
      "test-results/**",
      "**/worker-configuration.d.ts",
      "worker-runtime.d.ts",
      "dashboard/public/docs-ui/vendor/**",
      "dashboard/public/dashboard/build/**",
      // Outside every tsconfig (type-aware rules need one); plain Node glue.
      "eslint.config.mjs",
      ".ci/**",
    ],
  },
  {
    // Each file is checked against the tsconfig that owns it: the Workers' (tsconfig.json), the Node
    // side's (scripts, tests in Node, configs: tsconfig.node.json) or the dashboard page's.
    files: ["**/*.ts", "**/*.mjs", "dashboard/src/**/*.js"],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { project: ["./tsconfig.json", "./tsconfig.node.json", "./dashboard/tsconfig.json"], tsconfigRootDir: import.meta.dirname },
    },
    rules: typed,
  },
);
