import { Node, findNodeAtLocation, parse, parseTree } from 'jsonc-parser';

export type JsonPath = Array<string | number>;

/**
 * Adds values to a JSON (or JSONC) text in place: every byte the user wrote —
 * order, indentation, inline objects, comments — stays, and only the new keys
 * appear, indented like their neighbours. A path ending in -1 appends to an
 * array. Paths whose value exists already are the caller's to skip.
 */
export function addToJson(text: string | undefined, additions: Array<[JsonPath, unknown]>): string {
  if (text === undefined) {
    const value = {};
    for (const [path, v] of additions) setIn(value, path, v);
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  let out = text;
  const unit = /\n([ \t]+)["}\]]/.exec(out)?.[1] ?? '  ';
  for (const [path, value] of additions) {
    const tree = parseTree(out, [], { allowTrailingComma: true }) as Node;
    // the deepest container that exists; what is missing below it is built as one value
    let depth = path.length - 1;
    const isContainer = (n: Node | undefined) => n?.type === 'object' || n?.type === 'array';
    while (depth > 0 && !isContainer(findNodeAtLocation(tree, path.slice(0, depth)))) depth--;
    const container = depth === 0 ? tree : (findNodeAtLocation(tree, path.slice(0, depth)) as Node);
    const rest = {};
    const key = path[depth];
    const inserted = depth === path.length - 1 ? value : (setIn(rest, path.slice(depth + 1), value), rest);
    const children = container.children ?? [];
    const last = children[children.length - 1];
    const indent = last ? lineIndent(out, last.offset) : lineIndent(out, container.offset) + unit;
    const entry =
      container.type === 'array'
        ? `${indent}${stringify(inserted, indent, unit)}`
        : `${indent}${JSON.stringify(key)}: ${stringify(inserted, indent, unit)}`;
    const oneLine = !out.slice(container.offset, container.offset + container.length).includes('\n');
    if (last && oneLine) {
      // a list written on one line stays on one line
      const end = last.offset + last.length;
      const compact = JSON.stringify(inserted);
      out = `${out.slice(0, end)}, ${container.type === 'array' ? compact : `${JSON.stringify(key)}: ${compact}`}${out.slice(end)}`;
    } else if (last) {
      const end = last.offset + last.length;
      out = `${out.slice(0, end)},\n${entry}${out.slice(end)}`;
    } else {
      const open = container.offset + 1;
      const close = container.offset + container.length - 1;
      out = `${out.slice(0, open)}\n${entry}\n${lineIndent(out, container.offset)}${out.slice(close)}`;
    }
  }
  return out;
}

/** The parsed text (comments and trailing commas allowed, as Nx allows them), or undefined when absent or not an object. */
export function readJsonText(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const value = parse(text, [], { allowTrailingComma: true });
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function setIn(target: Record<string, unknown>, path: JsonPath, value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[path[path.length - 1]] = value;
}

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

function stringify(value: unknown, indent: string, unit: string): string {
  return JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`);
}
