// CommonJS packages inside an ES module bundle reach Node's built-ins through a real `require`: the first lines of
// every ES module bundle the build writes for Node (scripts/build-local.mjs, scripts/build-app.mjs).
export const ESM_BUNDLE_BANNER =
  "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);";
