/**
 * Process metadata as exposed by Micromegas' `processes` view, plus the pure
 * filtering / sorting logic behind the process list page.
 */

export interface ProcessInfo {
  process_id: string;
  exe: string;
  username: string;
  realname: string;
  computer: string;
  distro: string;
  cpu_brand: string;
  tsc_frequency: number;
  start_time: string;
  last_update_time: string;
  parent_process_id: string | null;
  properties: Record<string, string>;
}

export interface ProcessSample {
  /** Instant the sample was captured; the UI treats it as "now". */
  generated_at: string;
  processes: ProcessInfo[];
}

export type SortKey = 'exe' | 'computer' | 'username' | 'start_time' | 'last_update_time';
export type SortDirection = 'asc' | 'desc';

export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

export interface ProcessFilter {
  /** Case-insensitive substring matched against exe, user, computer, id and properties. */
  search: string;
  begin: Date;
  end: Date;
}

export class SampleFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleFormatError';
  }
}

const STRING_FIELDS = [
  'process_id',
  'exe',
  'username',
  'realname',
  'computer',
  'distro',
  'cpu_brand',
  'start_time',
  'last_update_time',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidInstant(text: string): boolean {
  return !Number.isNaN(Date.parse(text));
}

function parseProcess(value: unknown, index: number): ProcessInfo {
  const where = `processes[${index}]`;
  if (!isRecord(value)) {
    throw new SampleFormatError(`${where} is not an object`);
  }
  for (const field of STRING_FIELDS) {
    if (typeof value[field] !== 'string') {
      throw new SampleFormatError(`${where}.${field} must be a string`);
    }
  }
  if (typeof value.tsc_frequency !== 'number' || !Number.isFinite(value.tsc_frequency)) {
    throw new SampleFormatError(`${where}.tsc_frequency must be a finite number`);
  }
  const parent = value.parent_process_id;
  if (parent !== null && parent !== undefined && typeof parent !== 'string') {
    throw new SampleFormatError(`${where}.parent_process_id must be a string or null`);
  }
  const rawProperties = value.properties ?? {};
  if (!isRecord(rawProperties)) {
    throw new SampleFormatError(`${where}.properties must be an object`);
  }
  const properties: Record<string, string> = {};
  for (const [key, prop] of Object.entries(rawProperties)) {
    if (typeof prop !== 'string') {
      throw new SampleFormatError(`${where}.properties.${key} must be a string`);
    }
    properties[key] = prop;
  }
  const process: ProcessInfo = {
    process_id: value.process_id as string,
    exe: value.exe as string,
    username: value.username as string,
    realname: value.realname as string,
    computer: value.computer as string,
    distro: value.distro as string,
    cpu_brand: value.cpu_brand as string,
    tsc_frequency: value.tsc_frequency,
    start_time: value.start_time as string,
    last_update_time: value.last_update_time as string,
    parent_process_id: typeof parent === 'string' && parent !== '' ? parent : null,
    properties,
  };
  if (!isValidInstant(process.start_time)) {
    throw new SampleFormatError(`${where}.start_time is not a valid timestamp`);
  }
  if (!isValidInstant(process.last_update_time)) {
    throw new SampleFormatError(`${where}.last_update_time is not a valid timestamp`);
  }
  return process;
}

/** Validates untrusted JSON (e.g. the bundled sample) into a typed process sample. */
export function parseProcessSample(json: unknown): ProcessSample {
  if (!isRecord(json)) {
    throw new SampleFormatError('sample must be an object');
  }
  if (typeof json.generated_at !== 'string' || !isValidInstant(json.generated_at)) {
    throw new SampleFormatError('generated_at must be a valid timestamp');
  }
  if (!Array.isArray(json.processes)) {
    throw new SampleFormatError('processes must be an array');
  }
  const processes = json.processes.map(parseProcess);
  const seen = new Set<string>();
  for (const p of processes) {
    if (seen.has(p.process_id)) {
      throw new SampleFormatError(`duplicate process_id ${p.process_id}`);
    }
    seen.add(p.process_id);
  }
  return { generated_at: json.generated_at, processes };
}

/** Executable file name without its directory (handles `/` and `\` separators). */
export function exeName(exe: string): string {
  const parts = exe.split(/[\\/]/);
  return parts[parts.length - 1] || exe;
}

/** True when the process' lifetime [start, last update] overlaps [begin, end]. */
export function isActiveInRange(process: ProcessInfo, begin: Date, end: Date): boolean {
  const start = Date.parse(process.start_time);
  const last = Date.parse(process.last_update_time);
  return start <= end.getTime() && last >= begin.getTime();
}

export function processLifetimeMs(process: ProcessInfo): number {
  return Date.parse(process.last_update_time) - Date.parse(process.start_time);
}

function matchesSearch(process: ProcessInfo, needle: string): boolean {
  if (needle === '') {
    return true;
  }
  const haystack = [
    process.exe,
    process.username,
    process.realname,
    process.computer,
    process.process_id,
    ...Object.entries(process.properties).map(([k, v]) => `${k}=${v}`),
  ];
  return haystack.some((field) => field.toLowerCase().includes(needle));
}

export function filterProcesses(
  processes: readonly ProcessInfo[],
  filter: ProcessFilter,
): ProcessInfo[] {
  const needle = filter.search.trim().toLowerCase();
  return processes.filter(
    (p) => isActiveInRange(p, filter.begin, filter.end) && matchesSearch(p, needle),
  );
}

function sortValue(process: ProcessInfo, key: SortKey): string | number {
  switch (key) {
    case 'exe':
      return exeName(process.exe).toLowerCase();
    case 'computer':
      return process.computer.toLowerCase();
    case 'username':
      return process.username.toLowerCase();
    case 'start_time':
      return Date.parse(process.start_time);
    case 'last_update_time':
      return Date.parse(process.last_update_time);
  }
}

/** Returns a sorted copy; ties are broken by process_id so the order is total and stable. */
export function sortProcesses(processes: readonly ProcessInfo[], sort: SortState): ProcessInfo[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return [...processes].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va < vb) return -sign;
    if (va > vb) return sign;
    return a.process_id < b.process_id ? -1 : a.process_id > b.process_id ? 1 : 0;
  });
}

/** Clicking a column header: same column flips direction; a new column starts descending for times. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) {
    return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  }
  const timeColumn = key === 'start_time' || key === 'last_update_time';
  return { key, direction: timeColumn ? 'desc' : 'asc' };
}

export const DEFAULT_SORT: SortState = { key: 'last_update_time', direction: 'desc' };
