/** How the record browser shows a record's data blob. */
export type DataFormat = 'text' | 'json' | 'hex';

const decoder = new TextDecoder('utf-8', { fatal: false });

export function formatData(data: Uint8Array, view: DataFormat): string {
  if (view === 'hex') {
    const lines: string[] = [];
    for (let offset = 0; offset < data.length; offset += 16) {
      const row = data.subarray(offset, offset + 16);
      const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
      const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47, ' ')}  ${ascii}`);
    }
    return lines.join('\n');
  }
  const text = decoder.decode(data);
  if (view === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return `(not JSON) ${text}`;
    }
  }
  return text;
}

/** Midpoint of a shard's hash key range: the default new starting hash key of a split. */
export function midpointHashKey(start: string, end: string): string {
  return ((BigInt(start) + BigInt(end) + 1n) / 2n).toString();
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A byte count in binary units: `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`. */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value)} ${BYTE_UNITS[unit]}`;
}

/** A per-second figure: whole numbers as they are, small ones with up to two decimals (`0.2/s`, `1,234/s`). */
export function formatRate(n: number, unit: string): string {
  return `${formatNumber(n)}${unit === '' ? '' : ` ${unit}`}/s`;
}

/** A figure with at most two decimals below 10, one below 100, none above (`0.25`, `12.5`, `1,234`). */
export function formatNumber(n: number): string {
  if (n === 0) return '0';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}
