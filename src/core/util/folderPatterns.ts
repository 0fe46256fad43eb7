import { readdir } from 'node:fs/promises';
import * as path from 'node:path';

function segmentRegex(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * Folders matching a pattern relative to `base` (`sessions`, `data/*-data/sessions`):
 * `*` and `?` within a segment; only folders that exist are returned.
 */
export async function expandFolderPattern(base: string, pattern: string): Promise<string[]> {
  let current = [path.resolve(base)];
  const segments = pattern.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (path.isAbsolute(pattern)) current = [path.parse(pattern).root];
  for (const segment of segments) {
    const next: string[] = [];
    for (const dir of current) {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      if (!/[*?]/.test(segment)) {
        if (segment === '..' || entries.some((e) => e.name === segment && e.isDirectory())) next.push(path.join(dir, segment));
        continue;
      }
      const re = segmentRegex(segment);
      for (const e of entries) if (e.isDirectory() && re.test(e.name)) next.push(path.join(dir, e.name));
    }
    current = next.sort();
  }
  return current;
}
