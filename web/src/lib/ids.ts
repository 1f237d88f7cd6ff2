// Ids of new nodes, comments and variables: readable, and unique on the board.

/** `base`, or `base_2`, `base_3` … whichever is not taken. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'node';
  if (!taken.has(clean)) return clean;
  for (let k = 2; ; k++) {
    const id = `${clean}_${k}`;
    if (!taken.has(id)) return id;
  }
}

/** The short name of a node type for ids: "log_info" → "log_info", "pkg:text/upper" → "upper". */
export function idBase(type: string): string {
  const slash = type.lastIndexOf('/');
  return slash >= 0 ? type.slice(slash + 1) : type;
}
