import type { RegisteredExtension } from './shared/extension.js';

/** The extensions a host knows, looked up by binding type (ignoring case), with no type claimed twice. */
export class ExtensionRegistry {
  readonly #byType = new Map<string, RegisteredExtension>();
  readonly all: readonly RegisteredExtension[];

  constructor(extensions: readonly RegisteredExtension[]) {
    this.all = extensions;
    const names = new Set<string>();
    for (const extension of extensions) {
      if (names.has(extension.name.toLowerCase())) throw new Error(`Two extensions are named '${extension.name}'.`);
      names.add(extension.name.toLowerCase());
      for (const type of extension.bindingTypes) {
        const other = this.#byType.get(type.toLowerCase());
        if (other) {
          throw new Error(
            `The binding type '${type}' is claimed by both the '${other.name}' and '${extension.name}' extensions.`,
          );
        }
        this.#byType.set(type.toLowerCase(), extension);
      }
    }
  }

  forType(type: string): RegisteredExtension | undefined {
    return this.#byType.get(type.toLowerCase());
  }

  types(): string[] {
    return this.all.flatMap((e) => e.bindingTypes);
  }
}
