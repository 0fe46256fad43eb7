/** RFC 4180 CSV: a field is quoted when it holds a comma, quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvRow(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * Streaming CSV parser: feed chunks, get complete rows (quoted fields may span lines).
 * Each row comes with the 1-based line it started on, for error messages.
 */
export class CsvParser {
  private field = '';
  private row: string[] = [];
  private inQuotes = false;
  private quoteSeen = false;
  private line = 1;
  private rowLine = 1;
  private lastWasCR = false;

  feed(text: string, emit: (row: string[], line: number) => void): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            this.field += '"';
            i++;
          } else if (i + 1 === text.length) {
            // A quote at the chunk's end: decide with the next chunk.
            this.inQuotes = false;
            this.quoteSeen = true;
          } else this.inQuotes = false;
        } else {
          if (c === '\n') this.line++;
          this.field += c;
        }
        continue;
      }
      if (this.quoteSeen && c === '"') {
        // `""` split over two chunks: an escaped quote inside the field.
        this.field += '"';
        this.inQuotes = true;
        this.quoteSeen = false;
        continue;
      }
      this.quoteSeen = false;
      if (c === '"' && this.field === '') this.inQuotes = true;
      else if (c === ',') this.endField();
      else if (c === '\r') {
        this.endRow(emit);
        this.lastWasCR = true;
        this.line++;
        continue;
      } else if (c === '\n') {
        if (!this.lastWasCR) {
          this.endRow(emit);
          this.line++;
        }
      } else this.field += c;
      this.lastWasCR = false;
    }
  }

  end(emit: (row: string[], line: number) => void): void {
    if (this.field !== '' || this.row.length > 0) this.endRow(emit);
  }

  private endField(): void {
    this.row.push(this.field);
    this.field = '';
  }

  private endRow(emit: (row: string[], line: number) => void): void {
    this.endField();
    const row = this.row;
    this.row = [];
    if (!(row.length === 1 && row[0] === '')) emit(row, this.rowLine);
    this.rowLine = this.line + 1;
  }
}
