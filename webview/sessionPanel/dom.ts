/** Small DOM helpers of the session panel: every value goes in as text (textContent), never as HTML. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; title?: string } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.className) e.className = props.className;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title !== undefined) e.title = props.title;
  e.append(...children);
  return e;
}

export function button(label: string, onClick: () => void, id?: string): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (id) b.id = id;
  b.addEventListener('click', onClick);
  return b;
}

export type Checkbox = HTMLElement & { checked: boolean; label: string; disabled: boolean };

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): Checkbox {
  const box = document.createElement('vscode-checkbox') as Checkbox;
  box.label = label;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}
