import * as assert from 'node:assert/strict';
import { CsvParser, csvRow } from '../../src/core/transfer/csv';

function parse(chunks: string[]): { row: string[]; line: number }[] {
  const p = new CsvParser();
  const rows: { row: string[]; line: number }[] = [];
  const emit = (row: string[], line: number): void => void rows.push({ row, line });
  for (const c of chunks) p.feed(c, emit);
  p.end(emit);
  return rows;
}

describe('CSV', () => {
  const values = [['a', 'b,c', 'say "hi"', 'multi\nline\r\ntext', ''], ['ü€😀', '', '""', ',', '\r']];
  const text = values.map((v) => csvRow(v)).join('');

  it('reads back what it writes, quotes and line breaks included', () => {
    assert.deepEqual(parse([text]).map((r) => r.row), values);
  });

  it('gives the same rows however the text is split into chunks', () => {
    for (let size = 1; size < 12; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      assert.deepEqual(parse(chunks).map((r) => r.row), values, `chunk size ${size}`);
    }
  });

  it('numbers rows by the line they start on', () => {
    assert.deepEqual(parse(['h1,h2\n"x\ny",1\nz,2\n']).map((r) => r.line), [1, 2, 4]);
  });
});
