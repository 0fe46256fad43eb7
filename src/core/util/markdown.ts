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
