/**
 * Browser side of the session list panel (issue 8 builds the real panels). It draws the
 * rows the extension posts; every value goes in as text, never as HTML.
 */
interface SessionRow {
  name: string;
  messages: number;
  topics: number;
  start: string | null;
}

type PanelMessage = { type: 'sessions'; rows: SessionRow[] };

function render(rows: SessionRow[]): void {
  const body = document.querySelector('tbody');
  if (!body) return;
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      for (const value of [r.name, String(r.messages), String(r.topics), r.start ?? '-']) {
        const td = document.createElement('td');
        td.textContent = value;
        tr.append(td);
      }
      return tr;
    }),
  );
}

window.addEventListener('message', (event: MessageEvent<PanelMessage>) => {
  if (event.data?.type === 'sessions' && Array.isArray(event.data.rows)) render(event.data.rows);
});
