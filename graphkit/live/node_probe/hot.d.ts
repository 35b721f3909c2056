// The graphkit hot handle for TypeScript. Without graphkit the registry entry is undefined and `hot` too:
//   const hot = (globalThis as GraphkitHotRegistry)[Symbol.for('graphkit.hot')]?.(import.meta);
// (TypeScript types `Symbol.for(...)` as a plain symbol, so the registry needs this cast to be typed.)
interface GraphkitHotUpdate {
  readonly changed: readonly string[];
  readonly evicted: readonly string[];
  readonly reimported: readonly string[];
}

interface GraphkitHot<Data extends object = Record<string, unknown>> {
  /** One object per module URL that lives across reloads. */
  readonly data: Partial<Data>;
  /** Runs before this instance is evicted (newest first, awaited). */
  dispose(callback: (data: Partial<Data>) => void | Promise<void>): void;
  /** Accepts its own updates: importers are kept; called with the new module namespace. */
  accept(callback?: (next: Record<string, unknown>) => void | Promise<void>): void;
  /** On a surviving import() boundary, after a reload. */
  on(event: 'update', callback: (update: GraphkitHotUpdate) => void | Promise<void>): void;
}

interface GraphkitHotRegistry {
  [key: symbol]:
    | (<Data extends object = Record<string, unknown>>(meta: ImportMeta) => GraphkitHot<Data>)
    | undefined;
}
