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
