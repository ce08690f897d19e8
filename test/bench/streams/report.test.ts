import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRatio, renderMarkdownTable, type Row } from '../../../bench/streams/report.js';

describe('bench report', () => {
  it('ratios are Tributary / kinesalite and absent when a side is missing or zero', () => {
    assert.equal(formatRatio({ text: '', value: 30 }, { text: '', value: 10 }), '3.00×');
    assert.equal(formatRatio({ text: '', value: 30 }, undefined), '—');
    assert.equal(formatRatio({ text: '', value: 30 }, { text: '', value: 0 }), '—');
    assert.equal(formatRatio({ text: 'x' }, { text: '', value: 1 }), '—');
  });

  it('renders one aligned Markdown table, naming each scenario once', () => {
    const rows: Row[] = [
      {
        scenario: 'A',
        metric: 'records/s',
        tributary: { text: '100', value: 100 },
        kinesalite: { text: '50', value: 50 },
        ratio: true,
      },
      { scenario: 'A', metric: 'failed', tributary: { text: '0 / 0' }, kinesalite: undefined, ratio: false },
      { scenario: 'B', metric: 'records/s', tributary: undefined, kinesalite: { text: '7', value: 7 }, ratio: true },
    ];
    const lines = renderMarkdownTable(rows).split('\n');
    assert.equal(lines.length, 5);
    assert.ok(lines.every((l) => l.length === lines[0]!.length));
    assert.match(lines[1]!, /^\|-+\|-+\|-+:\|-+:\|-+:\|$/);
    assert.deepEqual(
      lines[2]!.split('|').map((c) => c.trim()),
      ['', 'A', 'records/s', '100', '50', '2.00×', ''],
    );
    assert.deepEqual(
      lines[3]!.split('|').map((c) => c.trim()),
      ['', '', 'failed', '0 / 0', 'n/a', '—', ''],
    );
    assert.deepEqual(
      lines[4]!.split('|').map((c) => c.trim()),
      ['', 'B', 'records/s', 'n/a', '7', '—', ''],
    );
  });
});
