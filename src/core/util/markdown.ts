function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) if (run.length > longest) longest = run.length;
  return longest;
}

/** Inline code that survives backticks and line breaks in the value. */
export function inlineCode(value: string): string {
  const text = value.replace(/\r?\n|\r/g, ' ');
  const fence = '`'.repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
export function codeBlock(lang: string, content: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  return `${fence}${lang}\n${content}\n${fence}\n`;
}

/** One line, no line breaks: for headings. */
export function oneLine(value: string): string {
  return value.replace(/\r?\n|\r/g, ' ');
}

/** A Markdown table cell: inline code, pipes escaped. */
export function mdCell(text: string): string {
  return inlineCode(text).replace(/\|/g, '\\|');
}

/**
 * A value as plain Markdown text on one line (headings, list items), never markup: `&`, `<`
 * and `>` become entities, so no renderer runs HTML or a comment from it (VS Code's preview
 * is safe, others are not); `\`, `` ` ``, `*`, `[`, `]`, `|`, `~` and `_` at a word's edge are
 * backslash-escaped, so it makes no code, emphasis, link or table cell. Not for code spans:
 * there everything is literal already.
 */
export function mdText(value: string): string {
  return oneLine(value)
    .replace(/[\\`*[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\$&')
    .replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}
