// The shapes of the board format (docs/board-format.md) and of the server's
// answers that the editor reads.

export type PinType =
  | 'execution' | 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'bytes' | 'struct' | 'generic';
export type ValueType = 'normal' | 'array' | 'map' | 'set';
export type Direction = 'in' | 'out';

/** One pin of a node type, as GET …/catalog describes it. */
export interface CatalogPin {
  name: string;
  direction: Direction;
  type: PinType;
  value_type: ValueType;
  repeated?: boolean;
  default?: unknown;
}

/** One node type of the catalog (built-in, or from an installed package). */
export interface CatalogNode {
  type: string;
  name: string;
  friendly_name: string;
  category: string;
  description: string;
  pure: boolean;
  start: boolean;
  pins: CatalogPin[];
  extra_outputs?: boolean;
  format_inputs?: boolean;
  package?: string;
  version?: string;
  capabilities?: unknown;
  granted?: unknown;
}

export interface ExtraPin {
  name: string;
  direction?: Direction;
  type?: PinType;
  value_type?: ValueType;
}

export interface BoardNode {
  id: string;
  type: string;
  x?: number;
  y?: number;
  inputs?: Record<string, unknown>;
  pin_counts?: Record<string, number>;
  extra_pins?: ExtraPin[];
  handle_errors?: boolean;
  [more: string]: unknown;
}

export interface BoardConnection {
  from: string;
  to: string;
  [more: string]: unknown;
}

export interface BoardComment {
  id: string;
  text: string;
  x?: number;
  y?: number;
  w?: number;
  h?: number;
  [more: string]: unknown;
}

export interface BoardVariable {
  id: string;
  name?: string;
  type: PinType;
  value_type?: ValueType;
  default?: unknown;
  exposed?: boolean;
  secret?: boolean;
  [more: string]: unknown;
}

/** Everything of the board but its nodes, connections and comments. */
export interface BoardMeta {
  format: string;
  id: string;
  name?: string;
  description?: string;
  version?: string;
  variables?: BoardVariable[];
  [more: string]: unknown;
}

export interface Board extends BoardMeta {
  nodes: BoardNode[];
  connections: BoardConnection[];
  comments?: BoardComment[];
}

/** One error of `weir validate` / a board save. */
export interface BoardError {
  code: string;
  node: string | null;
  pin: string | null;
  message: string;
}
