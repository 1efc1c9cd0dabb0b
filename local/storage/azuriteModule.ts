/**
 * What one of Azurite's CommonJS modules exports (`exports.default = …`), from the namespace an `import()` of it
 * gives: Node and esbuild's bundles both put `module.exports` under `default`. Azurite is loaded through `import()`
 * rather than `require`, so that the build bundles it into the Azurite process's one file.
 */
export function azuriteModule<M>(namespace: M): M {
  return (namespace as { default: M }).default;
}
